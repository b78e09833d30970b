#include "app/emit_command.hpp"

#include "app/command_args.hpp"
#include "realtime/adapter_codec.hpp"
#include "redis/connection.hpp"
#include "redis/endpoint.hpp"
#include "redis/request.hpp"
#include "socketio/json.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>

namespace senna::app {

namespace {

namespace asio = net::asio;

struct emit_args {
    std::string room, event;
    std::vector<boost::json::value> data; // the event's arguments
    std::string nsp = "/";
    std::optional<std::string> prefix;
    bool classic = false;
    bool help = false;
};

struct bad_emit_arguments {
    std::string message;
};

// Socket.IO refuses to emit these (socket.io's RESERVED_EVENTS; the emitter's too).
constexpr std::array<std::string_view, 6> reserved_events{
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"};

// Deep enough for any payload a platform means to send; a deeper one is refused, not recursed.
constexpr std::size_t max_json_depth = 64;

emit_args parse_emit(const std::vector<std::string>& args) {
    emit_args e;
    std::vector<std::string> positional;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        if (options_done || name.rfind("--", 0) != 0 || name == "--") {
            if (name == "--" && !options_done) {
                options_done = true;
                continue;
            }
            if (name == "-h" && !options_done) {
                e.help = true;
                continue;
            }
            positional.push_back(name);
            continue;
        }
        const option_arg opt(name);
        name = opt.name;
        const auto& inline_value = opt.inline_value;
        auto value = [&]() -> std::string {
            auto v = opt.value(args, i);
            if (!v)
                throw bad_emit_arguments{name + " needs a value"};
            return *v;
        };
        if (name == "--namespace") {
            e.nsp = value();
            if (e.nsp.empty() || e.nsp[0] != '/' || !util::valid_utf8(e.nsp))
                throw bad_emit_arguments{"--namespace must start with / (e.g. /admin)"};
        } else if (name == "--prefix") {
            e.prefix = value();
            if (e.prefix->empty() || !util::valid_utf8(*e.prefix))
                throw bad_emit_arguments{"--prefix must not be empty"};
        } else if (name == "--classic" && !inline_value)
            e.classic = true;
        else if (name == "--help" && !inline_value)
            e.help = true;
        else
            throw bad_emit_arguments{"unknown option '" + args[i] + "' (see senna emit --help)"};
    }
    if (e.help)
        return e;
    if (positional.size() < 2)
        throw bad_emit_arguments{"ROOM and EVENT are required (see senna emit --help)"};
    e.room = positional[0];
    e.event = positional[1];
    if (e.room.empty())
        throw bad_emit_arguments{"ROOM must not be empty"};
    if (!util::valid_utf8(e.room))
        throw bad_emit_arguments{"ROOM is not UTF-8"};
    if (e.event.empty())
        throw bad_emit_arguments{"EVENT must not be empty"};
    if (!util::valid_utf8(e.event))
        throw bad_emit_arguments{"EVENT is not UTF-8"};
    if (std::find(reserved_events.begin(), reserved_events.end(), e.event) != reserved_events.end())
        throw bad_emit_arguments{"'" + e.event + "' is a reserved event name"};
    for (std::size_t i = 2; i < positional.size(); ++i) {
        auto v = socketio::parse_json(positional[i], max_json_depth);
        if (!v)
            throw bad_emit_arguments{"argument " + std::to_string(i - 1) +
                                     " is not JSON: " + v.error().message()};
        e.data.push_back(std::move(*v));
    }
    return e;
}

// JavaScript's String#length: UTF-16 code units (a 4-byte UTF-8 sequence is two).
std::size_t utf16_length(std::string_view utf8) noexcept {
    std::size_t n = 0;
    for (unsigned char c : utf8) {
        if ((c & 0xC0) != 0x80)
            ++n; // a lead byte (or ASCII): one unit
        if ((c & 0xF8) == 0xF0)
            ++n; // a 4-byte sequence's lead: a surrogate pair
    }
    return n;
}

// Only the settings that say where the server's Redis is and how its channels are named, so
// that nothing else (a production refusal of the JWT secret, a webhook URL) stops an emit.
config::env_lookup redis_settings_only(const config::env_lookup& env) {
    return [&env](std::string_view name) -> std::optional<std::string> {
        static constexpr std::array<std::string_view, 9> names{"SOCK_REDIS_URL",
                                                               "SOCK_REDIS_HOST",
                                                               "SOCK_REDIS_PORT",
                                                               "SOCK_REDIS_CLUSTER",
                                                               "SOCK_REDIS_PREFIX",
                                                               "SOCK_REDIS_LAYOUT",
                                                               "SOCK_DATA_DIR",
                                                               "SOCK_REDIS_CONNECT_TIMEOUT_MS",
                                                               "SOCK_REDIS_COMMAND_TIMEOUT_MS"};
        if (std::find(names.begin(), names.end(), name) == names.end())
            return std::nullopt;
        return env(name);
    };
}

class emission {
public:
    emission(asio::io_context& ioc, redis::endpoint ep, const config::config& cfg)
        : ioc_(ioc), conn_(ioc.get_executor(), std::move(ep), options(cfg)),
          connect_within_(2 * cfg.redis_connect_timeout + std::chrono::milliseconds(500)) {}

