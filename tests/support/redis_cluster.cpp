#include "redis_cluster.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace senna::test {

namespace {

using clock = std::chrono::steady_clock;

constexpr const char* redis_cli = "/usr/bin/redis-cli";

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto end = s.find(sep, start);
        if (end == std::string_view::npos)
            end = s.size();
        if (end > start)
            out.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// Runs a program to its end (at most `limit`, then SIGKILL); its output goes to `log`.
int run_program(const std::vector<std::string>& args, const std::string& log,
                std::chrono::milliseconds limit) {
    pid_t pid = spawn_logged(args, log);
    auto deadline = clock::now() + limit;
    int status = 0;
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        if (clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<cluster_node> parse_nodes(const std::string& text) {
    std::vector<cluster_node> out;
    for (const auto& line : split(text, '\n')) {
        auto f = split(line, ' ');
        if (f.size() < 8)
            continue;
        cluster_node n;
        n.id = f[0];
        auto addr = f[1].substr(0, f[1].find('@'));
        n.port = static_cast<std::uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
        for (const auto& flag : split(f[2], ',')) {
            if (flag == "master")
                n.master = true;
            else if (flag == "fail")
                n.failed = true;
        }
        if (f[3] != "-")
            n.master_id = f[3];
        for (std::size_t i = 8; i < f.size(); ++i) {
            if (f[i].empty() || f[i][0] == '[')
                continue; // a migration in progress
            auto dash = f[i].find('-');
            unsigned first = static_cast<unsigned>(std::stoul(f[i].substr(0, dash)));
            unsigned last = dash == std::string::npos
                                ? first
                                : static_cast<unsigned>(std::stoul(f[i].substr(dash + 1)));
            n.slots.emplace_back(first, last);
        }
        out.push_back(std::move(n));
    }
    return out;
}

// Who serves each slot in one node's view, as a comparable value: (first, last, port).
std::vector<std::tuple<unsigned, unsigned, std::uint16_t>>
owners(const std::vector<cluster_node>& nodes) {
    std::vector<std::tuple<unsigned, unsigned, std::uint16_t>> out;
    for (const auto& n : nodes)
        if (n.master && !n.failed)
            for (auto [a, b] : n.slots)
                out.emplace_back(a, b, n.port);
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

redis_cluster::redis_cluster(redis_cluster_options opts) : opts_(opts) {
    std::size_t count = opts_.masters * (1 + opts_.replicas_per_master);
    for (std::size_t i = 0; i < count; ++i) {
        redis_server_options o;
        // A replica's first sync starts at once, not after the default 5 s delay.
        o.extra_args = {"--cluster-enabled",          "yes",
                        "--cluster-config-file",      "nodes.conf",
                        "--cluster-node-timeout",     std::to_string(opts_.node_timeout.count()),
                        "--repl-diskless-sync-delay", "0"};
        servers_.push_back(std::make_unique<redis_server>(std::move(o)));
    }
    std::vector<std::string> args = {redis_cli, "--cluster", "create"};
    for (const auto& s : servers_)
        args.push_back("127.0.0.1:" + std::to_string(s->port()));
    args.insert(args.end(),
                {"--cluster-replicas", std::to_string(opts_.replicas_per_master), "--cluster-yes"});
    std::string log = servers_.front()->dir() + "/cluster-create.log";
    if (run_program(args, log, std::chrono::seconds(60)) != 0)
        throw std::runtime_error("redis-cli --cluster create failed:\n" + read_file(log));
    wait_ok();
    // A replica that has not synced yet refuses to fail over (its data is "too old").
    auto deadline = clock::now() + std::chrono::seconds(20);
    for (const auto& s : servers_) {
        for (;;) {
            std::string info = s->command({"INFO", "replication"});
            if (info.find("role:slave") == std::string::npos ||
                info.find("master_link_status:up") != std::string::npos)
                break;
            if (clock::now() >= deadline)
                throw std::runtime_error("a replica did not sync:\n" + info);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    // Every master's replicas as nodes() sees them (replica_of asks it): gossip may tell the
    // node asked of a replica's master later than the replica itself knows.
    for (;;) {
        const auto all = nodes();
        std::size_t complete = 0;
        for (const auto& m : all) {
            if (!m.master || m.slots.empty())
                continue;
            std::size_t replicas = 0;
            for (const auto& n : all)
                replicas += !n.master && !n.failed && n.master_id == m.id;
            complete += replicas >= opts_.replicas_per_master;
        }
        if (complete == opts_.masters)
            break;
        if (clock::now() >= deadline)
            throw std::runtime_error("the masters' replicas are not all listed");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

redis_cluster::~redis_cluster() = default;

std::size_t redis_cluster::index_of(std::uint16_t port) const {
    for (std::size_t i = 0; i < servers_.size(); ++i)
        if (servers_[i]->port() == port)
            return i;
    throw std::runtime_error("no cluster node on port " + std::to_string(port));
}

std::string redis_cluster::seeds() const {
    std::string out;
    for (const auto& s : servers_) {
        if (!out.empty())
            out += ',';
        out += "127.0.0.1:" + std::to_string(s->port());
    }
    return out;
}

std::string redis_cluster::command(std::uint16_t port,
                                   std::initializer_list<std::string_view> args) const {
    return servers_.at(index_of(port))->command(args);
}

std::vector<cluster_node> redis_cluster::nodes() const {
    for (const auto& s : servers_) {
        if (!s->running())
            continue;
        try {
            return parse_nodes(s->command({"CLUSTER", "NODES"}));
        } catch (const std::exception&) {
        }
    }
    throw std::runtime_error("no cluster node answers");
}

std::uint16_t redis_cluster::master_of(unsigned slot) const {
    for (const auto& n : nodes())
        if (n.master && !n.failed)
            for (auto [a, b] : n.slots)
                if (slot >= a && slot <= b)
                    return n.port;
    throw std::runtime_error("no master serves slot " + std::to_string(slot));
}

std::uint16_t redis_cluster::replica_of(std::uint16_t master_port) const {
    auto all = nodes();
    std::string id;
    for (const auto& n : all)
        if (n.port == master_port)
            id = n.id;
    for (const auto& n : all)
        if (!n.master && !n.failed && n.master_id == id && servers_.at(index_of(n.port))->running())
            return n.port;
    throw std::runtime_error("the master on " + std::to_string(master_port) + " has no replica");
}

void redis_cluster::wait_ok(std::chrono::milliseconds limit) const {
    auto deadline = clock::now() + limit;
    std::string last;
    while (clock::now() < deadline) {
        bool ok = true;
        std::vector<std::tuple<unsigned, unsigned, std::uint16_t>> first;
        bool have_first = false;
        try {
            for (const auto& s : servers_) {
                if (!s->running())
                    continue;
                std::string info = s->command({"CLUSTER", "INFO"});
                if (info.find("cluster_state:ok") == std::string::npos) {
                    ok = false;
                    last = "node " + std::to_string(s->port()) + " is not ok";
                    break;
                }
                auto view = owners(parse_nodes(s->command({"CLUSTER", "NODES"})));
                unsigned covered = 0;
                for (const auto& [a, b, p] : view)
                    covered += b - a + 1;
                if (covered != 16384 || (have_first && view != first)) {
                    ok = false;
                    last =
                        "nodes disagree on the slots (seen from " + std::to_string(s->port()) + ")";
                    break;
                }
                first = std::move(view);
                have_first = true;
            }
        } catch (const std::exception& e) {
            ok = false;
            last = e.what();
        }
        if (ok)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("the cluster is not ok: " + last);
}

void redis_cluster::move_slot(unsigned slot, std::uint16_t to) {
    std::uint16_t from = master_of(slot);
    if (from == to)
        return;
    std::string from_id;
    std::string to_id;
    for (const auto& n : nodes()) {
        if (n.port == from)
            from_id = n.id;
        if (n.port == to)
            to_id = n.id;
    }
    std::string s = std::to_string(slot);
    command(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", from_id});
    command(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", to_id});
    for (;;) {
        auto keys = split(command(from, {"CLUSTER", "GETKEYSINSLOT", s, "100"}), '\n');
        if (keys.empty())
            break;
        for (const auto& k : keys) {
            std::string r =
                command(from, {"MIGRATE", "127.0.0.1", std::to_string(to), k, "0", "5000"});
            if (r != "OK" && r != "NOKEY")
                throw std::runtime_error("MIGRATE " + k + ": " + r);
        }
    }
    // The new owner first, then the old one, then everyone (the cluster tutorial's order).
    command(to, {"CLUSTER", "SETSLOT", s, "NODE", to_id});
    command(from, {"CLUSTER", "SETSLOT", s, "NODE", to_id});
    for (const auto& n : nodes())
        if (n.master && !n.failed && n.port != from && n.port != to)
            command(n.port, {"CLUSTER", "SETSLOT", s, "NODE", to_id});
    wait_ok();
}

} // namespace senna::test
