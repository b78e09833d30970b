// senna-loadgen: the WebSocket Socket.IO client. See ws.hpp for the contract.
#include "ws.hpp"

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/sha.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lg {

const char* ci_find(const char* p, size_t n, std::string_view nd) {
    if (nd.empty() || n < nd.size())
        return nullptr;
    for (size_t i = 0; i + nd.size() <= n; i++) {
        size_t j = 0;
        while (j < nd.size()) {
            char c = p[i + j];
            if (c >= 'A' && c <= 'Z')
                c = char(c + 32);
            if (c != nd[j])
                break;
            j++;
        }
        if (j == nd.size())
            return p + i;
    }
    return nullptr;
}

std::string ws_accept(std::string_view key) {
    std::string s(key);
    s += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char d[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
    return base64(d, sizeof d, false);
}

void WsClient::start(uint64_t now) {
    in.clear();
    out.clear();
    frag.clear();
    t_start = now;
    t_ready = 0;
    fd = tcp_connect(opts->tgt.addr, src);
    if (fd < 0) {
        st = Closed;
        hooks->on_fail(*this, errname(errno));
        return;
    }
    st = Connecting;
    loop->add(fd, this, EPOLLOUT | EPOLLIN);
}

void WsClient::close_fd() {
    if (fd >= 0) {
        loop->del(fd);
        ::close(fd);
        fd = -1;
    }
}

void WsClient::shutdown(bool polite) {
    if (fd < 0)
        return;
    if (polite && st == Ready) {
        send_text("41");
        char code[2] = {char(0x03), char(0xe8)}; // 1000
        send_frame(0x8, code, 2);
    }
    close_fd();
    st = Closed;
}

void WsClient::queue(const char* p, size_t n) {
    if (fd < 0)
        return;
    if (out.empty() && st != Connecting) {
        ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w == ssize_t(n))
            return;
        if (w < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                die(std::string("send ") + errname(errno));
                return;
            }
            w = 0;
        }
        out.append(p + w, n - size_t(w));
        loop->mod(fd, this, EPOLLIN | EPOLLOUT);
        return;
    }
    out.append(p, n);
}

void WsClient::flush() {
    while (!out.empty()) {
        ssize_t w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            die(std::string("send ") + errname(errno));
            return;
        }
        out.erase(0, size_t(w));
    }
    loop->mod(fd, this, EPOLLIN);
}

void WsClient::send_frame(uint8_t op, const char* p, size_t n) {
    // Reused scratch: header (<= 14 bytes) + masked payload.
    static std::string f;
    f.resize(14 + n);
    char* h = f.data();
    size_t hl = 2;
    h[0] = char(0x80 | op);
    if (n < 126) {
        h[1] = char(0x80 | n);
    } else if (n < 65536) {
        h[1] = char(0x80 | 126);
        h[2] = char(n >> 8);
        h[3] = char(n);
        hl = 4;
    } else {
        h[1] = char(0x80 | 127);
        for (int i = 0; i < 8; i++)
            h[2 + i] = char(uint64_t(n) >> (56 - 8 * i));
        hl = 10;
    }
    uint32_t m = uint32_t(g_rng.next());
    unsigned char mk[4];
    memcpy(mk, &m, 4);
    memcpy(h + hl, mk, 4);
    hl += 4;
    for (size_t i = 0; i < n; i++)
        h[hl + i] = char(p[i] ^ mk[i & 3]);
    queue(f.data(), hl + n);
}

void WsClient::emit(std::string_view event, std::string_view json, long ack_id) {
    std::string s = "42";
    if (ack_id >= 0)
        s += std::to_string(ack_id);
    s += "[\"";
    s += event;
    s += "\",";
    s += json;
    s += ']';
    send_text(s);
}

void WsClient::on_io(uint32_t ev) {
    if (st == Connecting) {
        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) {
            die(errname(err));
            return;
        }
        unsigned char raw[16];
        for (int i = 0; i < 16; i += 8) {
            uint64_t r = g_rng.next();
            memcpy(raw + i, &r, 8);
        }
        std::string k = base64(raw, 16, false);
        memcpy(key, k.data(), 24);
        std::string req =
            "GET " + opts->path + " HTTP/1.1\r\nHost: " + opts->tgt.host +
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + k +
            "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        st = Handshake;
        loop->mod(fd, this, EPOLLIN);
        queue(req.data(), req.size());
        return;
    }
    if (ev & EPOLLOUT) {
        flush();
        if (fd < 0)
            return;
    }
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
        on_readable();
}

void WsClient::on_readable() {
    std::vector<char>& B = loop->buf;
    size_t have = in.size();
    if (have >= B.size() / 2)
        B.resize(have * 2 + 65536); // a frame bigger than the buffer
    memcpy(B.data(), in.data(), have);
    ssize_t r = ::recv(fd, B.data() + have, B.size() - have, 0);
    if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        die(r == 0 ? "eof" : errname(errno));
        return;
    }
    size_t n = have + size_t(r), used = 0;
    const char* p = B.data();
    if (st == Handshake && key[0]) {
        used = on_upgrade(p, n);
        if (fd < 0)
            return;
        if (used == 0) {
            in.assign(p, n);
            return;
        }
    }
    used += on_frames(p + used, n - used);
    if (fd < 0)
        return;
    in.assign(p + used, n - used);
}

