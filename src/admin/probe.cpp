#include "admin/probe.hpp"

#include "admin/ui_impl.hpp"
#include "util/time.hpp"

#include <boost/json/parse.hpp>

namespace senna::admin {

namespace json = boost::json;
using socketio::socket;

namespace {

json::value date_now() {
    return json::value(util::iso8601(util::now_ms()));
}

// Credentials never reach the UI: the values of "token" and "password" keys are replaced,
// at any depth (up to 8 levels; deeper objects are dropped whole).
void redact(json::value& v, int depth = 0) {
    if (depth > 8) {
        v = "[redacted]";
        return;
    }
    if (v.is_object()) {
        for (auto& [k, x] : v.get_object()) {
            if (k == "token" || k == "password" || k == "sessionId")
                x = "[redacted]";
            else
                redact(x, depth + 1);
        }
    } else if (v.is_array()) {
        for (auto& x : v.get_array())
            redact(x, depth + 1);
    }
}

// The query of a handshake as an object, without the token a client may put there.
json::object query_object(std::string_view query) {
    json::object o;
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = part.find('=');
        std::string key(part.substr(0, eq));
        if (key.empty())
            continue;
        o[key] = key == "token"
                     ? std::string("[redacted]")
                     : std::string(eq == std::string_view::npos ? "" : part.substr(eq + 1));
    }
    return o;
}

// The broadcast frame's arguments ("2/nsp,[...]" or "2[...]"), for event_sent.
json::array frame_args(std::string_view text) {
    if (text.empty() || text[0] != '2')
        return {};
    std::size_t i = 1;
    if (i < text.size() && text[i] == '/') {
        auto comma = text.find(',', i);
        if (comma == std::string_view::npos)
            return {};
        i = comma + 1;
    }
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
        ++i;
    net::error_code ec;
    json::value v = json::parse(text.substr(i), ec);
    if (ec || !v.is_array())
        return {};
    return std::move(v.get_array());
}
} // namespace

std::vector<std::pair<std::string, std::size_t>> admin_ui::probe::namespaces() const {
    std::vector<std::pair<std::string, std::size_t>> out;
    shard_.io->for_each_namespace(
        [&](const socketio::namespace_& ns) { out.emplace_back(ns.name(), ns.size()); });
    return out;
}

void admin_ui::probe::list(json::array& out, std::size_t max) const {
    shard_.io->for_each_namespace([&](const socketio::namespace_& ns) {
        ns.for_each([&](const socket& s) {
            if (out.size() < max)
                out.push_back(serialize(s));
        });
    });
}

void admin_ui::probe::command(const json::object& cmd) {
    const auto* nsp = cmd.if_contains("nsp");
    const auto* op = cmd.if_contains("op");
    if (!nsp || !nsp->is_string() || !op || !op->is_string())
        return;
    auto* ns = shard_.io->find(nsp->get_string());
    if (!ns)
        return;
    std::string filter, room;
    if (const auto* f = cmd.if_contains("filter"); f && f->is_string())
        filter = f->get_string();
    if (const auto* r = cmd.if_contains("room"); r && r->is_string())
        room = r->get_string();
    const bool close =
        cmd.contains("close") && cmd.at("close").is_bool() && cmd.at("close").get_bool();
    const std::string_view what = op->get_string();
    ns->for_each([&](socket& s) {
        if (!filter.empty() && s.id() != filter && !s.in(filter))
            return;
        if (what == "join" && !room.empty())
            s.join(room);
        else if (what == "leave" && !room.empty())
            s.leave(room);
        else if (what == "disconnect")
            s.disconnect(close);
    });
}

void admin_ui::probe::client_closed(const socketio::client&, std::string_view reason) {
    auto it = counts_.disconnections.find(reason);
    if (it == counts_.disconnections.end())
        counts_.disconnections.emplace(std::string(reason), 1);
    else
        ++it->second;
}

