#include "websocket/connection.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <sys/socket.h>
#include <sys/uio.h>

namespace senna::websocket {

namespace {
// Frames one sendmsg takes at most (two iovecs each); the kernel's IOV_MAX is 1024.
constexpr std::size_t max_batch = 128;
// Reads per readiness before yielding to other connections of the shard.
constexpr int max_reads_per_wake = 4;
// An outbox or partial-frame buffer above this is given back once empty: an idle connection
// keeps room for one frame (the next delivery needs no allocation), not the burst it last had.
constexpr std::size_t keep_outbox = 1;
constexpr std::size_t keep_partial = 4096;
} // namespace

// ------------------------------------------------------------------------------ shard_context

shard_context::shard_context(net::asio::io_context& ioc, net::timer_wheel& wheel,
                             std::size_t read_buffer_bytes)
    : ioc_(ioc), wheel_(wheel), buffer_(read_buffer_bytes) {}

void shard_context::want_flush(std::shared_ptr<connection> c) {
    pending_.push_back(std::move(c));
    if (posted_)
        return;
    posted_ = true;
    net::asio::post(ioc_, [this] { flush_all(); });
}

void shard_context::flush_all() {
    posted_ = false;
    flushing_.swap(pending_);
    for (auto& c : flushing_) {
        c->flush_queued_ = false;
        c->flush();
    }
    flushing_.clear();
}

// --------------------------------------------------------------------------------- connection

connection::connection(shard_context& ctx, const connection_settings& cfg, int fd, bool v6)
    : ctx_(ctx), cfg_(cfg),
      socket_(ctx.context().get_executor(), v6 ? net::tcp::v6() : net::tcp::v4(), fd),
      parser_(parser_limits{cfg.max_message}) {
    net::error_code ec;
    socket_.non_blocking(true, ec);
}

connection::~connection() {
    release();
}

void connection::release() {
    if (socket_.is_open()) {
        net::error_code ec;
        socket_.shutdown(net::tcp::socket::shutdown_both, ec);
        socket_.close(ec);
    }
    deadline_.cancel();
    if (auto fn = std::move(released_)) {
        released_ = nullptr;
        fn();
    }
}

void connection::start(handler* h) {
    handler_ = h;
    wait_read();
    if (queued() > 0)
        schedule_flush();
}

void connection::wait_read() {
    if (reading_ || state_ == state::closed)
        return;
    reading_ = true;
    socket_.async_wait(net::tcp::socket::wait_read,
                       [self = shared_from_this()](const net::error_code& ec) {
                           self->reading_ = false;
                           self->on_readable(ec);
                       });
}

void connection::on_readable(const net::error_code& ec) {
    if (state_ == state::closed)
        return;
    if (ec) {
        end(end_reason::io_error);
        return;
    }
    auto self = shared_from_this(); // a handler may drop the last other reference
    auto buf = ctx_.read_buffer();
    for (int round = 0; round < max_reads_per_wake; ++round) {
        const auto n = ::recv(socket_.native_handle(), buf.data(), buf.size(), MSG_DONTWAIT);
        if (n == 0) {
            end(end_reason::peer_closed);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            end(end_reason::io_error);
            return;
        }
        if (!consume(buf.data(), static_cast<std::size_t>(n)))
            return;
        if (static_cast<std::size_t>(n) < buf.size())
            break;
    }
    wait_read();
}

bool connection::consume(char* data, std::size_t n) {
    std::span<char> in;
    const bool held = partial_ && !partial_->empty();
    if (held) {
        partial_->append(data, n);
        in = std::span<char>(partial_->data(), partial_->size());
    } else {
        in = std::span<char>(data, n);
    }
    std::size_t off = 0;
    while (off < in.size()) {
        auto st = parser_.next(in.subspan(off));
        if (st.consumed == 0 && !st.ev)
            break; // an incomplete frame: keep its bytes
        off += st.consumed;
        if (st.ev && !dispatch(*st.ev))
            return false;
        if (st.consumed == 0)
            break; // a failed parser consumes nothing more
    }
    if (state_ == state::closed)
        return false;
    if (held) {
        partial_->erase(0, off);
    } else if (off < in.size()) {
        if (!partial_)
            partial_ = std::make_unique<std::string>();
        partial_->assign(in.data() + off, in.size() - off);
    }
    if (partial_ && partial_->empty() && partial_->capacity() > keep_partial)
        partial_.reset();
    return true;
}

bool connection::dispatch(const event& ev) {
    switch (ev.type) {
    case event::kind::message:
        if (state_ == state::open && handler_) {
            handler_->on_ws_message(*this, ev.payload, ev.binary);
            return state_ != state::closed;
        }
        return true;
    case event::kind::ping:
        if (state_ == state::open)
            queue_control(opcode::pong, std::string(ev.payload));
        return true;
    case event::kind::pong:
        return true;
    case event::kind::close:
        peer_closed_ = true;
        if (close_queued_) { // the answer to our close frame
            end(end_reason::local);
            return false;
        }
        // Echo the code (none given: 1000), then close TCP once it is written.
        queue_control(
            opcode::close,
            close_payload(ev.code == close_code::no_status ? close_code::normal : ev.code));
        close_queued_ = true;
        state_ = state::closing;
        if (handler_) {
            auto* h = handler_;
            handler_ = nullptr;
            h->on_ws_closed(*this, end_reason::peer_closed);
        }
        return state_ != state::closed;
    case event::kind::error:
        fail(ev.code, ev.code == close_code::message_too_big ? end_reason::too_big
                                                             : end_reason::protocol_error);
        return false;
    }
    return true;
}

void connection::fail(std::uint16_t code, end_reason why) {
    if (state_ == state::closed)
        return;
    if (!close_queued_) {
        // What was queued is dropped: the peer broke the protocol, only the close frame goes.
        const std::size_t keep = out_head_ + (sent_ > 0 ? 1 : 0);
        if (keep < out_.size())
            out_.resize(keep);
        queue_control(opcode::close, close_payload(code));
        close_queued_ = true;
    }
    state_ = state::closing;
    ctx_.wheel().schedule(deadline_, cfg_.close_timeout, &connection::on_deadline, this);
    if (handler_) {
        auto* h = handler_;
        handler_ = nullptr;
        h->on_ws_closed(*this, why);
    }
}

void connection::send_raw(std::string bytes) {
    out_frame f;
    f.body = std::make_shared<const std::string>(std::move(bytes));
    out_.push_back(std::move(f));
}

bool connection::send(opcode op, std::string_view prefix, const shared_text& body) {
    if (state_ != state::open || queued() >= cfg_.outbox_limit)
        return false;
    out_frame f;
    const std::size_t len = prefix.size() + (body ? body->size() : 0);
    f.head_len = static_cast<std::uint8_t>(
        write_header(op, len, std::span<unsigned char, 10>(f.head.data(), 10)));
    if (!prefix.empty())
        f.head[f.head_len++] = static_cast<unsigned char>(prefix[0]);
    f.body = body;
    out_.push_back(std::move(f));
    schedule_flush();
    return true;
}

void connection::queue_control(opcode op, std::string payload) {
    out_frame f;
    f.head_len = static_cast<std::uint8_t>(
        write_header(op, payload.size(), std::span<unsigned char, 10>(f.head.data(), 10)));
    if (!payload.empty())
        f.body = std::make_shared<const std::string>(std::move(payload));
    out_.push_back(std::move(f));
    schedule_flush();
}

void connection::close(std::uint16_t code) {
    if (state_ != state::open)
        return;
    state_ = state::closing;
    queue_control(opcode::close, close_payload(code));
    close_queued_ = true;
    ctx_.wheel().schedule(deadline_, cfg_.close_timeout + cfg_.write_timeout,
                          &connection::on_deadline, this);
}

void connection::cut() {
    end(end_reason::local);
}

void connection::trim() {
    if (queued() == 0) {
        std::vector<out_frame>().swap(out_);
        out_head_ = 0;
        sent_ = 0;
    }
    if (partial_ && partial_->empty())
        partial_.reset();
}

void connection::schedule_flush() {
    if (flush_queued_ || write_waiting_ || state_ == state::closed)
        return;
    flush_queued_ = true;
    ctx_.want_flush(shared_from_this());
}

void connection::flush() {
    if (state_ == state::closed || write_waiting_)
        return;
    while (out_head_ < out_.size()) {
        std::array<iovec, 2 * max_batch> iov{};
        std::size_t n = 0;
        std::size_t skip = sent_;
        const std::size_t batch = cfg_.frame_gap.count() > 0 ? 2 : iov.size();
        for (std::size_t i = out_head_; i < out_.size() && n + 2 <= batch; ++i) {
            const auto& f = out_[i];
            std::size_t hl = f.head_len;
            if (skip < hl) {
                iov[n++] = {const_cast<unsigned char*>(f.head.data()) + skip, hl - skip};
                skip = 0;
            } else {
                skip -= hl;
            }
            if (f.body && f.body->size() > skip) {
                iov[n++] = {const_cast<char*>(f.body->data()) + skip, f.body->size() - skip};
            }
            skip = 0;
        }
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = n;
        const auto w = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                // Full socket buffer: wait for room, within the write deadline.
                write_waiting_ = true;
                if (state_ == state::open)
                    ctx_.wheel().schedule(deadline_, cfg_.write_timeout, &connection::on_deadline,
                                          this);
                socket_.async_wait(net::tcp::socket::wait_write,
                                   [self = shared_from_this()](const net::error_code& ec) {
                                       self->write_waiting_ = false;
                                       if (ec) {
                                           self->end(end_reason::io_error);
                                           return;
                                       }
                                       self->flush();
                                   });
                return;
            }
            end(end_reason::io_error);
            return;
        }
        // Advance past what was written.
        auto left = static_cast<std::size_t>(w);
        while (out_head_ < out_.size()) {
            auto& f = out_[out_head_];
            const std::size_t size = f.head_len + (f.body ? f.body->size() : 0);
            if (sent_ + left < size) {
                sent_ += left;
                break;
            }
            left -= size - sent_;
            sent_ = 0;
            f.body.reset();
            ++out_head_;
        }
        if (cfg_.frame_gap.count() > 0 && out_head_ < out_.size() && sent_ == 0) {
            // Test shims: let the peer read this frame alone before the next one.
            gap_wait_ = true;
            write_waiting_ = true;
            ctx_.wheel().schedule(
                deadline_,
                std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.frame_gap) +
                    std::chrono::milliseconds(1),
                &connection::on_deadline, this);
            return;
        }
    }
    after_drained();
}

