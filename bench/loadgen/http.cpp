// senna-loadgen: HTTP/1.1 sender pool and long-polling sessions. See http.hpp.
#include "http.hpp"

#include "ws.hpp" // ci_find

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lg {

long parse_response(const char* p, size_t n, int& status, std::string_view& body,
                    std::string& scratch, bool& close) {
    const char* e = static_cast<const char*>(memmem(p, n, "\r\n\r\n", 4));
    if (!e)
        return n > 65536 ? -1 : 0;
    size_t hl = size_t(e - p) + 4;
    if (hl < 12 || memcmp(p, "HTTP/1.", 7) != 0)
        return -1;
    status = atoi(p + 9);
    close = ci_find(p, hl, "connection: close") != nullptr;
    if (const char* cl = ci_find(p, hl, "content-length:")) {
        size_t len = strtoul(cl + 15, nullptr, 10);
        if (n - hl < len)
            return 0;
        body = std::string_view(p + hl, len);
        return long(hl + len);
    }
    if (ci_find(p, hl, "transfer-encoding: chunked")) {
        scratch.clear();
        size_t i = hl;
        for (;;) {
            const char* le = static_cast<const char*>(memmem(p + i, n - i, "\r\n", 2));
            if (!le)
                return 0;
            size_t cl = strtoul(p + i, nullptr, 16);
            i = size_t(le - p) + 2;
            if (cl == 0) { // trailers end with an empty line
                const char* te =
                    static_cast<const char*>(memmem(p + i - 2, n - i + 2, "\r\n\r\n", 4));
                if (!te)
                    return 0;
                body = scratch;
                return long(te - p) + 4;
            }
            if (n - i < cl + 2)
                return 0;
            scratch.append(p + i, cl);
            i += cl + 2;
        }
    }
    // No length: 1xx/204/304 have no body; anything else would be read-until-close (unsupported).
    body = {};
    return long(hl);
}

// ---------------------------------------------------------------- sender pool

struct HttpPool::Conn final : Handler {
    HttpPool* pool;
    int fd = -1;
    bool connecting = false;
    std::string in, out, scratch;
    std::deque<uint32_t> tags;

    explicit Conn(HttpPool* p) : pool(p) {}
    bool open() {
        fd = tcp_connect(pool->tgt.addr, pool->src);
        if (fd < 0)
            return false;
        connecting = true;
        pool->opened++;
        pool->loop.add(fd, this, EPOLLOUT | EPOLLIN);
        return true;
    }
    void close_fd() {
        if (fd >= 0) {
            pool->loop.del(fd);
            ::close(fd);
            fd = -1;
        }
        connecting = false;
        in.clear();
        out.clear();
    }
    void fail_all() {
        while (!tags.empty()) {
            uint32_t t = tags.front();
            tags.pop_front();
            pool->outstanding--;
            pool->on_done(t, 0);
        }
    }
    void send(const std::string& b) {
        out += b;
        if (!connecting)
            flush();
    }
    void flush() {
        while (!out.empty()) {
            ssize_t w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    pool->loop.mod(fd, this, EPOLLIN | EPOLLOUT);
                    return;
                }
                close_fd();
                fail_all();
                return;
            }
            out.erase(0, size_t(w));
        }
        pool->loop.mod(fd, this, EPOLLIN);
    }
    void on_io(uint32_t ev) override {
        if (connecting) {
            int err = 0;
            socklen_t l = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
            if (err) {
                logf("sender connect: %s", errname(err));
                close_fd();
                fail_all();
                pool->pump();
                return;
            }
            connecting = false;
            flush();
            if (fd < 0) {
                pool->pump();
                return;
            }
        } else if (ev & EPOLLOUT) {
            flush();
            if (fd < 0) {
                pool->pump();
                return;
            }
        }
        if (!(ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
            return;
        char tmp[65536];
        ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            close_fd();
            fail_all();
            pool->pump();
            return;
        }
        in.append(tmp, size_t(r));
        size_t off = 0;
        bool closing = false;
        while (off < in.size() && !tags.empty()) {
            int status = 0;
            std::string_view body;
            bool cl = false;
            long c = parse_response(in.data() + off, in.size() - off, status, body, scratch, cl);
            if (c == 0)
                break;
            if (c < 0) {
                closing = true;
                break;
            }
            off += size_t(c);
            uint32_t t = tags.front();
            tags.pop_front();
            pool->outstanding--;
            pool->on_done(t, status);
            if (cl) {
                closing = true;
                break;
            }
        }
        in.erase(0, off);
        if (closing) {
            close_fd();
            fail_all();
        }
        pool->pump();
    }
};

HttpPool::HttpPool(Loop& l, const Target& t, uint32_t src_ip, const std::string& token, size_t n,
                   size_t d, size_t mq)
    : loop(l), tgt(t), src(src_ip), nconns(n ? n : 1), depth(d ? d : 1), max_queue(mq) {
    head = "Host: " + tgt.host + "\r\nX-Auth-Token: " + token +
           "\r\nContent-Type: application/json\r\n";
    for (size_t i = 0; i < nconns; i++)
        conns.push_back(std::make_unique<Conn>(this));
}
HttpPool::~HttpPool() {
    for (auto& c : conns)
        c->close_fd();
}

bool HttpPool::post(uint32_t tag, const std::string& path, const std::string& body) {
    if (inflight() >= max_queue) {
        skipped++;
        return false;
    }
    Req r{tag, {}};
    r.bytes.reserve(path.size() + head.size() + body.size() + 48);
    r.bytes += "POST ";
    r.bytes += path;
    r.bytes += " HTTP/1.1\r\n";
    r.bytes += head;
    r.bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    r.bytes += body;
    queue.push_back(std::move(r));
    pump();
    return true;
}

