#pragma once
// One shard's observer of the Admin UI (admin_ui.hpp): counts the shard's traffic for
// server_stats, keeps each socket's handshake facts, publishes the fine-grained events through
// the UI's impl, lists the shard's sockets and runs the UI's commands on them. Lives on its
// shard's thread. Module-private (src/admin only).

#include "admin/admin_ui.hpp"
#include "engineio/session.hpp"
#include "socketio/observer.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace senna::admin {

/** What a probe counted since the last take(). */
struct counts {
    std::uint64_t connections = 0;
    std::map<std::string, std::uint64_t, std::less<>> disconnections; // by reason
    std::uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;
};

struct shard_report {
    counts c;
    std::vector<std::pair<std::string, std::size_t>> namespaces;
};

class admin_ui::probe : public socketio::observer {
public:
    probe(admin_ui::impl& ui, shard sh) : ui_(ui), shard_(std::move(sh)) {}

    counts take() { return std::exchange(counts_, counts{}); }
    std::vector<std::pair<std::string, std::size_t>> namespaces() const;
    /** Appends this shard's sockets to `out`, while it holds fewer than `max`. */
    void list(boost::json::array& out, std::size_t max) const;
    /** join / leave / disconnect ({nsp, op, filter?, room?, close?}) on this shard's sockets. */
    void command(const boost::json::object& cmd);

    // --- observer ---
    void client_opened(const socketio::client&) override { ++counts_.connections; }
    void client_closed(const socketio::client&, std::string_view reason) override;
    void message_in(std::size_t bytes) override {
        ++counts_.packets_in;
        counts_.bytes_in += bytes;
    }
    void message_out(std::size_t bytes) override {
        ++counts_.packets_out;
        counts_.bytes_out += bytes;
    }
    void connected(socketio::socket& s) override;
    void disconnected(socketio::socket& s, std::string_view reason) override;
    void joined(socketio::socket& s, const std::string& room) override {
        room_event(s, room, true);
    }
    void left(socketio::socket& s, const std::string& room) override { room_event(s, room, false); }
    void event_in(socketio::socket& s, const socketio::event& ev) override;
    void event_out(socketio::socket& s, std::string_view name,
                   const boost::json::array& args) override;
    void frame_out(socketio::socket& s, const socketio::frame& f) override;

private:
    struct info {
        std::string address;
        std::int64_t issued = 0;
        boost::json::object headers;
        boost::json::object query;
        std::string path;
        bool xdomain = false;
    };

    boost::json::object serialize(const socketio::socket& s) const;
    void room_event(socketio::socket& s, const std::string& room, bool join);
    void sent(socketio::socket& s, boost::json::array all);

    admin_ui::impl& ui_;
    shard shard_;
    counts counts_;
    std::unordered_map<const socketio::socket*, info> info_;
    engineio::shared_text last_frame_; // kept alive, so its address is not reused meanwhile
    boost::json::array last_args_;
};

} // namespace senna::admin
