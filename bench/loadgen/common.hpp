// senna-loadgen: shared pieces — clock, options, the epoll loop, JWT signing, /proc readers,
// a latency histogram. Single-threaded: nothing here is thread-safe, and nothing needs to be.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <netinet/in.h>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace lg {

// Microseconds of CLOCK_MONOTONIC (system-wide, so a forked child's stamps compare with ours).
uint64_t now_us();

// stderr logging (human), suppressed by --quiet.
extern bool g_quiet;
void logf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// --key value / --flag options after the mode word. A flag followed by another --option (or
// nothing) has the value "1".
struct Args {
    std::string mode;
    std::map<std::string, std::string> kv;
    bool has(const std::string& k) const { return kv.count(k) != 0; }
    std::string str(const std::string& k, const std::string& d) const;
    double num(const std::string& k, double d) const;
    long integer(const std::string& k, long d) const { return static_cast<long>(num(k, d)); }
};
Args parse_args(int argc, char** argv);

// xorshift64*: masks, jitter, UUID-ish ids. Not cryptographic; it need not be.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed ? seed : 0x9e3779b97f4a7c15ULL) {}
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1DULL;
    }
};
extern Rng g_rng;

// Anything registered with the loop. `on_io` gets the epoll event bits.
struct Handler {
    virtual void on_io(uint32_t events) = 0;
    virtual ~Handler() = default;
};

// Level-triggered epoll. `buf` is the one big read buffer every handler reads into during its
// own on_io (contents are not kept across calls: a handler copies any partial tail it keeps).
struct Loop {
    int ep = -1;
    std::vector<char> buf;
    Loop();
    void add(int fd, Handler* h, uint32_t ev);
    void mod(int fd, Handler* h, uint32_t ev);
    void del(int fd);
    // One turn: wait at most timeout_ms, dispatch every ready handler.
    void turn(int timeout_ms);
    // Turn until pred() or the deadline (now_us); calls tick() after every turn. Returns pred().
    bool run_until(const std::function<bool()>& pred, uint64_t deadline_us,
                   const std::function<void()>& tick = nullptr, int timeout_ms = 1);
};

// One client connection (a WebSocket or a long-polling session) as the modes and the Fleet see
// it. Subclasses drive the protocol; they report through Hooks. All hooks run inside on_io.
struct Client;
struct Hooks {
    virtual void on_ready(Client&, uint64_t /*now*/) {}              // Socket.IO CONNECT acked
    virtual void on_fail(Client&, const std::string& /*why*/) {}     // died before ready; fd closed
    virtual void on_close(Client&, const std::string& /*why*/) {}    // died after ready; fd closed
    virtual void on_event(Client&, const char*, size_t, uint64_t) {} // a whole "42..." packet
    virtual void on_ack(Client&, long /*id*/, const char*, size_t) {} // "43<id>" and what follows
    virtual ~Hooks() = default;
};
struct Client : Handler {
    enum St : uint8_t { Idle, Connecting, Handshake, WaitConnect, Ready, Closed };
    Loop* loop = nullptr;
    Hooks* hooks = nullptr;
    int fd = -1;
    St st = Idle;
    uint32_t idx = 0;     // position in its Fleet
    uint32_t src = 0;     // source address (host order), 0 = any
    uint64_t uid = 0;     // the user id its token carries
    uint64_t t_start = 0; // connect() time, us
    uint64_t t_ready = 0; // CONNECT ack time, us
    uint32_t pings = 0;   // Engine.IO pings answered
    // Start (or restart after Closed/Idle) a connection. On immediate failure calls on_fail.
    virtual void start(uint64_t now) = 0;
    // Close without telling hooks (end of a run); `polite` sends a Socket.IO disconnect first.
    virtual void shutdown(bool polite) = 0;
    // Close and report through the hooks (on_fail or on_close depending on state).
    void die(const std::string& why) {
        bool was_ready = st == Ready;
        close_fd();
        st = Closed;
        if (was_ready)
            hooks->on_close(*this, why);
        else
            hooks->on_fail(*this, why);
    }
    virtual void close_fd() = 0;
    virtual ~Client() = default;
};

// HS256 JWT with the claims of shared/bench/lib/jwt.js:
// {"user_id":N,"username":"bench-N","iat":now,"exp":now+7d}.
std::string jwt_sign(uint64_t user_id, const std::string& secret);
std::string base64(const unsigned char* p, size_t n, bool url);

// /proc: VmRSS in kB and utime+stime in seconds, summed over pids (gone pids count 0).
long rss_kb(const std::vector<pid_t>& pids);
double cpu_s(const std::vector<pid_t>& pids);
// Our own user+sys CPU seconds (getrusage; children excluded).
double self_cpu_s();
// "1,2,3" or, when empty, the pids listening on the TCP port (ss -Hltnp sport = :PORT).
std::vector<pid_t> find_pids(const std::string& list, int port);
// Raise RLIMIT_NOFILE soft to hard; returns the new soft limit.
long raise_nofile();

// Log-linear histogram of microsecond values: exact below 2048, then 256 sub-buckets per power
// of two (< 0.4 % error). Max is exact.
struct Hist {
    std::vector<uint64_t> b;
    uint64_t n = 0, max = 0;
    Hist() : b(64 * 256 + 2048, 0) {}
    static size_t idx(uint64_t v);
    static uint64_t lower(size_t i);
    void add(uint64_t v) {
        b[idx(v)]++;
        n++;
        if (v > max)
            max = v;
    }
    uint64_t pct(double p) const; // the smallest value with >= p % of samples at or below it
};
// "12.345" from microseconds, "nan" when the histogram is empty.
std::string ms3(const Hist& h, double p);
std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));

// "http://127.0.0.1:3005" -> sockaddr (IPv4 literal or "localhost"), the Host header value.
struct Target {
    sockaddr_in addr{};
    std::string host; // "127.0.0.1:3005"
    int port = 0;
};
Target parse_url(const std::string& url);

// Socket options every client socket gets: non-blocking TCP, NODELAY, source address `src`
// (host order; 0 = kernel's choice) bound with IP_BIND_ADDRESS_NO_PORT, connect() started.
// Returns fd, or -1 with errno set.
int tcp_connect(const sockaddr_in& dst, uint32_t src);
const char* errname(int e);

} // namespace lg