    net::awaitable<void> run(const redis::request& publish, emit_outcome& out) {
        conn_.start();
        // Nothing is sent while not connected (not_connected): retrying that is safe. Anything
        // else (an answer, a lost connection, a timeout) is final: never publish twice.
        const auto deadline = std::chrono::steady_clock::now() + connect_within_;
        asio::steady_timer pause(ioc_);
        for (;;) {
            auto [ec, replies] = co_await conn_.exec(publish);
            if (ec == redis::error::not_connected && std::chrono::steady_clock::now() < deadline) {
                pause.expires_after(std::chrono::milliseconds(50));
                co_await pause.async_wait(asio::use_awaitable);
                continue;
            }
            const std::string where = redis::describe(conn_.where());
            if (ec) {
                out.status = 1;
                out.err += "senna emit: cannot publish on " + where + ": " + ec.message() + "\n";
            } else if (replies.size() != 1 || replies[0].type != redis::reply::kind::integer) {
                out.status = 1;
                out.err += "senna emit: " + where + " refused the publication: " +
                           (replies.empty() ? std::string("no reply")
                                            : std::string(replies[0].as_string())) +
                           "\n";
            } else
                out.out = std::to_string(replies[0].integer) + "\n";
            co_return;
        }
    }

    void stop() { conn_.stop(); }

private:
    static redis::connection_options options(const config::config& cfg) {
        redis::connection_options o;
        o.name = "emit";
        o.connect_timeout = cfg.redis_connect_timeout;
        o.command_timeout = cfg.redis_command_timeout;
        o.replica_wait = cfg.redis_replica_wait;
        return o;
    }

