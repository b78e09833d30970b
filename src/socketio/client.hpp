#pragma once
// One Engine.IO session seen by Socket.IO: decodes its messages into packets, multiplexes
// them over the namespaces it joined, enforces the connect timeout. Internal to socketio; owned
// by the session (as its session_handler), on the session's shard.

#include "engineio/session.hpp"
#include "net/timer_wheel.hpp"
#include "net/types.hpp"
#include "socketio/binary.hpp"
#include "socketio/revision.hpp"
#include "socketio/socket.hpp"

#include <memory>
#include <string>
#include <vector>

namespace senna::socketio {

class server;
class namespace_;

class client : public engineio::session_handler, public std::enable_shared_from_this<client> {
public:
    client(server& srv, std::shared_ptr<engineio::session> eio);
    ~client() override;

    /** Starts the connect timeout; v4: joins "/" implicitly. */
    void start();

    void on_message(std::string_view data, bool binary) override;
    void on_close(engineio::disconnect_reason reason) override;

    /** Queues an encoded packet; false if the session is gone or overflowed. */
    bool send(const frame& f);
    bool send(const packet& p) { return send(encode_frame(p)); }

    /** Forgets `nsp`'s socket (it disconnected on its own). */
    void detach(const std::string& nsp);
    /** Closes the Engine.IO session. */
    void close(engineio::disconnect_reason reason);

    revision protocol() const noexcept { return revision_; }
    const engineio::session& session() const noexcept { return *eio_; }
    const std::string& sid() const noexcept { return eio_->id(); }
    server& owner() noexcept { return server_; }

private:
    void on_packet(packet p);
    void connect(std::string_view nsp, boost::json::value auth);
    /** A new socket through the namespace's hooks. */
    void fresh(namespace_& ns, const std::string& name, boost::json::value auth);
    static net::awaitable<void> restore(std::shared_ptr<client> self, std::string name,
                                        boost::json::value auth);
    static net::awaitable<void> run_hooks(std::shared_ptr<client> self, std::shared_ptr<socket> s);
    void joined(const std::shared_ptr<socket>& s);
    std::shared_ptr<socket> find(std::string_view nsp) const;
    static void on_connect_timeout(void* self);

    // Budget (x86-64, sizeof 208): vptr 8, enable_shared_from_this 16, server and session 16,
    // revision 8, decoder 56 (its limits; a waiting binary packet only behind a pointer),
    // sockets 24 (one entry per namespace joined), connecting 24, connect deadline 48, flags 8.
    server& server_;
    // The session owns this client (its handler) and outlives it; a shared_ptr here would be a
    // cycle that leaks every session that is never closed.
    engineio::session* eio_;
    revision revision_;
    decoder decoder_;
    // A client joins one namespace or a few: short vectors, not hash tables.
    std::vector<std::shared_ptr<socket>> sockets_;
    std::vector<std::string> connecting_;
    net::deadline connect_timeout_;
    bool closed_ = false;
    bool ever_connected_ = false;
};

} // namespace senna::socketio