size_t WsClient::on_upgrade(const char* p, size_t n) {
    const char* e = static_cast<const char*>(memmem(p, n, "\r\n\r\n", 4));
    if (!e) {
        if (n > 16384)
            die("upgrade head too large");
        return 0;
    }
    size_t hl = size_t(e - p) + 4;
    if (hl < 12 || memcmp(p, "HTTP/1.1 101", 12) != 0) {
        const char* eol = static_cast<const char*>(memchr(p, '\r', hl));
        die("upgrade refused: " + std::string(p, eol ? size_t(eol - p) : 12));
        return 0;
    }
    const char* a = ci_find(p, hl, "sec-websocket-accept:");
    std::string want = ws_accept(std::string_view(key, 24));
    if (!a) {
        die("no Sec-WebSocket-Accept");
        return 0;
    }
    a += 21;
    while (*a == ' ')
        a++;
    if (size_t(e - a) < want.size() || memcmp(a, want.data(), want.size()) != 0) {
        die("bad Sec-WebSocket-Accept");
        return 0;
    }
    key[0] = 0; // upgrade done; now waiting for the Engine.IO open packet
    return hl;
}

size_t WsClient::on_frames(const char* p, size_t n) {
    size_t i = 0;
    while (n - i >= 2) {
        uint8_t b0 = uint8_t(p[i]), b1 = uint8_t(p[i + 1]);
        if (b1 & 0x80) {
            die("masked server frame");
            return i;
        }
        uint64_t len = b1 & 127;
        size_t h = 2;
        if (len == 126) {
            if (n - i < 4)
                break;
            len = (uint64_t(uint8_t(p[i + 2])) << 8) | uint8_t(p[i + 3]);
            h = 4;
        } else if (len == 127) {
            if (n - i < 10)
                break;
            len = 0;
            for (int k = 0; k < 8; k++)
                len = (len << 8) | uint8_t(p[i + 2 + k]);
            h = 10;
        }
        if (n - i < h + len)
            break;
        const char* pl = p + i + h;
        uint8_t op = b0 & 15;
        bool fin = b0 & 0x80;
        i += h + size_t(len);
        switch (op) {
        case 0x1:
        case 0x2:
            if (fin)
                on_packet(pl, size_t(len));
            else {
                frag.assign(pl, size_t(len));
                frag_op = op;
            }
            break;
        case 0x0:
            frag.append(pl, size_t(len));
            if (fin) {
                std::string f;
                f.swap(frag);
                frag_op = 0;
                on_packet(f.data(), f.size());
            }
            break;
        case 0x8: {
            unsigned code = len >= 2 ? (unsigned(uint8_t(pl[0])) << 8 | uint8_t(pl[1])) : 1005;
            send_frame(0x8, pl, len >= 2 ? 2 : 0);
            die("ws close " + std::to_string(code));
            return i;
        }
        case 0x9:
            send_frame(0xA, pl, size_t(len));
            break;
        case 0xA:
            break;
        default:
            die("bad opcode " + std::to_string(op));
            return i;
        }
        if (fd < 0)
            return i;
    }
    return i;
}

void WsClient::on_packet(const char* p, size_t n) {
    if (n == 0)
        return;
    switch (p[0]) {
    case '4':
        if (n >= 2) {
            switch (p[1]) {
            case '2':
                hooks->on_event(*this, p, n, now_us());
                return;
            case '3': {
                size_t j = 2;
                long id = 0;
                while (j < n && p[j] >= '0' && p[j] <= '9')
                    id = id * 10 + (p[j++] - '0');
                hooks->on_ack(*this, id, p + j, n - j);
                return;
            }
            case '0':
                if (st == WaitConnect) {
                    st = Ready;
                    t_ready = now_us();
                    if (opts->delay_acks) {
                        // Delayed-ACK ("pingpong") mode: the kernel stops sending one ACK per
                        // drained read, which on loopback is most of a receiver's CPU per delivered
                        // frame.
                        int zero = 0;
                        setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof zero);
                    }
                    hooks->on_ready(*this, t_ready);
                }
                return;
            case '4':
                die("CONNECT_ERROR " + std::string(p + 2, n - 2 < 100 ? n - 2 : 100));
                return;
            case '1':
                die("socket.io disconnect");
                return;
            default:
                return;
            }
        }
        return;
    case '2':
        pings++;
        send_text(n > 1 ? std::string_view("3probe") : std::string_view("3"));
        return;
    case '0':
        if (st == Handshake) {
            st = WaitConnect;
            if (opts->send_token)
                send_text("40{\"token\":\"" + jwt_sign(uid, opts->secret) + "\"}");
            else
                send_text("40");
        }
        return;
    case '1':
        die("engine.io close");
        return;
    default:
        return; // '3' pong, '6' noop, ...
    }
}

} // namespace lg