void admin_ui::probe::connected(socket& s) {
    if (!ui_.verbose())
        return;
    const auto& hs = s.handshake();
    info i;
    i.address = hs.remote;
    i.issued = util::now_ms();
    i.query = query_object(hs.query);
    for (const char* h : {"host", "origin", "user-agent", "accept-language"}) {
        auto v = hs.header(h);
        if (!v.empty())
            i.headers[h] = v;
    }
    i.xdomain = !hs.header("origin").empty();
    auto q = hs.url.find('?');
    i.path = q == std::string::npos ? hs.url : hs.url.substr(0, q);
    info_[&s] = std::move(i);
    if (ui_.may_emit()) {
        json::array a;
        a.push_back(serialize(s));
        a.push_back(date_now());
        ui_.publish_event("socket_connected", std::move(a));
    }
}

void admin_ui::probe::disconnected(socket& s, std::string_view reason) {
    info_.erase(&s);
    if (ui_.may_emit()) {
        json::array a{json::value(s.nsp_name()), json::value(s.id()), json::value(reason),
                      date_now()};
        ui_.publish_event("socket_disconnected", std::move(a));
    }
}

void admin_ui::probe::event_in(socket& s, const socketio::event& ev) {
    if (s.nsp_name() == ui_.s.namespace_name || !ui_.may_emit())
        return;
    json::array args;
    args.push_back(json::value(ev.name));
    for (const auto& a : ev.args)
        args.push_back(a);
    json::value all(std::move(args));
    redact(all);
    json::array a{json::value(s.nsp_name()), json::value(s.id()), std::move(all), date_now()};
    ui_.publish_event("event_received", std::move(a));
}

void admin_ui::probe::event_out(socket& s, std::string_view name, const json::array& args) {
    if (s.nsp_name() == ui_.s.namespace_name || !ui_.may_emit())
        return;
    json::array all;
    all.push_back(json::value(name));
    for (const auto& a : args)
        all.push_back(a);
    sent(s, std::move(all));
}

void admin_ui::probe::frame_out(socket& s, const socketio::frame& f) {
    if (s.nsp_name() == ui_.s.namespace_name || !ui_.may_emit())
        return;
    if (f.text != last_frame_) { // one frame comes once per receiver: parse it once
        last_frame_ = f.text;
        last_args_ = frame_args(*f.text);
    }
    sent(s, last_args_);
}

json::object admin_ui::probe::serialize(const socket& s) const {
    json::object o;
    o["id"] = s.id();
    const auto& session = s.connection().session();
    // The Engine.IO id is a credential (polling): the UI gets a prefix, as the reference's.
    o["clientId"] = session.id().substr(0, 12);
    o["transport"] =
        session.transport() == engineio::transport_kind::websocket ? "websocket" : "polling";
    o["nsp"] = s.nsp_name();
    o["data"] = shard_.describe ? shard_.describe(s) : json::object();
    json::object hs;
    auto it = info_.find(&s);
    const std::int64_t issued = it != info_.end() ? it->second.issued : util::now_ms();
    hs["address"] = it != info_.end() ? it->second.address : std::string();
    hs["headers"] = it != info_.end() ? it->second.headers : json::object();
    hs["query"] = it != info_.end() ? it->second.query : json::object();
    hs["issued"] = issued;
    hs["secure"] = false;
    hs["time"] = util::iso8601(issued);
    hs["url"] = it != info_.end() ? it->second.path : std::string();
    hs["xdomain"] = it != info_.end() && it->second.xdomain;
    o["handshake"] = std::move(hs);
    json::array rooms;
    rooms.push_back(json::value(s.id()));
    for (const auto& r : s.rooms())
        rooms.push_back(json::value(r));
    o["rooms"] = std::move(rooms);
    return o;
}

void admin_ui::probe::room_event(socket& s, const std::string& room, bool join) {
    if (!ui_.may_emit())
        return;
    json::array a{json::value(s.nsp_name()), json::value(room), json::value(s.id()), date_now()};
    ui_.publish_event(join ? "room_joined" : "room_left", std::move(a));
}

void admin_ui::probe::sent(socket& s, json::array all) {
    json::value v(std::move(all));
    redact(v);
    json::array a{json::value(s.nsp_name()), json::value(s.id()), std::move(v), date_now()};
    ui_.publish_event("event_sent", std::move(a));
}
} // namespace senna::admin