    asio::io_context& ioc_;
    redis::connection conn_;
    std::chrono::milliseconds connect_within_;
};

} // namespace

std::string sharded_room_channel(std::string_view prefix, std::string_view nsp,
                                 std::string_view room) {
    std::string channel;
    channel.reserve(prefix.size() + nsp.size() + room.size() + 3);
    channel.append(prefix).append("#").append(nsp).append("#");
    if (utf16_length(room) != 20)
        channel.append(room).append("#");
    return channel;
}

std::string sharded_broadcast(std::string_view uid, std::string_view nsp, std::string_view room,
                              std::string_view event, std::span<const boost::json::value> args) {
    std::string out = R"({"type":3,"data":{"packet":{"type":2,"data":[)";
    util::append_json_string(event, out);
    for (const auto& a : args) {
        out += ',';
        socketio::append_json(a, out);
    }
    out += R"(]},"opts":{"rooms":[)";
    util::append_json_string(room, out);
    out += R"(],"except":[],"flags":{}}},"uid":)";
    util::append_json_string(uid, out);
    out += R"(,"nsp":)";
    util::append_json_string(nsp, out);
    out += '}';
    return out;
}

std::string emit_usage() {
    return "usage: senna emit [--classic] [--namespace /NSP] [--prefix P] ROOM EVENT [JSON ...]\n"
           "  emits EVENT with the JSON arguments to the sockets in ROOM, on every instance of\n"
           "  the deployment (senna or Node socket.io), and prints how many subscribers Redis\n"
           "  says received it (on a Redis Cluster: those of the node that owns the channel)\n"
           "  default     as @socket.io/redis-adapter's sharded adapter (SPUBLISH, JSON;\n"
           "              SOCK_ADAPTER=redis-sharded)\n"
           "  --classic   as @socket.io/redis-emitter (PUBLISH, msgpack; SOCK_ADAPTER=redis)\n"
           "  --namespace the namespace (default /)\n"
           "  --prefix    the channel prefix (default: SOCK_REDIS_PREFIX, the server's)\n"
           "  Redis: SOCK_REDIS_CLUSTER, SOCK_REDIS_URL or SOCK_REDIS_HOST/PORT, as the server\n"
           "  reads them. Exit status: 0 published, 1 Redis failed, 2 bad arguments.\n"
           "  The message format, to publish from any language: docs/emit.md\n";
}

emit_outcome emit_command(const std::vector<std::string>& args, const config::env_lookup& env) {
    emit_args e;
    try {
        e = parse_emit(args);
    } catch (const bad_emit_arguments& b) {
        return {2, {}, "senna emit: " + b.message + "\n"};
    }
    if (e.help)
        return {0, emit_usage(), {}};
    config::config cfg;
    try {
        cfg = config::load({}, redis_settings_only(env), false).cfg;
    } catch (const config::invalid_setting& bad) {
        return {2, {}, "senna emit: " + std::string(bad.what()) + "\n"};
    }
    auto ep = redis::parse_url(cfg.effective_redis_url());
    if (!ep)
        return {2, {}, "senna emit: " + ep.error() + "\n"};
    const std::string prefix = e.prefix.value_or(cfg.redis_prefix);
    // The connection's own reconnect warnings would repeat the one line this command prints.
    log::level level = log::level::error;
    if (auto l = env("SOCK_LOG_LEVEL"); !l || !log::parse_level(*l, level))
        level = log::level::error;
    log::set_level(level);

    redis::request publish;
    if (e.classic) {
        boost::json::array data;
        data.emplace_back(boost::json::string_view(e.event.data(), e.event.size()));
        for (auto& a : e.data)
            data.push_back(std::move(a));
        const std::array<std::string, 1> rooms{e.room};
        publish.push("PUBLISH", realtime::broadcast_channel(prefix, e.nsp, e.room),
                     realtime::encode_broadcast(realtime::emitter_uid, socketio::packet_type::event,
                                                e.nsp, boost::json::value(std::move(data)), rooms,
                                                {}));
    } else {
        publish.push("SPUBLISH", sharded_room_channel(prefix, e.nsp, e.room),
                     sharded_broadcast(realtime::emitter_uid, e.nsp, e.room, e.event, e.data));
    }

    emit_outcome out;
    // The server's SOCK_ADAPTER, when it is set and does not hear this format: said, not refused
    // (the deployment may be mid-way between adapters).
    if (auto a = env("SOCK_ADAPTER")) {
        const auto adapter = util::to_lower(util::trim(*a));
        const char* advice = nullptr;
        if (adapter == "redis" && !e.classic)
            advice = "the sharded format (use --classic)";
        else if (adapter == "redis-sharded" && e.classic)
            advice = "--classic (leave it out)";
        else if (adapter == "redis-streams")
            advice = "either format";
        if (advice)
            out.err = "senna emit: warning: instances on SOCK_ADAPTER=" + adapter +
                      " do not hear " + advice + "\n";
    }
    asio::io_context ioc(1);
    emission job(ioc, *ep, cfg);
    asio::co_spawn(ioc, job.run(publish, out), [&](const std::exception_ptr& ex) {
        job.stop();
        if (ex) {
            out.status = 1;
            out.err = "senna emit: failed\n";
        }
    });
    ioc.run();
    return out;
}

} // namespace senna::app
