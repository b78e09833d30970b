// senna-loadgen: a one-process, one-thread epoll load generator for SPEC.md's realtime surface
// (Socket.IO v5 / Engine.IO v4 over WebSocket and long-polling, REST sends).
//
// Modes: idle, fanout, delivery, storm, selftest (see README.md). Each prints ONE result line
// `lg.<mode>.<size> key=value ...` on stdout; human progress goes to stderr.
#include "common.hpp"
#include "http.hpp"
#include "ws.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <queue>
#include <set>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace lg;

namespace {

const char* g_result_name = "lg";
void on_alarm(int) {
    char b[256];
    int n = snprintf(b, sizeof b, "%s failed=1 # watchdog: gave up\n", g_result_name);
    if (n > 0) {
        ssize_t w = write(1, b, size_t(n));
        (void)w;
    }
    _exit(3);
}
void watchdog(unsigned seconds) {
    signal(SIGALRM, on_alarm);
    alarm(seconds);
}

std::string secret_from(const Args& a) {
    if (a.has("secret"))
        return a.str("secret", "");
    const char* e = getenv("SOCK_JWT_SECRET");
    return e && *e ? e : "scene-passage-love-rhyme";
}

// A random run id of 6 [a-z0-9] characters, like realtime.js's RUN.
std::string run_id() {
    static const char* al = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (int i = 0; i < 6; i++)
        s += al[g_rng.next() % 36];
    return s;
}

// Parse "<seq>:<t>" after a `bm:RUN:` marker. false when malformed.
inline bool parse_mark(const char* q, const char* end, uint64_t& seq, uint64_t& t) {
    seq = 0;
    t = 0;
    const char* s = q;
    while (q < end && *q >= '0' && *q <= '9')
        seq = seq * 10 + uint64_t(*q++ - '0');
    if (q == s || q >= end || *q != ':')
        return false;
    s = ++q;
    while (q < end && *q >= '0' && *q <= '9')
        t = t * 10 + uint64_t(*q++ - '0');
    return q != s;
}

// The event's `chat` names type and id (either `"id":42` or `"id":"42"`), checked by substring.
bool chat_is(const char* p, size_t n, const std::string& type, const std::string& id) {
    const char* c = static_cast<const char*>(memmem(p, n, "\"chat\":{", 8));
    if (!c)
        return false;
    const char* e = static_cast<const char*>(memchr(c, '}', size_t(p + n - c)));
    if (!e)
        return false;
    size_t l = size_t(e - c);
    std::string t = "\"type\":\"" + type + "\"", i1 = "\"id\":" + id, i2 = "\"id\":\"" + id + "\"";
    if (!memmem(c, l, t.data(), t.size()))
        return false;
    const char* a = static_cast<const char*>(memmem(c, l, i1.data(), i1.size()));
    if (a && (a + i1.size() == e || a[i1.size()] == ','))
        return true;
    return memmem(c, l, i2.data(), i2.size()) != nullptr;
}

bool is_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ------------------------------------------------------------------------------- Fleet
// K clients opened at --connect-rate per second (0: as fast as --concurrency allows), each with
// its own user id, from 127.0.0.1, .2, ... (a new address every --per-ip clients) when the
// target is on loopback. Tracks connect time (connect() -> CONNECT ack) and failure reasons.
struct Fleet : Hooks {
    Loop& loop;
    Hooks* user = nullptr;
    std::vector<std::unique_ptr<Client>> c;
    double rate = 0;
    size_t conc = 200;
    uint64_t timeout_us = 20000000;
    size_t next = 0, connecting = 0, ready = 0, failed = 0, closed = 0;
    uint64_t t0 = 0, last_scan = 0;
    Hist hist;
    std::map<std::string, long> reasons;
    WsOpts wso;
    PollOpts po;

