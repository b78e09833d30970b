#include "app/migrate_command.hpp"

#include "chat/keys.hpp"
#include "redis/connection.hpp"
#include "redis/endpoint.hpp"
#include "redis/request.hpp"
#include "util/strings.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <map>
#include <optional>

namespace senna::app {

namespace {

namespace asio = net::asio;

struct migrate_args {
    std::string from, to;
    bool restart = false;
    bool help = false;
    long long batch = 500;
};

struct bad_migrate_arguments {
    std::string message;
};

migrate_args parse_migrate(const std::vector<std::string>& args) {
    migrate_args m;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size())
                throw bad_migrate_arguments{a + " needs a value"};
            return args[++i];
        };
        if (a == "--from")
            m.from = value();
        else if (a == "--to")
            m.to = value();
        else if (a == "--restart")
            m.restart = true;
        else if (a == "--batch") {
            auto n = util::parse_uint(value());
            if (!n || *n == 0 || *n > 100000)
                throw bad_migrate_arguments{"--batch takes 1-100000"};
            m.batch = static_cast<long long>(*n);
        } else if (a == "--help" || a == "-h")
            m.help = true;
        else
            throw bad_migrate_arguments{"unknown argument '" + a + "' (see senna migrate --help)"};
    }
    return m;
}

// The command that gives a key's size, by its TYPE.
std::optional<std::string_view> size_command(std::string_view type) {
    static const std::map<std::string_view, std::string_view> by_type{
        {"list", "LLEN"}, {"hash", "HLEN"},   {"zset", "ZCARD"},
        {"set", "SCARD"}, {"stream", "XLEN"}, {"string", "STRLEN"}};
    auto it = by_type.find(type);
    if (it == by_type.end())
        return std::nullopt;
    return it->second;
}

class migration {
public:
    migration(asio::io_context& ioc, redis::endpoint from, redis::endpoint to, chat::keys seed,
              chat::keys cluster, migrate_args a)
        : ioc_(ioc), from_(ioc.get_executor(), std::move(from), options()),
          to_(ioc.get_executor(), std::move(to), options()), seed_(std::move(seed)),
          cluster_(std::move(cluster)), args_(std::move(a)) {}

    net::awaitable<void> run(migrate_outcome& out) {
        from_.start();
        to_.start();
        const bool from_up = co_await connected(from_);
        const bool to_up = co_await connected(to_);
        if (!from_up || !to_up) {
            out.status = 1;
            out.err = "senna migrate: cannot reach " +
                      redis::describe(from_.connected() ? to_.where() : from_.where()) + "\n";
            co_return;
        }
        const std::string state = cluster_.migration();
        std::string cursor = "0";
        if (args_.restart) {
            redis::request r;
            r.push("DEL", state);
            auto deleted = co_await exec(to_, r, out);
            if (!deleted)
                co_return;
        } else {
            redis::request r;
            r.push("HGET", state, "cursor");
            auto got = co_await exec(to_, r, out);
            if (!got)
                co_return;
            if ((*got)[0].type == redis::reply::kind::string) {
                cursor = (*got)[0].as_string();
                out.out += "resuming at SCAN cursor " + cursor + "\n";
            }
        }
        const std::string match = seed_.prefix_pattern();
        do {
            redis::request scan;
            scan.push("SCAN", cursor, "MATCH", match, "COUNT", args_.batch);
            auto page = co_await exec(from_, scan, out);
            if (!page)
                co_return;
            const auto& reply = (*page)[0];
            if (reply.elements.size() != 2) {
                fail(out, "unexpected reply to SCAN");
                co_return;
            }
            cursor = std::string(reply.elements[0].as_string());
            for (const auto& k : reply.elements[1].elements) {
                const bool ok = co_await copy(std::string(k.as_string()), out);
                if (!ok)
                    co_return;
            }
            redis::request save;
            save.push("HSET", state, "cursor", cursor, "copied", copied_);
            auto saved = co_await exec(to_, save, out);
            if (!saved)
                co_return;
        } while (cursor != "0");
        redis::request done;
        done.push("HSET", state, "done", "1");
        co_await exec(to_, done, out);
        out.out += "copied " + std::to_string(copied_) + " keys (" + std::to_string(elements_) +
                   " elements), skipped " + std::to_string(skipped_) + ", recopied " +
                   std::to_string(recopied_) + "; sizes differ: " + std::to_string(differ_) + "\n";
        if (differ_ > 0) {
            out.status = 1;
            out.err = "senna migrate: " + std::to_string(differ_) +
                      " keys still differ in size (written meanwhile): run it again once the "
                      "source takes no writes\n";
        }
    }

    /** Ends both connections' loops, so that the io_context runs out of work. */
    void stop() {
        from_.stop();
        to_.stop();
    }

private:
    static redis::connection_options options() {
        redis::connection_options o;
        o.name = "migrate";
        o.command_timeout = std::chrono::seconds(30);
        return o;
    }

    static void fail(migrate_outcome& out, const std::string& why) {
        out.status = 1;
        out.err = "senna migrate: " + why + "\n";
    }