void HttpPool::pump() {
    while (!queue.empty()) {
        Conn* best = nullptr;
        for (auto& c : conns) {
            if (c->tags.size() >= depth)
                continue;
            if (!best) {
                best = c.get();
                continue;
            }
            // prefer an open connection, then the least loaded
            bool bo = best->fd >= 0, co = c->fd >= 0;
            if ((co && !bo) || (co == bo && c->tags.size() < best->tags.size()))
                best = c.get();
        }
        if (!best)
            return;
        if (best->fd < 0 && !best->open()) {
            logf("sender connect: %s", errname(errno));
            Req r = std::move(queue.front());
            queue.pop_front();
            on_done(r.tag, 0);
            continue;
        }
        Req r = std::move(queue.front());
        queue.pop_front();
        best->tags.push_back(r.tag);
        outstanding++;
        best->send(r.bytes);
    }
}

// ---------------------------------------------------------------- long-polling session

void PollClient::close_fd() {
    if (fd >= 0) {
        loop->del(fd);
        ::close(fd);
        fd = -1;
    }
    in.clear();
}

void PollClient::start(uint64_t now) {
    sid.clear();
    in.clear();
    out.clear();
    t_start = now;
    t_ready = 0;
    step = None;
    want_pong = false;
    st = Connecting;
    open_conn();
    if (fd < 0)
        return;
    request(OpenGet, false, "");
}

void PollClient::open_conn() {
    fd = tcp_connect(opts->tgt.addr, src);
    if (fd < 0) {
        die(errname(errno));
        return;
    }
    loop->add(fd, this, EPOLLOUT | EPOLLIN);
    out.clear();
    // `out` is flushed when the connect completes (EPOLLOUT)
    step = None;
}

void PollClient::shutdown(bool) {
    close_fd();
    st = Closed;
}

void PollClient::request(Step s, bool post, const std::string& body) {
    bool fresh = fd < 0;
    if (fresh) {
        open_conn();
        if (fd < 0)
            return;
    }
    step = s;
    std::string r = post ? "POST " : "GET ";
    r += "/socket.io/?EIO=4&transport=polling";
    if (!sid.empty()) {
        r += "&sid=";
        r += sid;
    }
    r += " HTTP/1.1\r\nHost: " + opts->tgt.host + "\r\n";
    if (post)
        r += "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n";
    r += "\r\n";
    r += body;
    out += r;
    if (!fresh && st != Connecting) {
        ssize_t w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (w > 0)
            out.erase(0, size_t(w));
        if (!out.empty())
            loop->mod(fd, this, EPOLLIN | EPOLLOUT);
    }
}

void PollClient::on_io(uint32_t ev) {
    if (ev & EPOLLOUT) {
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) {
            die(errname(err));
            return;
        }
        if (st == Connecting)
            st = Handshake;
        while (!out.empty()) {
            ssize_t w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN)
                    return;
                die(std::string("send ") + errname(errno));
                return;
            }
            out.erase(0, size_t(w));
        }
        loop->mod(fd, this, EPOLLIN);
    }
    if (!(ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        return;
    char tmp[16384];
    ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (r <= 0) {
        die(r == 0 ? "eof" : errname(errno));
        return;
    }
    in.append(tmp, size_t(r));
    int status = 0;
    std::string_view body;
    bool cl = false;
    long c = parse_response(in.data(), in.size(), status, body, scratch, cl);
    if (c == 0)
        return;
    if (c < 0) {
        die("bad http response");
        return;
    }
    if (status != 200) {
        die("poll http " + std::to_string(status));
        return;
    }
    std::string b(body);
    in.erase(0, size_t(c));
    if (cl)
        close_fd();
    on_body(b);
}

void PollClient::on_body(std::string_view b) {
    switch (step) {
    case OpenGet: {
        size_t i = b.find("\"sid\":\"");
        if (b.empty() || b[0] != '0' || i == std::string_view::npos) {
            die("no open packet");
            return;
        }
        size_t j = b.find('"', i + 7);
        sid = std::string(b.substr(i + 7, j - i - 7));
        st = WaitConnect;
        request(ConnPost, true, "40{\"token\":\"" + jwt_sign(uid, opts->secret) + "\"}");
        return;
    }
    case ConnPost:
    case PongPost:
        request(st == Ready ? HeldGet : ConnGet, false, "");
        return;
    case ConnGet:
    case HeldGet: {
        gets++;
        size_t i = 0;
        while (i <= b.size()) {
            size_t j = b.find('\x1e', i);
            if (j == std::string_view::npos)
                j = b.size();
            std::string_view pk = b.substr(i, j - i);
            i = j + 1;
            if (pk.empty())
                continue;
            if (pk[0] == '2') {
                pings++;
                want_pong = true;
            } else if (pk[0] == '1') {
                die("engine.io close");
                return;
            } else if (pk.size() >= 2 && pk[0] == '4') {
                if (pk[1] == '0' && st != Ready) {
                    st = Ready;
                    t_ready = now_us();
                    hooks->on_ready(*this, t_ready);
                } else if (pk[1] == '4') {
                    die("CONNECT_ERROR " + std::string(pk.substr(2, 100)));
                    return;
                } else if (pk[1] == '1') {
                    die("socket.io disconnect");
                    return;
                }
            }
        }
        if (want_pong) {
            want_pong = false;
            request(PongPost, true, "3");
        } else
            request(st == Ready ? HeldGet : ConnGet, false, "");
        return;
    }
    default:
        return;
    }
}

} // namespace lg
