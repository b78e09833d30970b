#pragma once
// One server-side WebSocket connection, after the HTTP upgrade: reads into its shard's buffer,
// parses with the sans-I/O codec (frame.hpp), hands whole messages to its handler, and writes
// queued frames with one sendmsg per socket, tried in place when the socket is writable.
//
// Density: nothing here is per-connection that an idle connection does not need. No coroutine,
// no Asio timer: one pending readiness wait on the socket, one deadline in the shard's wheel
// (write deadline, then close deadline), the bytes of an incomplete frame only while one is
// incomplete, an outbox that is empty when idle. Budget, bytes per member (x86-64, libstdc++):
//   enable_shared_from_this 16, socket 40, context/handler/settings 24, parser 40 (a fragmented
//   message's bytes only while one is in flight), partial frame 8 (a heap string only while a
//   frame is incomplete), outbox 24 + positions 8, deadline 48, release hook 32, state 8 ->
//   248 bytes, plus the control block (16) of make_shared, an outbox entry (32) once a frame
//   was sent, Asio's per-descriptor state in the reactor (168) and its pending wait (~112).
//
// Output: `send` queues a message as [header][prefix][body]: the body is shared (a broadcast
// hands the same string to every receiver), the header and an optional one-byte prefix (a
// protocol's type character) live in the queue entry. Frames queued during one turn of the
// event loop are flushed together at its end (shard_context), so a burst of broadcasts costs
// one sendmsg per socket, not one per frame. A connection whose outbox reaches the limit gets
// `false` from send; what to do (close as a slow consumer) is the caller's decision.
//
// Closing: close() sends what is queued, then a close frame, and waits at most close_timeout
// for the peer's close frame (RFC 6455 7.1.1 lets the server drop TCP after that). A close frame
// from the peer is answered with the same code and the TCP connection closed once it is written.
// Protocol errors close with 1002, invalid UTF-8 with 1007, oversize messages with 1009.
//
// Threading: a connection belongs to its shard; call it on that thread only.

#include "net/timer_wheel.hpp"
#include "net/types.hpp"
#include "websocket/frame.hpp"

#include <boost/asio/basic_stream_socket.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace senna::websocket {

class connection;
using shared_text = std::shared_ptr<const std::string>;
/** Sockets bound to their io_context directly: its executor is a pointer, any_io_executor's is
    a 48-byte polymorphic wrapper, in every connection. */
using socket_type = net::asio::basic_stream_socket<net::tcp, net::asio::io_context::executor_type>;

/** What ended a connection, as the handler is told once. */
enum class end_reason : std::uint8_t {
    peer_closed,    // a close frame from the peer, or EOF
    local,          // close()/cut() by the server
    protocol_error, // the peer broke RFC 6455 (1002), sent invalid UTF-8 (1007)
    too_big,        // a message over max_message (1009)
    io_error,       // reset, or the write deadline passed
};

class handler {
public:
    virtual ~handler() = default;
    /** A whole message; `data` is valid during the call only. */
    virtual void on_ws_message(connection& c, std::string_view data, bool binary) = 0;
    /** Once, when the connection ends (not after detach()). */
    virtual void on_ws_closed(connection& c, end_reason why) = 0;
};

struct connection_settings {
    std::size_t max_message = 1'000'000;
    std::size_t outbox_limit = 1024; // frames
    std::chrono::milliseconds write_timeout{10000};
    std::chrono::milliseconds close_timeout{1000};
    /** Test shims only: write one frame at a time, this long apart (engineio::settings). */
    std::chrono::microseconds frame_gap{0};
};

/** What the connections of one shard share: the read buffer, the wheel, the flush list. */
class shard_context {
public:
    shard_context(net::asio::io_context& ioc, net::timer_wheel& wheel,
                  std::size_t read_buffer_bytes = 64 * 1024);
    shard_context(const shard_context&) = delete;
    shard_context& operator=(const shard_context&) = delete;

    net::asio::io_context& context() noexcept { return ioc_; }
    net::timer_wheel& wheel() noexcept { return wheel_; }
    std::span<char> read_buffer() noexcept { return {buffer_.data(), buffer_.size()}; }

    /** Flushes `c` at the end of this turn of the event loop. */
    void want_flush(std::shared_ptr<connection> c);

private:
    void flush_all();

    net::asio::io_context& ioc_;
    net::timer_wheel& wheel_;
    std::vector<char> buffer_;
    std::vector<std::shared_ptr<connection>> pending_;
    std::vector<std::shared_ptr<connection>> flushing_;
    bool posted_ = false;
};

class connection : public std::enable_shared_from_this<connection> {
public:
    /** Takes `fd`, a connected TCP socket whose HTTP upgrade request has been read. */
    connection(shard_context& ctx, const connection_settings& cfg, int fd, bool v6);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /** Starts reading; `h` receives messages until it detaches or the connection ends. */
    void start(handler* h);
    /** No more callbacks to the handler (it is going away). */
    void detach() noexcept { handler_ = nullptr; }
    /** Runs once when the TCP connection is closed (or the object destroyed). */
    void on_released(std::function<void()> fn) { released_ = std::move(fn); }

    /** Queues bytes that are not a frame (the 101 response); before start() only. */
    void send_raw(std::string bytes);
    /** Queues one unfragmented message: `prefix` (0 or 1 byte) then `body` (may be null). False
        when the connection is closing or closed, or the outbox is full. */
    bool send(opcode op, std::string_view prefix, const shared_text& body);
    /** Graceful close (see above); no message is accepted after it. */
    void close(std::uint16_t code = close_code::normal);
    /** Closes the TCP connection now; what is queued is dropped. */
    void cut();

    bool is_open() const noexcept { return state_ == state::open; }
    std::size_t queued() const noexcept { return out_.size() - out_head_; }
    /** Gives back the outbox's memory when nothing is queued (an idle connection). */
    void trim();

private:
    friend class shard_context;
    enum class state : std::uint8_t { open, closing, closed };
    struct out_frame {
        shared_text body;
        std::array<unsigned char, 11> head{}; // frame header, then the prefix byte
        std::uint8_t head_len = 0;
    };

    void wait_read();
    void on_readable(const net::error_code& ec);
    /** False when the connection ended (or its handler left) while dispatching. */
    bool consume(char* data, std::size_t n);
    bool dispatch(const event& ev);
    void queue_control(opcode op, std::string payload);
    void schedule_flush();
    void flush();
    void after_drained();
    void fail(std::uint16_t code, end_reason why);
    void end(end_reason why);
    void release();
    static void on_deadline(void* self);

    shard_context& ctx_;
    const connection_settings& cfg_;
    handler* handler_ = nullptr;
    socket_type socket_;
    parser parser_;
    std::unique_ptr<std::string> partial_; // bytes of an incomplete frame (only then)
    std::vector<out_frame> out_;
    std::uint32_t out_head_ = 0; // first unsent frame in out_ (at most outbox_limit)
    std::uint32_t sent_ = 0;     // bytes of out_[out_head_] already written (one frame)
    net::deadline deadline_;     // write deadline; while closing, the close deadline
    std::function<void()> released_;
    state state_ = state::open;
    bool flush_queued_ = false;
    bool write_waiting_ = false;
    bool close_queued_ = false; // our close frame is in the outbox (or written)
    bool peer_closed_ = false;  // the peer's close frame arrived
    bool reading_ = false;
    bool gap_wait_ = false; // frame_gap: deadline_ is the pause before the next frame
};

} // namespace senna::websocket
