#include "webhook/event.hpp"

#include "auth/signature.hpp"
#include "chat/id.hpp"
#include "util/time.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <stdexcept>

namespace senna::webhook {

namespace json = boost::json;

namespace {

std::optional<std::int64_t> number(std::string_view s) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
        return std::nullopt;
    return v;
}

} // namespace

std::optional<stored_event> from_fields(std::string id,
                                        const std::vector<std::string_view>& fields) {
    stored_event e;
    e.id = std::move(id);
    bool has_event = false, has_user = false, has_data = false;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        const auto f = fields[i];
        const auto v = fields[i + 1];
        if (f == "event") {
            e.event = v;
            has_event = true;
        } else if (f == "user") {
            e.user = v;
            has_user = true;
        } else if (f == "data") {
            e.data = v;
            has_data = true;
        } else if (f == "seq") {
            e.seq = std::string(v);
        } else if (f == "rev") {
            e.rev = std::string(v);
        }
    }
    if (!has_event || !has_user || !has_data)
        return std::nullopt;
    return e;
}

std::string body(const stored_event& e) {
    json::object o;
    o["id"] = e.id;
    o["event"] = e.event;
    const auto dash = e.id.find('-');
    const auto ms = number(std::string_view(e.id).substr(0, dash));
    o["created_at"] = ms ? json::value(util::iso8601(*ms)) : json::value(nullptr);
    if (auto u = chat::id::parse(e.user))
        o["user_id"] = u->to_json();
    else
        o["user_id"] = e.user;
    boost::system::error_code ec;
    json::value data = json::parse(e.data, ec);
    if (ec)
        data = json::value(e.data); // not ours: passed on as a string
    if (data.is_object()) {
        if (e.seq)
            if (auto n = number(*e.seq))
                data.get_object()["seq"] = *n;
        if (e.rev)
            if (auto n = number(*e.rev))
                data.get_object()["rev"] = *n;
    }
    o["data"] = std::move(data);
    return json::serialize(o);
}

signer::signer(std::string_view secret) {
    auto key = auth::signing_key::create(auth::algorithm::hs256, secret);
    if (!key)
        throw std::invalid_argument("SOCK_WEBHOOK_SECRET: not a usable HMAC key");
    key_ = std::make_shared<auth::signing_key>(std::move(*key));
}

std::string signer::operator()(std::int64_t unix_seconds, std::string_view body) const {
    static constexpr char hex[] = "0123456789abcdef";
    const std::string t = std::to_string(unix_seconds);
    std::string input;
    input.reserve(t.size() + 1 + body.size());
    input.append(t).append(".").append(body);
    const std::string mac = key_->sign(input);
    std::string out = "t=" + t + ",v1=";
    for (unsigned char c : mac) {
        out += hex[c >> 4];
        out += hex[c & 0x0F];
    }
    return out;
}

std::chrono::milliseconds retry_delay(std::size_t attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds max) {
    auto d = base;
    for (std::size_t i = 1; i < attempt && d < max; ++i)
        d *= 2;
    return std::min(d, max);
}

} // namespace senna::webhook