    net::awaitable<bool> connected(redis::connection& c) {
        asio::steady_timer t(ioc_);
        for (int i = 0; i < 100 && !c.connected(); ++i) {
            t.expires_after(std::chrono::milliseconds(50));
            co_await t.async_wait(asio::use_awaitable);
        }
        co_return c.connected();
    }

    net::awaitable<std::optional<redis::replies>>
    exec(redis::connection& c, const redis::request& r, migrate_outcome& out) {
        auto [ec, replies] = co_await c.exec(r);
        std::optional<redis::replies> got;
        if (ec) {
            fail(out, "Redis at " + redis::describe(c.where()) + ": " + ec.message());
            co_return got;
        }
        for (const auto& rep : replies)
            if (rep.is_error()) {
                fail(out, "Redis at " + redis::describe(c.where()) + ": " +
                              std::string(rep.as_string()));
                co_return got;
            }
        got = std::move(replies);
        co_return got;
    }

    // Copies one key and compares sizes; once more when the source changed in between.
    net::awaitable<bool> copy(const std::string& key, migrate_outcome& out) {
        const auto name = seed_.rename(key, cluster_);
        if (!name) {
            ++skipped_;
            co_return true;
        }
        for (int attempt = 0; attempt < 2; ++attempt) {
            redis::request read;
            read.push("TYPE", key);
            read.push("DUMP", key);
            read.push("PTTL", key);
            auto src = co_await exec(from_, read, out);
            if (!src)
                co_return false;
            if ((*src)[1].is_nil()) {
                ++skipped_; // gone meanwhile
                co_return true;
            }
            const long long ttl = (*src)[2].integer > 0 ? (*src)[2].integer : 0;
            redis::request write;
            write.push("RESTORE", *name, ttl, (*src)[1].as_string(), "REPLACE");
            auto restored = co_await exec(to_, write, out);
            if (!restored)
                co_return false;
            const auto size = size_command((*src)[0].as_string());
            if (!size) {
                ++copied_;
                co_return true;
            }
            redis::request a, b;
            a.push(*size, key);
            b.push(*size, *name);
            auto sa = co_await exec(from_, a, out);
            auto sb = co_await exec(to_, b, out);
            if (!sa || !sb)
                co_return false;
            if ((*sa)[0].integer == (*sb)[0].integer) {
                ++copied_;
                elements_ += static_cast<std::uint64_t>((*sb)[0].integer);
                co_return true;
            }
            if (attempt == 0)
                ++recopied_;
        }
        ++copied_;
        ++differ_;
        co_return true;
    }

    asio::io_context& ioc_;
    redis::connection from_, to_;
    chat::keys seed_, cluster_;
    migrate_args args_;
    std::uint64_t copied_ = 0, skipped_ = 0, recopied_ = 0, differ_ = 0, elements_ = 0;
};

} // namespace

std::string migrate_usage() {
    return "usage: senna migrate --from redis://HOST:PORT/DB --to redis://HOST:PORT/DB "
           "[--restart] [--batch N]\n"
           "  copies SOCK_REDIS_PREFIX / SOCK_DOMAIN_HANDLE's keys from the seed layout into\n"
           "  the cluster layout (SOCK_REDIS_LAYOUT=cluster), resumable, each key verified by\n"
           "  size; the source may keep serving (docs/storage.md, \"Migrating\")\n"
           "  --restart   forget the progress kept in the target and start over\n"
           "  --batch N   keys per SCAN (default 500)\n";
}

migrate_outcome migrate_command(const std::vector<std::string>& args,
                                const config::env_lookup& env) {
    migrate_args m;
    try {
        m = parse_migrate(args);
    } catch (const bad_migrate_arguments& e) {
        return {2, {}, "senna migrate: " + e.message + "\n"};
    }
    if (m.help)
        return {0, migrate_usage(), {}};
    if (m.from.empty() || m.to.empty())
        return {2, {}, "senna migrate: --from and --to are required (see senna migrate --help)\n"};
    auto from = redis::parse_url(m.from);
    auto to = redis::parse_url(m.to);
    if (!from)
        return {2, {}, "senna migrate: --from: " + from.error() + "\n"};
    if (!to)
        return {2, {}, "senna migrate: --to: " + to.error() + "\n"};
    const std::string prefix = env("SOCK_REDIS_PREFIX").value_or("senna-sockets");
    const std::string domain = env("SOCK_DOMAIN_HANDLE").value_or("myplatform");
    if (prefix.find_first_of("{}") != std::string::npos)
        return {2, {}, "senna migrate: SOCK_REDIS_PREFIX must not hold { or }\n"};
    migrate_outcome out;
    asio::io_context ioc(1);
    migration job(ioc, *from, *to, chat::keys(prefix, domain),
                  chat::keys(prefix, domain, chat::layout::cluster), m);
    asio::co_spawn(ioc, job.run(out), [&](const std::exception_ptr& e) {
        job.stop();
        if (e) {
            out.status = 1;
            out.err = "senna migrate: failed\n";
        }
    });
    ioc.run();
    return out;
}

} // namespace senna::app