void connection::after_drained() {
    out_.clear();
    out_head_ = 0;
    sent_ = 0;
    if (out_.capacity() > keep_outbox)
        std::vector<out_frame>().swap(out_);
    if (state_ == state::open) {
        deadline_.cancel();
        return;
    }
    if (state_ == state::closing && close_queued_) {
        if (peer_closed_) {
            end(end_reason::local); // both close frames exchanged
            return;
        }
        // Our close frame is out: wait a little for the peer's, then drop TCP.
        net::error_code ec;
        socket_.shutdown(net::tcp::socket::shutdown_send, ec);
        ctx_.wheel().schedule(deadline_, cfg_.close_timeout, &connection::on_deadline, this);
        wait_read();
    }
}

void connection::on_deadline(void* self) {
    auto* c = static_cast<connection*>(self);
    auto keep = c->shared_from_this();
    if (c->gap_wait_) {
        c->gap_wait_ = false;
        c->write_waiting_ = false;
        c->flush();
        return;
    }
    c->end(c->state_ == state::closing ? end_reason::local : end_reason::io_error);
}

void connection::end(end_reason why) {
    if (state_ == state::closed)
        return;
    auto self = shared_from_this();
    state_ = state::closed;
    out_.clear();
    out_head_ = 0;
    sent_ = 0;
    parser_.reset();
    partial_.reset();
    release();
    if (handler_) {
        auto* h = handler_;
        handler_ = nullptr;
        h->on_ws_closed(*this, why);
    }
}

} // namespace senna::websocket
