// senna-loadgen: see common.hpp for the contracts.
#include "common.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <openssl/hmac.h>
#include <set>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace lg {

bool g_quiet = false;
Rng g_rng(0);

uint64_t now_us() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000u + uint64_t(ts.tv_nsec) / 1000u;
}

void logf(const char* f, ...) {
    if (g_quiet)
        return;
    va_list ap;
    va_start(ap, f);
    fputs("[loadgen] ", stderr);
    vfprintf(stderr, f, ap);
    fputc('\n', stderr);
    va_end(ap);
}

std::string fmt(const char* f, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    if (n < 0)
        return {};
    return std::string(tmp, size_t(n) < sizeof tmp ? size_t(n) : sizeof tmp - 1);
}

std::string Args::str(const std::string& k, const std::string& d) const {
    auto it = kv.find(k);
    return it == kv.end() ? d : it->second;
}
double Args::num(const std::string& k, double d) const {
    auto it = kv.find(k);
    if (it == kv.end())
        return d;
    char* e = nullptr;
    double v = strtod(it->second.c_str(), &e);
    if (!e || *e) {
        fprintf(stderr, "bad number for --%s: %s\n", k.c_str(), it->second.c_str());
        exit(2);
    }
    return v;
}
Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; i++) {
        std::string s = argv[i];
        if (s.rfind("--", 0) == 0) {
            std::string k = s.substr(2), v = "1";
            auto eq = k.find('=');
            if (eq != std::string::npos) {
                v = k.substr(eq + 1);
                k = k.substr(0, eq);
            } else if (i + 1 < argc && std::string_view(argv[i + 1]).rfind("--", 0) != 0)
                v = argv[++i];
            a.kv[k] = v;
        } else if (a.mode.empty()) {
            a.mode = s;
        } else {
            fprintf(stderr, "unexpected argument: %s\n", s.c_str());
            exit(2);
        }
    }
    return a;
}

Loop::Loop() : buf(1 << 20) {
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        perror("epoll_create1");
        exit(1);
    }
}
static int ctl(int ep, int op, int fd, Handler* h, uint32_t ev) {
    epoll_event e{};
    e.events = ev;
    e.data.ptr = h;
    return epoll_ctl(ep, op, fd, &e);
}
void Loop::add(int fd, Handler* h, uint32_t ev) {
    if (ctl(ep, EPOLL_CTL_ADD, fd, h, ev) != 0) {
        perror("epoll_ctl add");
        exit(1);
    }
}
void Loop::mod(int fd, Handler* h, uint32_t ev) {
    ctl(ep, EPOLL_CTL_MOD, fd, h, ev);
}
void Loop::del(int fd) {
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
}
void Loop::turn(int timeout_ms) {
    epoll_event ev[1024];
    int n = epoll_wait(ep, ev, 1024, timeout_ms);
    for (int i = 0; i < n; i++)
        static_cast<Handler*>(ev[i].data.ptr)->on_io(ev[i].events);
}
bool Loop::run_until(const std::function<bool()>& pred, uint64_t deadline_us,
                     const std::function<void()>& tick, int timeout_ms) {
    while (!pred()) {
        if (now_us() >= deadline_us)
            return pred();
        turn(timeout_ms);
        if (tick)
            tick();
    }
    return true;
}

std::string base64(const unsigned char* p, size_t n, bool url) {
    static const char* std_ = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char* url_ = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char* t = url ? url_ : std_;
    std::string o;
    o.reserve((n + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8) | p[i + 2];
        o += t[v >> 18];
        o += t[(v >> 12) & 63];
        o += t[(v >> 6) & 63];
        o += t[v & 63];
    }
    if (i + 1 == n) {
        uint32_t v = uint32_t(p[i]) << 16;
        o += t[v >> 18];
        o += t[(v >> 12) & 63];
        if (!url)
            o += "==";
    } else if (i + 2 == n) {
        uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8);
        o += t[v >> 18];
        o += t[(v >> 12) & 63];
        o += t[(v >> 6) & 63];
        if (!url)
            o += '=';
    }
    return o;
}

std::string jwt_sign(uint64_t uid, const std::string& secret) {
    // base64url of {"alg":"HS256","typ":"JWT"}, as lib/jwt.js's JSON.stringify makes it.
    static const std::string header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    long now = long(time(nullptr));
    std::string payload =
        fmt(R"({"user_id":%llu,"username":"bench-%llu","iat":%ld,"exp":%ld})",
            (unsigned long long)uid, (unsigned long long)uid, now, now + 7 * 86400);
    std::string body =
        header + "." +
        base64(reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), true);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), secret.data(), int(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &maclen);
    return body + "." + base64(mac, maclen, true);
}

