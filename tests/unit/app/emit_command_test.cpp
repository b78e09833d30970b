// `senna emit`: the sharded adapter's channel and message, byte for byte as
// @socket.io/redis-adapter 8.3 publishes them (captured from `io.to("r1").emit(...)` on a
// createShardedAdapter server), and the refusals of bad arguments (exit status 2). Publishing
// to a real Redis is tests/integration/emit.test.mjs's.
#include "app/emit_command.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>
#include <map>

namespace app = senna::app;

namespace {

app::emit_outcome emit(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    return app::emit_command(args, [&](std::string_view name) -> std::optional<std::string> {
        auto it = env.find(std::string(name));
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
}

TEST(EmitChannel, OneRoomHasItsOwnChannelUnlessItLooksLikeASocketId) {
    EXPECT_EQ(app::sharded_room_channel("socket.io", "/", "r1"), "socket.io#/#r1#");
    EXPECT_EQ(app::sharded_room_channel("senna-sockets", "/admin", "user-7"),
              "senna-sockets#/admin#user-7#");
    // 20 UTF-16 code units: the main channel (dynamic mode never subscribes a socket id's room).
    EXPECT_EQ(app::sharded_room_channel("socket.io", "/", "abcdefghijklmnopqrst"), "socket.io#/#");
    EXPECT_EQ(app::sharded_room_channel("socket.io", "/", "abcdefghijklmnopqrs"),
              "socket.io#/#abcdefghijklmnopqrs#");
    // Counted as JavaScript counts: é is one unit (two bytes), 😀 two units (four bytes).
    EXPECT_EQ(app::sharded_room_channel("p", "/",
                                        "\xc3\xa9"
                                        "bcdefghijklmnopqrst"),
              "p#/#");
    EXPECT_EQ(app::sharded_room_channel("p", "/",
                                        "\xf0\x9f\x98\x80"
                                        "cdefghijklmnopqrst"),
              "p#/#");
    EXPECT_EQ(app::sharded_room_channel("p", "/",
                                        "\xf0\x9f\x98\x80"
                                        "cdefghijklmnopqrs"),
              "p#/#\xf0\x9f\x98\x80"
              "cdefghijklmnopqrs#");
}

TEST(EmitMessage, IsWhatTheShardedAdapterPublishes) {
    // Captured from the adapter (uid aside): io.to("r1").emit("ev", {a: 1, b: 1.5, c: "é\u2028\""})
    const std::vector<boost::json::value> args{
        boost::json::parse(R"({"a":1,"b":1.5,"c":"é\u2028\""})")};
    EXPECT_EQ(app::sharded_broadcast("emitter", "/", "r1", "ev", args),
              "{\"type\":3,\"data\":{\"packet\":{\"type\":2,\"data\":[\"ev\",{\"a\":1,\"b\":1.5,"
              "\"c\":\"\xc3\xa9\xe2\x80\xa8\\\"\"}]},\"opts\":{\"rooms\":[\"r1\"],\"except\":[],"
              "\"flags\":{}}},\"uid\":\"emitter\",\"nsp\":\"/\"}");
    // io.to("r1").emit("ev"): no arguments.
    EXPECT_EQ(app::sharded_broadcast("emitter", "/", "r1", "ev", {}),
              R"({"type":3,"data":{"packet":{"type":2,"data":["ev"]},"opts":{"rooms":["r1"],)"
              R"("except":[],"flags":{}}},"uid":"emitter","nsp":"/"})");
}

TEST(EmitArguments, BadOnesExitTwoWithWhatIsWrong) {
    struct refusal {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<refusal> refusals{
        {{}, "senna emit: ROOM and EVENT are required (see senna emit --help)\n"},
        {{"r1"}, "senna emit: ROOM and EVENT are required (see senna emit --help)\n"},
        {{"", "ev", "1"}, "senna emit: ROOM must not be empty\n"},
        {{"r1", "", "1"}, "senna emit: EVENT must not be empty\n"},
        {{"r1", "ev", "{\"a\":"}, "senna emit: argument 1 is not JSON: incomplete JSON\n"},
        {{"r1", "ev", "1", "{a:1}"}, "senna emit: argument 2 is not JSON: syntax error\n"},
        {{"r1", "disconnect"}, "senna emit: 'disconnect' is a reserved event name\n"},
        {{"r1", "\xff", "1"}, "senna emit: EVENT is not UTF-8\n"},
        {{"--namespace", "admin", "r1", "ev"},
         "senna emit: --namespace must start with / (e.g. /admin)\n"},
        {{"--namespace"}, "senna emit: --namespace needs a value\n"},
        {{"--loud", "r1", "ev"}, "senna emit: unknown option '--loud' (see senna emit --help)\n"},
    };
    for (const auto& r : refusals) {
        const auto out = emit(r.args);
        EXPECT_EQ(out.status, 2) << r.message;
        EXPECT_EQ(out.err, r.message);
        EXPECT_EQ(out.out, "");
    }
    // 64 levels of nesting are taken, 65 refused (parsed, never recursed into).
    const auto deep = [](int n) { return std::string(n, '[') + std::string(n, ']'); };
    EXPECT_EQ(emit({"r1", "ev", deep(65)}).err.rfind("senna emit: argument 1 is not JSON: ", 0),
              0u);
    EXPECT_EQ(emit({"r1", "ev", deep(65)}).status, 2);
    EXPECT_NE(emit({"r1", "ev", deep(64)}, {{"SOCK_REDIS_URL", "redis://127.0.0.1:1/0"},
                                            {"SOCK_REDIS_CONNECT_TIMEOUT_MS", "100"}})
                  .status,
              2);
    // The server's rules for where Redis is.
    const auto both = emit({"r1", "ev"}, {{"SOCK_REDIS_CLUSTER", "127.0.0.1:7000"},
                                          {"SOCK_REDIS_URL", "redis://127.0.0.1:6379"}});
    EXPECT_EQ(both.status, 2);
    EXPECT_NE(both.err.find("set either SOCK_REDIS_CLUSTER or SOCK_REDIS_URL"), std::string::npos)
        << both.err;
}

TEST(EmitArguments, HelpAndDoubleDash) {
    const auto help = emit({"--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_EQ(help.out, app::emit_usage());
    // After --, an argument that starts with dashes is a room or an event.
    const auto dashes = emit({"--", "--weird-room", "", "1"});
    EXPECT_EQ(dashes.err, "senna emit: EVENT must not be empty\n");
}

TEST(EmitArguments, AnAdapterThatDoesNotHearTheFormatIsSaid) {
    // Port 1: nothing listens, so the command ends with 1 after its warning.
    std::map<std::string, std::string> env{{"SOCK_REDIS_URL", "redis://127.0.0.1:1/0"},
                                           {"SOCK_REDIS_CONNECT_TIMEOUT_MS", "100"}};
    env["SOCK_ADAPTER"] = "redis";
    auto out = emit({"r1", "ev"}, env);
    EXPECT_EQ(out.status, 1);
    EXPECT_EQ(out.err.substr(0, out.err.find('\n') + 1),
              "senna emit: warning: instances on SOCK_ADAPTER=redis do not hear the sharded "
              "format (use --classic)\n");
    EXPECT_NE(out.err.find("senna emit: cannot publish on redis://127.0.0.1:1/0: "),
              std::string::npos)
        << out.err;
    out = emit({"--classic", "r1", "ev"}, env);
    EXPECT_EQ(out.err.rfind("senna emit: cannot publish", 0), 0u) << out.err;
    env["SOCK_ADAPTER"] = "redis-sharded";
    out = emit({"--classic", "r1", "ev"}, env);
    EXPECT_EQ(out.err.rfind("senna emit: warning: instances on SOCK_ADAPTER=redis-sharded do not "
                            "hear --classic (leave it out)\n",
                            0),
              0u)
        << out.err;
    out = emit({"r1", "ev"}, env);
    EXPECT_EQ(out.err.rfind("senna emit: cannot publish", 0), 0u) << out.err;
}

} // namespace