    Fleet(Loop& l, const Args& a, const Target& t, size_t k, uint64_t uid0, bool polling)
        : loop(l) {
        rate = a.num("connect-rate", 0);
        conc = size_t(a.integer("concurrency", 200));
        timeout_us = uint64_t(a.num("connect-timeout", 20) * 1e6);
        long per_ip = a.integer("per-ip", 20000);
        wso.tgt = t;
        wso.secret = secret_from(a);
        wso.delay_acks = a.has("delay-acks");
        po.tgt = t;
        po.secret = wso.secret;
        uint32_t dst = ntohl(t.addr.sin_addr.s_addr);
        bool loop_dst = (dst >> 24) == 127;
        for (size_t i = 0; i < k; i++) {
            std::unique_ptr<Client> x;
            if (polling) {
                auto p = std::make_unique<PollClient>();
                p->opts = &po;
                x = std::move(p);
            } else {
                auto w = std::make_unique<WsClient>();
                w->opts = &wso;
                x = std::move(w);
            }
            x->loop = &loop;
            x->hooks = this;
            x->idx = uint32_t(i);
            x->uid = uid0 + i;
            x->src =
                loop_dst ? (127u << 24) + 1 + uint32_t(i / size_t(per_ip > 0 ? per_ip : 20000)) : 0;
            c.push_back(std::move(x));
        }
        if (k > size_t(per_ip) && !loop_dst)
            logf("warning: source addresses 127.0.0.x need a server on 127.0.0.1");
    }
    void start_one(Client& x, uint64_t now) {
        connecting++;
        x.start(now);
    }
    void pump(uint64_t now) {
        while (next < c.size() && connecting < conc) {
            if (rate > 0 && double(now - t0) < double(next) * 1e6 / rate)
                break;
            start_one(*c[next++], now);
        }
        if (now - last_scan > 50000) {
            last_scan = now;
            for (auto& x : c)
                if (x->st >= Client::Connecting && x->st < Client::Ready &&
                    now - x->t_start > timeout_us)
                    x->die("timeout");
        }
    }
    bool connect_all(uint64_t deadline) {
        t0 = now_us();
        return loop.run_until([&] { return next == c.size() && connecting == 0; }, deadline,
                              [&] { pump(now_us()); });
    }
    std::string why() const {
        std::string s;
        for (auto& [k, v] : reasons) {
            if (!s.empty())
                s += ',';
            std::string kk = k;
            for (char& ch : kk)
                if (ch == ' ' || ch == '=' || ch == ',')
                    ch = '_';
            s += kk.substr(0, 60) + ":" + std::to_string(v);
        }
        return s.empty() ? "-" : s;
    }
    void on_ready(Client& x, uint64_t now) override {
        connecting--;
        ready++;
        hist.add(now - x.t_start);
        if (user)
            user->on_ready(x, now);
    }
    void on_fail(Client& x, const std::string& w) override {
        connecting--;
        failed++;
        reasons[w]++;
        if (user)
            user->on_fail(x, w);
    }
    void on_close(Client& x, const std::string& w) override {
        ready--;
        closed++;
        if (user)
            user->on_close(x, w);
    }
    void on_event(Client& x, const char* p, size_t n, uint64_t now) override {
        if (user)
            user->on_event(x, p, n, now);
    }
    void on_ack(Client& x, long id, const char* p, size_t n) override {
        if (user)
            user->on_ack(x, id, p, n);
    }
    void close_all(bool polite) {
        for (auto& x : c)
            if (x->st != Client::Closed && x->st != Client::Idle)
                x->shutdown(polite);
        ready = 0;
    }
    // conns=.. failed=.. connect_s=.. and the connect-time percentiles
    // `pre` prefixes every key (storm reports its initial connect as initial_*).
    std::string summary(double secs, const std::string& pre = "") const {
        const char* p = pre.c_str();
        return fmt("%sconns=%zu %sfailed=%zu %sconnect_s=%.2f %sconns_per_s=%.0f ", p, ready, p,
                   failed, p, secs, p, secs > 0 ? double(ready) / secs : 0.0) +
               fmt("%sconnect_p50_ms=%s %sconnect_p99_ms=%s %sconnect_max_ms=%s ", p,
                   ms3(hist, 50).c_str(), p, ms3(hist, 99).c_str(), p, ms3(hist, 100).c_str()) +
               p + "fail_reasons=" + why();
    }
};

// Open-loop driver: calls send(i) for i = 0.. so that by elapsed time e, floor(e*rate)+1 sends
// have happened (capped at ceil(seconds*rate)); like realtime.js's drive(). Returns the count.
uint64_t drive(Loop& loop, double rate, double seconds, const std::function<void(uint64_t)>& send,
               const std::function<void()>& extra = nullptr) {
    uint64_t start = now_us(), n = 0, total = uint64_t(std::ceil(seconds * rate));
    auto tick = [&] {
        double el = double(now_us() - start) / 1e6;
        uint64_t due = std::min<uint64_t>(uint64_t(std::floor(el * rate)) + 1, total);
        while (n < due)
            send(n++);
        if (extra)
            extra();
    };
    tick();
    loop.run_until([] { return false; }, start + uint64_t(seconds * 1e6), tick);
    return n;
}

// Spin the loop for `ms` milliseconds, sampling VmRSS every 250 ms; returns the median.
long rss_median(Loop& loop, const std::vector<pid_t>& pids, double ms,
                const std::function<void()>& tick) {
    std::vector<long> v;
    uint64_t end = now_us() + uint64_t(ms * 1000), nexts = 0;
    do {
        uint64_t now = now_us();
        if (now >= nexts) {
            v.push_back(rss_kb(pids));
            nexts = now + 250000;
        }
        loop.run_until([] { return false; }, std::min(end, nexts), tick, 10);
    } while (now_us() < end);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct CpuMeter {
    uint64_t t0;
    double g0, s0;
    std::vector<pid_t> pids;
    explicit CpuMeter(const std::vector<pid_t>& p)
        : t0(now_us()), g0(self_cpu_s()), s0(cpu_s(p)), pids(p) {}
    double dt() const { return double(now_us() - t0) / 1e6; }
    double gen_s() const { return self_cpu_s() - g0; }
    double srv_s() const { return pids.empty() ? NAN : cpu_s(pids) - s0; }
};
// The 1-minute load average (the machine is shared: quote it beside every measurement).
std::string load1() {
    FILE* f = fopen("/proc/loadavg", "r");
    double v = NAN;
    if (f) {
        if (fscanf(f, "%lf", &v) != 1)
            v = NAN;
        fclose(f);
    }
    return fmt("%.2f", v);
}
std::string pct_or_nan(double v) {
    return std::isfinite(v) ? fmt("%.0f", v) : "nan";
}

struct Common {
    Target tgt;
    std::vector<pid_t> pids;
    long nofile;
};
Common setup(const Args& a) {
    Common c;
    c.nofile = raise_nofile();
    if (!a.has("url")) {
        fprintf(stderr, "missing --url http://127.0.0.1:PORT\n");
        exit(2);
    }
    c.tgt = parse_url(a.str("url", ""));
    c.pids = find_pids(a.str("pid", ""), c.tgt.port);
    logf("target %s, server pid(s) %s, RLIMIT_NOFILE %ld", c.tgt.host.c_str(),
       c.pids.empty() ? "unknown" : [&] { std::string s; for (pid_t p : c.pids) s += (s.empty() ? "" : ",") + std::to_string(p); return s; }().c_str(),
       c.nofile);
    return c;
}
bool check_nofile(const Common& c, size_t need, const char* name) {
    if (c.nofile > 0 && size_t(c.nofile) < need + 50) {
        printf("%s failed=1 nofile=%ld # open-files limit below %zu\n", name, c.nofile, need + 50);
        return false;
    }
    return true;
}

// ------------------------------------------------------------------------------- idle
int mode_idle(const Args& a) {
    Common cm = setup(a);
    size_t K = size_t(a.integer("conns", 10000));
    double settle = a.num("settle", 5), hold = a.num("hold", 0);
    bool polling = a.str("transport", "websocket") == "polling";
    static std::string name;
    name = fmt("lg.idle.%sk%zu", polling ? "polling." : "", K);
    g_result_name = name.c_str();
    watchdog(unsigned(120 + settle + hold + double(K) / 50));
    if (cm.pids.empty()) {
        printf("%s failed=1 # no server pid (give --pid)\n", name.c_str());
        return 1;
    }
    if (!check_nofile(cm, K, name.c_str()))
        return 1;
    Loop loop;
    Fleet f(loop, a, cm.tgt, K, uint64_t(a.integer("uid0", 500001)), polling);
    long rss0 = rss_median(loop, cm.pids, 1000, nullptr);
    double cpu0 = cpu_s(cm.pids);
    uint64_t tc = now_us();
    logf("opening %zu %s sessions (rate %g/s, concurrency %zu)", K,
         polling ? "polling" : "websocket", f.rate, f.conc);
    f.connect_all(tc + uint64_t(600e6));
    double connect_s = double(now_us() - tc) / 1e6, cpu_conn = cpu_s(cm.pids) - cpu0;
    size_t conns = f.ready;
    logf("open %zu/%zu in %.1fs; settling %gs", conns, K, connect_s, settle);
    std::string summary = f.summary(connect_s);
    long rss1 = rss_median(loop, cm.pids, settle * 1000, nullptr);
    long rss_held = 0;
    uint64_t pings = 0;
    if (hold > 0) {
        logf("holding %gs (heartbeats must keep them open)", hold);
        loop.run_until([] { return false; }, now_us() + uint64_t(hold * 1e6), nullptr, 50);
        rss_held = rss_kb(cm.pids);
    }
    for (auto& x : f.c)
        pings += x->pings;
    size_t open_after = f.ready, dropped = f.closed;
    f.close_all(true);
    long rss2 = rss_median(loop, cm.pids, 2000, nullptr);
    printf("%s transport=%s %s connect_cpu_us_per_conn=%s rss_before_kb=%ld rss_after_kb=%ld "
           "rss_per_conn_bytes=%s",
           name.c_str(), polling ? "polling" : "websocket", summary.c_str(),
           conns ? fmt("%.0f", cpu_conn * 1e6 / double(conns)).c_str() : "nan", rss0, rss1,
           conns ? fmt("%.0f", double(rss1 - rss0) * 1024.0 / double(conns)).c_str() : "nan");
    if (hold > 0)
        printf(" rss_held_kb=%ld pings=%llu open_after_hold=%zu", rss_held,
               (unsigned long long)pings, open_after);
    std::set<uint32_t> srcs;
    for (auto& x : f.c)
        srcs.insert(x->src);
    printf(" rss_closed_kb=%ld dropped=%zu src_addrs=%zu nofile=%ld\n", rss2, dropped, srcs.size(),
           cm.nofile);
    return 0;
}

// ------------------------------------------------------------------------------- fanout
// The benchmark mark (sequence number, send time) of a `new-message` frame; a frame that is not
// one counts as `other`, one without a valid mark of this run as `stray`.
bool read_mark(const char* p, size_t n, const std::string& marker, uint64_t max_seq, uint64_t& seq,
               uint64_t& t, uint64_t& other, uint64_t& stray) {
    if (n < 17 || memcmp(p, "42[\"new-message\"", 16) != 0) {
        other++;
        return false;
    }
    const char* m = static_cast<const char*>(memmem(p + 16, n - 16, marker.data(), marker.size()));
    if (!m || !parse_mark(m + marker.size(), p + n, seq, t) || seq >= max_seq) {
        stray++;
        return false;
    }
    return true;
}

struct FanoutHooks : Hooks {
    std::string marker, topic;
    uint64_t max_seq = 0, words = 0, measure_from = UINT64_MAX;
    std::vector<uint64_t> bits;  // receiver-major bitmap: has receiver r seen seq s
    std::vector<uint32_t> got;   // deliveries per seq (all receivers)
    std::vector<uint32_t> last;  // per receiver: highest seq seen + 1 (0 = none)
    std::vector<uint64_t> ohash; // per receiver: hash of its arrival order
    std::vector<uint8_t> joined;
    uint64_t dup = 0, ooo = 0, stray = 0, other = 0, checked = 0, wrong_chat = 0, in_measure = 0,
             last_recv = 0;
    size_t n_joined = 0, join_err = 0;
    std::string join_err_text;
    Hist lat;

    FanoutHooks(size_t n, uint64_t maxs, const std::string& run, const std::string& t)
        : marker("bm:" + run + ":"), topic(t), max_seq(maxs), words((maxs + 63) / 64),
          bits(n * words, 0), got(maxs, 0), last(n, 0), ohash(n, 0), joined(n, 0) {}
    void on_event(Client& c, const char* p, size_t n, uint64_t now) override {
        uint64_t seq, t;
        if (!read_mark(p, n, marker, max_seq, seq, t, other, stray))
            return;
        uint64_t& w = bits[c.idx * words + seq / 64];
        uint64_t bit = uint64_t(1) << (seq % 64);
        if (w & bit) {
            dup++;
            return;
        }
        w |= bit;
        got[seq]++;
        if (seq + 1 < last[c.idx])
            ooo++;
        else
            last[c.idx] = uint32_t(seq + 1);
        ohash[c.idx] = ohash[c.idx] * 1000003u + seq + 1;
        if (checked < 1000) {
            checked++;
            if (!chat_is(p, n, "topic", topic))
                wrong_chat++;
        }
        if (seq >= measure_from) {
            lat.add(now - t);
            last_recv = now;
            in_measure++;
        }
    }
    void on_ack(Client& c, long id, const char* p, size_t n) override {
        if (id != 1 || joined[c.idx])
            return;
        if (memmem(p, n, "\"ok\":true", 9)) {
            joined[c.idx] = 1;
            n_joined++;
        } else {
            join_err++;
            if (join_err_text.empty())
                join_err_text.assign(p, std::min<size_t>(n, 120));
        }
    }
};

int mode_fanout(const Args& a) {
    Common cm = setup(a);
    size_t N = size_t(a.integer("sockets", 500));
    double R = a.num("rate", 20), T = a.num("duration", 10), W = a.num("warmup", 2),
           G = a.num("grace", 5);
    std::string topic = a.str("topic", "4242");
    static std::string name;
    name = fmt("lg.fanout.n%zu.r%g", N, R);
    g_result_name = name.c_str();
    watchdog(unsigned(60 + W + T + G + double(N) / 50));
    if (!check_nofile(cm, N, name.c_str()))
        return 1;
    std::string run = run_id();
    uint64_t max_seq = uint64_t(std::ceil(R * (W + T))) + 16;
    Loop loop;
    FanoutHooks h(N, max_seq, run, topic);
    Fleet f(loop, a, cm.tgt, N, uint64_t(a.integer("uid0", 300001)), false);
    f.user = &h;
    logf("connecting %zu sockets and joining topic %s", N, topic.c_str());
    uint64_t tc = now_us();
    f.connect_all(tc + uint64_t(600e6));
    double connect_s = double(now_us() - tc) / 1e6;
    std::string tj = is_digits(topic) ? topic : "\"" + topic + "\"";
    size_t asked = 0;
    for (auto& x : f.c)
        if (x->st == Client::Ready) {
            static_cast<WsClient&>(*x).emit("join-topic", "{\"id\":" + tj + "}", 1);
            asked++;
        }
    loop.run_until([&] { return h.n_joined + h.join_err >= asked; }, now_us() + 10000000);
    size_t join_timeouts = asked - h.n_joined - h.join_err;
    logf("connected %zu/%zu, joined %zu in %.1fs%s%s", f.ready, N, h.n_joined,
         double(now_us() - tc) / 1e6,
         h.join_err_text.empty() ? "" : "; first join error: ", h.join_err_text.c_str());
    // sender
    size_t sconns = size_t(a.integer("sender-conns", 4)), depth = size_t(a.integer("pipeline", 1));
    std::vector<uint8_t> st(max_seq, 0); // 0 unsent, 1 in flight, 2 ok (201), 3 failed
    std::vector<uint64_t> t_sent(max_seq, 0);
    HttpPool pool(loop, cm.tgt, 0,
                  jwt_sign(uint64_t(a.integer("sender-uid", 399999)), secret_from(a)), sconns,
                  depth, size_t(a.integer("max-inflight", 2000)));
    uint64_t post_fail_status = 0;
    Hist post_lat;
    pool.on_done = [&](uint32_t seq, int code) {
        st[seq] = code == 201 ? 2 : 3;
        if (code != 201 && !post_fail_status)
            post_fail_status = uint64_t(code) + 1;
        if (code == 201)
            post_lat.add(now_us() - t_sent[seq]);
    };
    std::string path = "/api/topic/" + topic;
    uint64_t first_send = 0;
    auto send = [&](uint64_t seq) {
        uint64_t t = now_us();
        if (seq == h.measure_from)
            first_send = t;
        t_sent[seq] = t;
        st[seq] = 1;
        if (!pool.post(uint32_t(seq), path,
                       fmt("{\"type\":\"text\",\"text\":\"bm:%s:%llu:%llu\"}", run.c_str(),
                           (unsigned long long)seq, (unsigned long long)t)))
            st[seq] = 3;
    };
    uint64_t seq0 = 0;
    if (W > 0) {
        logf("warm-up %gs", W);
        seq0 = drive(loop, R, W, send);
    }
    h.measure_from = seq0;
    h.lat = Hist();
    std::string load_before = load1();
    CpuMeter meter(cm.pids);
    logf("measuring %gs at %g msgs/s x %zu sockets (sender: %zu keep-alive connections, pipeline "
         "depth %zu)",
         T, R, h.n_joined, sconns, depth);
    uint64_t sent = drive(loop, R, T, [&](uint64_t i) { send(seq0 + i); });
    uint64_t end = seq0 + sent;
    auto expected = [&] {
        uint64_t c = 0;
        for (uint64_t i = seq0; i < end; i++)
            if (st[i] == 2)
                c += h.n_joined;
        return c;
    };
    loop.run_until([&] { return pool.inflight() == 0 && h.in_measure >= expected(); },
                   now_us() + uint64_t(G * 1e6));
    double dt = meter.dt(), gen = meter.gen_s(), srv = meter.srv_s();
    uint64_t ok = 0, err = 0, delivered = 0, lost = 0, ghost = 0, unanswered = 0;
    for (uint64_t s = seq0; s < end; s++) {
        delivered += h.got[s];
        if (st[s] == 1)
            unanswered++;
        if (st[s] == 2) {
            ok++;
            for (size_t r = 0; r < N; r++)
                if (h.joined[r] && !(h.bits[r * h.words + s / 64] & (uint64_t(1) << (s % 64))))
                    lost++;
        } else {
            err++;
            ghost += h.got[s];
        }
    }
    // Receivers that got every message but in another order than the majority did.
    std::map<uint64_t, size_t> orders;
    std::vector<uint8_t> complete(N, 0);
    for (size_t r = 0; r < N; r++) {
        if (!h.joined[r])
            continue;
        bool all = true;
        for (uint64_t s = 0; s < end && all; s++)
            if (st[s] == 2 && !(h.bits[r * h.words + s / 64] & (uint64_t(1) << (s % 64))))
                all = false;
        if (all) {
            complete[r] = 1;
            orders[h.ohash[r]]++;
        }
    }
    size_t majority = 0, n_complete = 0;
    for (auto& [k, v] : orders) {
        majority = std::max(majority, v);
        n_complete += v;
    }
    double span = double(std::max<uint64_t>(1, h.last_recv - first_send)) / 1e6;
    printf("%s joined=%zu join_errors=%zu %s sent=%llu ok=%llu send_errors=%llu unanswered=%llu "
           "skipped=%llu expected=%llu delivered=%llu lost=%llu dup=%llu "
           "out_of_order=%llu order_disagree=%zu deliveries_per_s=%.0f p50_ms=%s p99_ms=%s "
           "max_ms=%s post_p50_ms=%s post_p99_ms=%s wrong_chat=%llu "
           "gen_cpu_pct=%.0f gen_cpu_us_per_delivery=%s srv_cpu_pct=%s srv_cpu_us_per_delivery=%s "
           "sender=%zux%zu sender_conns_opened=%llu load1=%s",
           name.c_str(), h.n_joined, h.join_err + join_timeouts + f.failed,
           f.summary(connect_s).c_str(), (unsigned long long)sent, (unsigned long long)ok,
           (unsigned long long)err, (unsigned long long)unanswered,
           (unsigned long long)pool.skipped, (unsigned long long)(ok * h.n_joined),
           (unsigned long long)delivered, (unsigned long long)lost, (unsigned long long)h.dup,
           (unsigned long long)h.ooo, n_complete - majority, double(delivered) / span,
           ms3(h.lat, 50).c_str(), ms3(h.lat, 99).c_str(), ms3(h.lat, 100).c_str(),
           ms3(post_lat, 50).c_str(), ms3(post_lat, 99).c_str(), (unsigned long long)h.wrong_chat,
           gen / dt * 100, delivered ? fmt("%.2f", gen * 1e6 / double(delivered)).c_str() : "nan",
           pct_or_nan(srv / dt * 100).c_str(),
           std::isfinite(srv) && delivered ? fmt("%.2f", srv * 1e6 / double(delivered)).c_str()
                                           : "nan",
           sconns, depth, (unsigned long long)pool.opened, load_before.c_str());
    if (ghost)
        printf(" ghost=%llu", (unsigned long long)ghost);
    if (h.stray)
        printf(" stray=%llu", (unsigned long long)h.stray);
    if (post_fail_status)
        printf(" first_bad_status=%llu", (unsigned long long)(post_fail_status - 1));
    printf("\n");
    f.close_all(true);
    return 0;
}

// ------------------------------------------------------------------------------- delivery
struct DeliveryHooks : Hooks {
    std::string marker;
    uint64_t C, S, recv0, send0, max_seq, measure_from = UINT64_MAX;
    std::vector<uint16_t> got;
    std::vector<uint64_t> last; // per receiver: highest seq + 1
    uint64_t stray = 0, wrong_chat = 0, ooo = 0, other = 0;
    Hist lat;
    DeliveryHooks(uint64_t c, uint64_t s, uint64_t r0, uint64_t s0, uint64_t maxs,
                  const std::string& run)
        : marker("bm:" + run + ":"), C(c), S(s), recv0(r0), send0(s0), max_seq(maxs), got(maxs, 0),
          last(c, 0) {}
    void on_event(Client& c, const char* p, size_t n, uint64_t now) override {
        uint64_t seq, t;
        if (!read_mark(p, n, marker, max_seq, seq, t, other, stray))
            return;
        if (got[seq]++ == 0) {
            if (c.uid != recv0 + seq % C || !chat_is(p, n, "user", std::to_string(send0 + seq % S)))
                wrong_chat++;
            if (seq >= measure_from)
                lat.add(now - t);
        }
        if (seq + 1 < last[c.idx])
            ooo++;
        else
            last[c.idx] = seq + 1;
    }
};

int mode_delivery(const Args& a) {
    Common cm = setup(a);
    uint64_t C = uint64_t(a.integer("receivers", 200)), S = uint64_t(a.integer("senders", 8));
    double R = a.num("rate", 500), T = a.num("duration", 10), W = a.num("warmup", 2),
           G = a.num("grace", 5);
    static std::string name;
    name = fmt("lg.delivery.c%llu.s%llu.r%g", (unsigned long long)C, (unsigned long long)S, R);
    g_result_name = name.c_str();
    watchdog(unsigned(60 + W + T + G + double(C) / 50));
    size_t per = size_t(a.integer("sender-conns", 1)), depth = size_t(a.integer("pipeline", 1));
    if (!check_nofile(cm, C + S * per, name.c_str()))
        return 1;
    std::string run = run_id();
    const uint64_t RECV0 = 100001, SEND0 = 200001;
    uint64_t max_seq = uint64_t(std::ceil(R * (W + T))) + 16;
    Loop loop;
    DeliveryHooks h(C, S, RECV0, SEND0, max_seq, run);
    Fleet f(loop, a, cm.tgt, C, RECV0, false);
    f.user = &h;
    logf("connecting %llu receivers", (unsigned long long)C);
    uint64_t tc = now_us();
    f.connect_all(tc + uint64_t(600e6));
    double connect_s = double(now_us() - tc) / 1e6;
    logf("connected %zu/%llu in %.1fs", f.ready, (unsigned long long)C, connect_s);
    std::vector<uint8_t> st(max_seq, 0);
    std::vector<uint64_t> t_sent(max_seq, 0);
    Hist post_lat;
    uint64_t first_bad = 0;
    size_t max_inflight = size_t(a.integer("max-inflight", 2000));
    std::vector<std::unique_ptr<HttpPool>> senders;
    std::string secret = secret_from(a);
    for (uint64_t k = 0; k < S; k++) {
        senders.push_back(std::make_unique<HttpPool>(loop, cm.tgt, 0, jwt_sign(SEND0 + k, secret),
                                                     per, depth, max_inflight / S + 1));
        senders.back()->on_done = [&](uint32_t seq, int code) {
            st[seq] = code == 201 ? 2 : 3;
            if (code == 201)
                post_lat.add(now_us() - t_sent[seq]);
            else if (!first_bad)
                first_bad = uint64_t(code) + 1;
        };
    }
    auto inflight = [&] {
        size_t c = 0;
        for (auto& s : senders)
            c += s->inflight();
        return c;
    };
    auto send = [&](uint64_t seq) {
        uint64_t t = now_us();
        t_sent[seq] = t;
        st[seq] = 1;
        std::string path = "/api/user/" + std::to_string(RECV0 + seq % C);
        if (!senders[seq % S]->post(uint32_t(seq), path,
                                    fmt("{\"type\":\"text\",\"text\":\"bm:%s:%llu:%llu\"}",
                                        run.c_str(), (unsigned long long)seq,
                                        (unsigned long long)t)))
            st[seq] = 3;
    };
    uint64_t seq0 = 0;
    if (W > 0) {
        logf("warm-up %gs at %g/s", W, R);
        seq0 = drive(loop, R, W, send);
    }
    h.measure_from = seq0;
    std::string load_before = load1();
    CpuMeter meter(cm.pids);
    logf("measuring %gs at %g/s", T, R);
    uint64_t ts = now_us();
    uint64_t n = drive(loop, R, T, [&](uint64_t i) { send(seq0 + i); });
    double send_dt = double(now_us() - ts) / 1e6;
    uint64_t end = seq0 + n;
    auto done = [&] {
        if (inflight())
            return false;
        for (uint64_t i = seq0; i < end; i++)
            if (st[i] == 2 && !h.got[i])
                return false;
        return true;
    };
    uint64_t gdead = now_us() + uint64_t(G * 1e6);
    while (!done() && now_us() < gdead)
        loop.run_until([] { return false; }, now_us() + 20000);
    double dt = meter.dt(), gen = meter.gen_s(), srv = meter.srv_s();
    uint64_t ok = 0, err = 0, delivered = 0, lost = 0, dup = 0, ghost = 0, skipped = 0,
             unanswered = 0;
    for (auto& s : senders)
        skipped += s->skipped;
    for (uint64_t i = seq0; i < end; i++) {
        if (st[i] == 1)
            unanswered++;
        if (st[i] == 2) {
            ok++;
            if (!h.got[i])
                lost++;
        } else
            err++;
        if (h.got[i]) {
            delivered++;
            if (st[i] != 2)
                ghost++;
        }
        if (h.got[i] > 1)
            dup += h.got[i] - 1u;
    }
    printf("%s sent=%llu ok=%llu send_errors=%llu unanswered=%llu skipped=%llu delivered=%llu "
           "lost=%llu dup=%llu out_of_order=%llu wrong_chat=%llu "
           "p50_ms=%s p99_ms=%s max_ms=%s post_p50_ms=%s post_p99_ms=%s rate=%.1f "
           "connect_failed=%zu connect_p50_ms=%s connect_p99_ms=%s "
           "gen_cpu_pct=%.0f srv_cpu_pct=%s srv_cpu_us_per_msg=%s sender=%llux%zux%zu load1=%s",
           name.c_str(), (unsigned long long)n, (unsigned long long)ok, (unsigned long long)err,
           (unsigned long long)unanswered, (unsigned long long)skipped,
           (unsigned long long)delivered, (unsigned long long)lost, (unsigned long long)dup,
           (unsigned long long)h.ooo, (unsigned long long)h.wrong_chat, ms3(h.lat, 50).c_str(),
           ms3(h.lat, 99).c_str(), ms3(h.lat, 100).c_str(), ms3(post_lat, 50).c_str(),
           ms3(post_lat, 99).c_str(), double(n) / send_dt, f.failed, ms3(f.hist, 50).c_str(),
           ms3(f.hist, 99).c_str(), gen / dt * 100, pct_or_nan(srv / dt * 100).c_str(),
           std::isfinite(srv) && n ? fmt("%.0f", srv * 1e6 / double(n)).c_str() : "nan",
           (unsigned long long)S, per, depth, load_before.c_str());
    if (ghost)
        printf(" ghost=%llu", (unsigned long long)ghost);
    if (h.stray)
        printf(" stray=%llu", (unsigned long long)h.stray);
    if (first_bad)
        printf(" first_bad_status=%llu", (unsigned long long)(first_bad - 1));
    if (f.failed)
        printf(" fail_reasons=%s", f.why().c_str());
    printf("\n");
    f.close_all(true);
    return 0;
}

// ------------------------------------------------------------------------------- storm
struct StormHooks : Hooks {
    Fleet* f = nullptr;
    uint64_t delay_us = 0, jitter_us = 100000;
    bool armed = false; // initial connect done; drops now trigger reconnects
    uint64_t first_drop = 0, all_back = 0, first_back = 0, attempts = 0, refused = 0, drops = 0;
    std::map<std::string, long> other, drop_why;
    std::vector<uint64_t> dropped_at;
    Hist recon;
    std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>,
                        std::greater<>>
        due;
    void schedule(Client& c, uint64_t now) {
        due.push({now + delay_us + (jitter_us ? g_rng.next() % jitter_us : 0), c.idx});
    }
    void on_close(Client& c, const std::string& why) override {
        if (!armed)
            return;
        uint64_t now = now_us();
        if (!first_drop)
            first_drop = now;
        drops++;
        drop_why[why]++;
        dropped_at[c.idx] = now;
        schedule(c, now);
    }
    void on_fail(Client& c, const std::string& why) override {
        if (!armed)
            return;
        if (why == "ECONNREFUSED")
            refused++;
        else
            other[why]++;
        schedule(c, now_us());
    }
    void on_ready(Client& c, uint64_t now) override {
        if (!armed || !dropped_at[c.idx])
            return;
        if (!first_back)
            first_back = now;
        recon.add(now - dropped_at[c.idx]);
        dropped_at[c.idx] = 0;
    }
    void tick() {
        uint64_t now = now_us();
        while (!due.empty() && due.top().first <= now) {
            uint32_t i = due.top().second;
            due.pop();
            attempts++;
            f->start_one(*f->c[i], now);
        }
        // connect timeouts
        f->pump(now);
    }
};

std::string map_str(const std::map<std::string, long>& m) {
    std::string s;
    for (auto& [k, v] : m) {
        std::string kk = k;
        for (char& ch : kk)
            if (ch == ' ' || ch == '=' || ch == ',')
                ch = '_';
        s += (s.empty() ? "" : ",") + kk.substr(0, 60) + ":" + std::to_string(v);
    }
    return s.empty() ? "-" : s;
}

int mode_storm(const Args& a) {
    Common cm = setup(a);
    size_t K = size_t(a.integer("conns", 1000));
    double timeout = a.num("timeout", 120);
    static std::string name;
    name = fmt("lg.storm.k%zu", K);
    g_result_name = name.c_str();
    watchdog(unsigned(60 + 2 * timeout + double(K) / 50));
    if (!check_nofile(cm, K, name.c_str()))
        return 1;
    Loop loop;
    StormHooks h;
    Fleet f(loop, a, cm.tgt, K, uint64_t(a.integer("uid0", 600001)), false);
    f.user = &h;
    h.f = &f;
    h.delay_us = uint64_t(a.num("reconnect-delay-ms", 0) * 1000);
    h.jitter_us = uint64_t(a.num("jitter-ms", 100) * 1000);
    h.dropped_at.assign(K, 0);
    uint64_t tc = now_us();
    f.connect_all(tc + uint64_t(600e6));
    double connect_s = double(now_us() - tc) / 1e6;
    std::string first = f.summary(connect_s, "initial_");
    logf("connected %zu/%zu in %.1fs", f.ready, K, connect_s);
    if (f.ready < K)
        logf("warning: %zu failed: %s", f.failed, f.why().c_str());
    // Failed initial connects are retried too: the goal is K connected.
    h.armed = true;
    for (auto& x : f.c)
        if (x->st == Client::Closed)
            h.schedule(*x, now_us());
    f.conc = SIZE_MAX; // reconnects are not throttled
    f.rate = 0;
    if (a.has("ready-file")) {
        FILE* rf = fopen(a.str("ready-file", "").c_str(), "w");
        if (rf) {
            fprintf(rf, "%zu\n", f.ready);
            fclose(rf);
        }
    }
    fprintf(stderr, "[loadgen] storm: READY %zu connected; waiting for the server to drop them\n",
            f.ready);
    pid_t restart = -1;
    if (a.has("restart-cmd")) {
        restart = fork();
        if (restart == 0) {
            execl("/bin/sh", "sh", "-c", a.str("restart-cmd", "").c_str(), (char*)nullptr);
            _exit(127);
        }
    }
    bool dropped = loop.run_until([&] { return h.first_drop != 0; },
                                  now_us() + uint64_t(timeout * 1e6), [&] { h.tick(); });
    bool back = false;
    if (dropped) {
        logf("first drop; waiting until all %zu are connected again", K);
        back = loop.run_until([&] { return f.ready == K && h.due.empty(); },
                              now_us() + uint64_t(timeout * 1e6), [&] { h.tick(); });
        if (back)
            h.all_back = now_us();
    }
    if (restart > 0)
        waitpid(restart, nullptr, 0);
    uint64_t fd0 = h.first_drop;
    printf("%s %s dropped=%llu reconnected=%s all_back=%d reconnect_all_s=%s first_back_s=%s "
           "attempts=%llu refused=%llu "
           "other_failures=%s drop_reasons=%s reconnect_p50_ms=%s reconnect_p99_ms=%s "
           "reconnect_max_ms=%s connected_now=%zu "
           "delay_ms=%g jitter_ms=%g nofile=%ld\n",
           name.c_str(), first.c_str(), (unsigned long long)h.drops,
           fmt("%llu", (unsigned long long)h.recon.n).c_str(), back ? 1 : 0,
           back ? fmt("%.3f", double(h.all_back - fd0) / 1e6).c_str() : "nan",
           h.first_back ? fmt("%.3f", double(h.first_back - fd0) / 1e6).c_str() : "nan",
           (unsigned long long)h.attempts, (unsigned long long)h.refused, map_str(h.other).c_str(),
           map_str(h.drop_why).c_str(), ms3(h.recon, 50).c_str(), ms3(h.recon, 99).c_str(),
           ms3(h.recon, 100).c_str(), f.ready, double(h.delay_us) / 1000,
           double(h.jitter_us) / 1000, cm.nofile);
    f.close_all(true);
    return dropped && back ? 0 : 1;
}

// ------------------------------------------------------------------------------- selftest
// The child: a tiny blocking WebSocket "server". Accepts `conns` connections, answers each
// upgrade (101 + Engine.IO open), waits for the client's CONNECT frame, acks it, then blasts
// batches of `batch` pre-encoded 42["new-message",...] frames carrying bm:RUN:seq:t to every
// connection, round after round, for `secs` seconds; closes them and writes its stats to `out`.
void blaster(int lfd, size_t conns, double secs, size_t batch, const std::string& run, int out) {
    std::vector<int> fds;
    auto read_head = [](int fd, std::string& buf) {
        char tmp[4096];
        while (buf.find("\r\n\r\n") == std::string::npos) {
            ssize_t r = read(fd, tmp, sizeof tmp);
            if (r <= 0)
                return false;
            buf.append(tmp, size_t(r));
        }
        return true;
    };
    auto write_all = [](int fd, const char* p, size_t n) {
        while (n) {
            ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
            if (w <= 0) {
                if (errno == EINTR)
                    continue;
                return false;
            }
            p += w;
            n -= size_t(w);
        }
        return true;
    };
    auto text_frame = [](std::string& o, std::string_view s) {
        o += char(0x81);
        if (s.size() < 126)
            o += char(s.size());
        else {
            o += char(126);
            o += char(s.size() >> 8);
            o += char(s.size() & 255);
        }
        o += s;
    };
    for (size_t i = 0; i < conns; i++) {
        int fd = accept(lfd, nullptr, nullptr);
        if (fd < 0) {
            if (errno == EINTR) {
                i--;
                continue;
            }
            break;
        }
        std::string buf;
        if (!read_head(fd, buf)) {
            close(fd);
            continue;
        }
        const char* k = ci_find(buf.data(), buf.size(), "sec-websocket-key:");
        std::string key;
        if (k) {
            k += 18;
            while (*k == ' ')
                k++;
            const char* e = strchr(k, '\r');
            key.assign(k, size_t(e - k));
        }
        std::string r = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                        "Upgrade\r\nSec-WebSocket-Accept: " +
                        ws_accept(key) + "\r\n\r\n";
        text_frame(
            r,
            R"(0{"sid":"selftest","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
        write_all(fd, r.data(), r.size());
        // the client's CONNECT: one masked frame; read until its length is complete
        std::string f = buf.substr(buf.find("\r\n\r\n") + 4);
        char tmp[4096];
        for (;;) {
            if (f.size() >= 2) {
                size_t len = uint8_t(f[1]) & 127, h = 6;
                if (len == 126 && f.size() >= 4) {
                    len = size_t(uint8_t(f[2])) << 8 | uint8_t(f[3]);
                    h = 8;
                }
                if (f.size() >= h + len)
                    break;
            }
            ssize_t n = read(fd, tmp, sizeof tmp);
            if (n <= 0)
                break;
            f.append(tmp, size_t(n));
        }
        std::string ack;
        text_frame(ack, R"(40{"sid":"selftest-sio"})");
        write_all(fd, ack.data(), ack.size());
        fds.push_back(fd);
    }
    uint64_t end = now_us() + uint64_t(secs * 1e6), seq = 0, frames = 0;
    std::string b;
    while (now_us() < end && !fds.empty()) {
        b.clear();
        uint64_t t = now_us();
        for (size_t j = 0; j < batch; j++) {
            std::string m = fmt(
                R"(42["new-message",{"id":"9b2f6f0e-3c1d-4a5b-8e7f-%012llu","author":399999,)"
                R"("timestamp":{"epoch":1764300000000,"iso":"2025-11-28T03:20:00.000Z"},"type":"text",)"
                R"("text":"bm:%s:%llu:%llu","chat":{"type":"topic","id":4242}}])",
                (unsigned long long)(seq + j), run.c_str(), (unsigned long long)(seq + j),
                (unsigned long long)t);
            text_frame(b, m);
        }
        for (size_t i = 0; i < fds.size();) {
            if (!write_all(fds[i], b.data(), b.size())) {
                close(fds[i]);
                fds.erase(fds.begin() + long(i));
                continue;
            }
            frames += batch;
            i++;
        }
        seq += batch;
    }
    double cpu = self_cpu_s();
    for (int fd : fds)
        close(fd);
    std::string s = fmt("%llu %.3f\n", (unsigned long long)frames, cpu);
    ssize_t w = write(out, s.data(), s.size());
    (void)w;
}

struct SelfHooks : Hooks {
    std::string marker;
    std::vector<uint64_t> next; // per connection: next expected seq
    uint64_t checked = 0, lost = 0, ooo = 0, bad = 0, first = 0, last = 0;
    Hist lat;
    void on_event(Client& c, const char* p, size_t n, uint64_t now) override {
        if (n < 17 || memcmp(p, "42[\"new-message\"", 16) != 0) {
            bad++;
            return;
        }
        const char* m =
            static_cast<const char*>(memmem(p + 16, n - 16, marker.data(), marker.size()));
        uint64_t seq, t;
        if (!m || !parse_mark(m + marker.size(), p + n, seq, t)) {
            bad++;
            return;
        }
        uint64_t& x = next[c.idx];
        if (seq == x)
            x++;
        else if (seq > x) {
            lost += seq - x;
            x = seq + 1;
        } else
            ooo++;
        checked++;
        if (!first)
            first = now;
        last = now;
        lat.add(now - t);
    }
};

int mode_selftest(const Args& a) {
    long nofile = raise_nofile();
    size_t N = size_t(a.integer("conns", 1000));
    double secs = a.num("duration", 5);
    size_t batch = size_t(a.integer("batch", 16));
    static std::string name;
    name = fmt("lg.selftest.n%zu", N);
    g_result_name = name.c_str();
    watchdog(unsigned(60 + 2 * secs));
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(lfd, 4096) != 0) {
        perror("listen");
        return 1;
    }
    socklen_t sl = sizeof sa;
    getsockname(lfd, reinterpret_cast<sockaddr*>(&sa), &sl);
    std::string run = run_id();
    int pp[2];
    if (pipe(pp) != 0) {
        perror("pipe");
        return 1;
    }
    pid_t child = fork();
    if (child == 0) {
        close(pp[0]);
        blaster(lfd, N, secs, batch, run, pp[1]);
        _exit(0);
    }
    close(lfd);
    close(pp[1]);
    Args b = a;
    Target t = parse_url(fmt("http://127.0.0.1:%d", ntohs(sa.sin_port)));
    Loop loop;
    SelfHooks h;
    h.marker = "bm:" + run + ":";
    h.next.assign(N, 0);
    Fleet f(loop, b, t, N, 1, false);
    f.user = &h;
    uint64_t tc = now_us();
    f.connect_all(tc + 60000000);
    double connect_s = double(now_us() - tc) / 1e6;
    logf("selftest: %zu/%zu connected in %.2fs; child pid %d blasting %gs, batch %zu", f.ready, N,
         connect_s, int(child), secs, batch);
    double g0 = self_cpu_s();
    uint64_t t0 = now_us();
    loop.run_until([&] { return f.ready == 0; }, now_us() + uint64_t((secs + 20) * 1e6), nullptr,
                   100);
    double wall = double(now_us() - t0) / 1e6, gen = self_cpu_s() - g0;
    char buf[128] = {};
    ssize_t r = read(pp[0], buf, sizeof buf - 1);
    (void)r;
    unsigned long long sent = 0;
    double ccpu = 0;
    sscanf(buf, "%llu %lf", &sent, &ccpu);
    waitpid(child, nullptr, 0);
    double span = double(std::max<uint64_t>(1, h.last - h.first)) / 1e6;
    printf("%s conns=%zu connect_failed=%zu connect_p50_ms=%s batch=%zu sent=%llu checked=%llu "
           "lost=%llu out_of_order=%llu bad=%llu "
           "frames_per_s=%.0f gen_cpu_pct=%.0f frames_per_gen_cpu_s=%.0f gen_cpu_ns_per_frame=%.0f "
           "blaster_cpu_s=%.2f "
           "lat_p50_ms=%s lat_p99_ms=%s nofile=%ld\n",
           name.c_str(), N, f.failed, ms3(f.hist, 50).c_str(), batch, sent,
           (unsigned long long)h.checked, (unsigned long long)h.lost, (unsigned long long)h.ooo,
           (unsigned long long)h.bad, double(h.checked) / span, gen / wall * 100,
           gen > 0 ? double(h.checked) / gen : 0.0, h.checked ? gen * 1e9 / double(h.checked) : 0.0,
           ccpu, ms3(h.lat, 50).c_str(), ms3(h.lat, 99).c_str(), nofile);
    return h.lost || h.ooo || h.bad || h.checked != sent ? 1 : 0;
}

void usage() {
    fprintf(
        stderr,
        "usage: senna-loadgen MODE [options]   (see bench/loadgen/README.md)\n"
        "  idle     --url URL --conns K [--hold S] [--settle 5] [--pid PID[,PID]] [--transport "
        "websocket|polling]\n"
        "  fanout   --url URL --sockets N --rate R --duration T [--warmup 2] [--grace 5] [--topic "
        "4242]\n"
        "           [--sender-conns 4] [--pipeline 1] [--max-inflight 2000]\n"
        "  delivery --url URL --receivers C --senders S --rate R --duration T [--warmup 2] "
        "[--sender-conns 1]\n"
        "  storm    --url URL --conns K [--reconnect-delay-ms 0] [--jitter-ms 100] [--timeout "
        "120]\n"
        "           [--ready-file F] [--restart-cmd CMD] [--wait-disconnect]\n"
        "  selftest [--conns 1000] [--duration 5] [--batch 16]\n"
        "common: --connect-rate N (0: as fast as --concurrency 200 allows) --per-ip 20000 "
        "--connect-timeout 20\n"
        "        --secret S (default $SOCK_JWT_SECRET or the spec default) --pid PID --quiet\n");
}

} // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    Args a = parse_args(argc, argv);
    g_quiet = a.has("quiet");
    g_rng = Rng(now_us() ^ (uint64_t(getpid()) << 32));
    setvbuf(stdout, nullptr, _IOLBF, 0);
    if (a.mode == "idle")
        return mode_idle(a);
    if (a.mode == "fanout")
        return mode_fanout(a);
    if (a.mode == "delivery")
        return mode_delivery(a);
    if (a.mode == "storm")
        return mode_storm(a);
    if (a.mode == "selftest")
        return mode_selftest(a);
    usage();
    return 2;
}