static std::string slurp(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {};
    std::string s;
    char tmp[4096];
    ssize_t r;
    while ((r = read(fd, tmp, sizeof tmp)) > 0)
        s.append(tmp, size_t(r));
    close(fd);
    return s;
}
long rss_kb(const std::vector<pid_t>& pids) {
    long t = 0;
    for (pid_t p : pids) {
        std::string s = slurp(fmt("/proc/%d/status", int(p)).c_str());
        auto i = s.find("VmRSS:");
        if (i != std::string::npos)
            t += strtol(s.c_str() + i + 6, nullptr, 10);
    }
    return t;
}
double cpu_s(const std::vector<pid_t>& pids) {
    static const double tck = double(sysconf(_SC_CLK_TCK));
    double t = 0;
    for (pid_t p : pids) {
        std::string s = slurp(fmt("/proc/%d/stat", int(p)).c_str());
        auto i = s.rfind(')');
        if (i == std::string::npos)
            continue;
        // fields after ") ": state(3) ... utime is field 14, stime 15 (1-based over the whole line)
        const char* c = s.c_str() + i + 2;
        for (int f = 3; f < 14 && *c; f++) {
            c = strchr(c, ' ');
            if (!c)
                break;
            c++;
        }
        if (!c)
            continue;
        char* e = nullptr;
        double ut = strtod(c, &e);
        double st = e ? strtod(e, nullptr) : 0;
        t += (ut + st) / tck;
    }
    return t;
}
double self_cpu_s() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
std::vector<pid_t> find_pids(const std::string& list, int port) {
    std::vector<pid_t> out;
    if (!list.empty()) {
        const char* c = list.c_str();
        while (*c) {
            char* e = nullptr;
            long v = strtol(c, &e, 10);
            if (v > 0)
                out.push_back(pid_t(v));
            if (!e || !*e)
                break;
            c = e + 1;
        }
        return out;
    }
    std::string cmd = fmt("ss -Hltnp 'sport = :%d' 2>/dev/null", port);
    FILE* f = popen(cmd.c_str(), "r");
    if (!f)
        return out;
    std::string s;
    char tmp[4096];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
        s.append(tmp, r);
    pclose(f);
    std::set<pid_t> seen;
    for (size_t i = 0; (i = s.find("pid=", i)) != std::string::npos; i += 4) {
        long v = strtol(s.c_str() + i + 4, nullptr, 10);
        if (v > 0 && seen.insert(pid_t(v)).second)
            out.push_back(pid_t(v));
    }
    return out;
}
long raise_nofile() {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur == RLIM_INFINITY ? -1 : long(rl.rlim_cur);
}

size_t Hist::idx(uint64_t v) {
    if (v < 2048)
        return size_t(v);
    int e = 63 - __builtin_clzll(v); // >= 11
    uint64_t sub = (v >> (e - 8)) & 255;
    size_t i = 2048 + size_t(e - 11) * 256 + size_t(sub);
    return i < 64 * 256 + 2048 ? i : 64 * 256 + 2047;
}
uint64_t Hist::lower(size_t i) {
    if (i < 2048)
        return i;
    size_t e = (i - 2048) / 256 + 11, sub = (i - 2048) % 256;
    return (uint64_t(1) << e) | (uint64_t(sub) << (e - 8));
}
uint64_t Hist::pct(double p) const {
    if (!n)
        return 0;
    uint64_t want = uint64_t(std::ceil(p / 100.0 * double(n)));
    if (want < 1)
        want = 1;
    uint64_t c = 0;
    for (size_t i = 0; i < b.size(); i++) {
        c += b[i];
        if (c >= want) {
            uint64_t v = lower(i);
            return v > max ? max : v;
        }
    }
    return max;
}
std::string ms3(const Hist& h, double p) {
    if (!h.n)
        return "nan";
    uint64_t v = p >= 100 ? h.max : h.pct(p);
    return fmt("%.3f", double(v) / 1000.0);
}

Target parse_url(const std::string& url) {
    Target t;
    std::string s = url;
    if (s.rfind("http://", 0) == 0)
        s = s.substr(7);
    else if (s.rfind("ws://", 0) == 0)
        s = s.substr(5);
    auto slash = s.find('/');
    if (slash != std::string::npos)
        s = s.substr(0, slash);
    std::string host = s;
    int port = 80;
    auto colon = s.rfind(':');
    if (colon != std::string::npos) {
        host = s.substr(0, colon);
        port = atoi(s.c_str() + colon + 1);
    }
    if (host == "localhost")
        host = "127.0.0.1";
    t.addr.sin_family = AF_INET;
    t.addr.sin_port = htons(uint16_t(port));
    if (inet_pton(AF_INET, host.c_str(), &t.addr.sin_addr) != 1) {
        fprintf(stderr, "--url needs an IPv4 literal host (got %s)\n", host.c_str());
        exit(2);
    }
    t.host = s;
    t.port = port;
    return t;
}

int tcp_connect(const sockaddr_in& dst, uint32_t src) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (src) {
        // Port chosen at connect() time, per destination, instead of exclusively at bind().
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(src);
        if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
    }
    if (connect(fd, reinterpret_cast<const sockaddr*>(&dst), sizeof dst) != 0 &&
        errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
const char* errname(int e) {
    const char* n = strerrorname_np(e);
    return n ? n : "E?";
}

} // namespace lg
