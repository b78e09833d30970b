// The kinds of Redis error replies (redis/server_error.hpp), from the texts a real Redis 7.0
// sends in each state (captured with redis-cli against redis-server 7.0.15; the states
// themselves, but TRYAGAIN, are produced under senna in tests/integration/store_errors.test.mjs
// and store_full.test.mjs).

#include "redis/reply.hpp"
#include "redis/server_error.hpp"

#include <gtest/gtest.h>

namespace senna::redis {
namespace {

TEST(server_error, every_row_from_the_text_redis_sends) {
    const struct {
        const char* text;
        server_error kind;
    } rows[] = {
        {"OOM command not allowed when used memory > 'maxmemory'.", server_error::oom},
        // From inside a script (Redis 7 keeps the code of the command that failed).
        {"OOM command not allowed when used memory > 'maxmemory'. script: "
         "712f8b9792b62bdd4ceeb0049ae1e2215691d1a6, on @user_script:1.",
         server_error::oom},
        {"READONLY You can't write against a read only replica.", server_error::readonly},
        {"LOADING Redis is loading the dataset in memory", server_error::loading},
        {"BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
         "NOSAVE.",
         server_error::busy},
        {"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
         server_error::masterdown},
        {"CLUSTERDOWN Hash slot not served", server_error::clusterdown},
        {"CLUSTERDOWN The cluster is down", server_error::clusterdown},
        {"TRYAGAIN Multiple keys request during rehashing of slot", server_error::tryagain},
        {"NOSCRIPT No matching script. Please use EVAL.", server_error::noscript},
        {"MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
         "persist to disk. Commands that may modify the data set are disabled, because this "
         "instance is configured to report errors during writes if RDB snapshotting fails "
         "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
         "the RDB error.",
         server_error::misconf},
        {"MISCONF Errors writing to the AOF file: No space left on device", server_error::misconf},
        {"NOREPLICAS Not enough good replicas to write.", server_error::noreplicas},
        {"EXECABORT Transaction discarded because of previous errors.", server_error::execabort},
        // Everything else is `other`: senna's bugs and setup errors.
        {"ERR unknown command 'FOO', with args beginning with: ", server_error::other},
        {"WRONGTYPE Operation against a key holding the wrong kind of value", server_error::other},
        {"CROSSSLOT Keys in request don't hash to the same slot", server_error::other},
        {"MOVED 3999 127.0.0.1:6381", server_error::other},
        {"ASK 15891 127.0.0.1:17005", server_error::other},
        {"NOPERM this user has no permissions to run the 'info' command", server_error::other},
        {"ERR Script killed by user with SCRIPT KILL...", server_error::other},
    };
    for (const auto& row : rows)
        EXPECT_EQ(classify(row.text), row.kind) << row.text;
}

TEST(server_error, the_code_is_the_first_word_exactly) {
    EXPECT_EQ(classify("OOM"), server_error::oom);         // a code without a message
    EXPECT_EQ(classify("BUSY "), server_error::busy);      // an empty message
    EXPECT_EQ(classify("OOMX nope"), server_error::other); // a longer word
    EXPECT_EQ(classify("OO M"), server_error::other);
    EXPECT_EQ(classify("oom lower case"), server_error::other);
    EXPECT_EQ(classify(" OOM leading space"), server_error::other);
    EXPECT_EQ(classify("ERR OOM in the message"), server_error::other);
    EXPECT_EQ(classify(""), server_error::other);
}

TEST(server_error, codes_round_trip) {
    for (server_error e : all_server_errors) {
        if (e == server_error::other)
            continue;
        EXPECT_EQ(classify(std::string(code_of(e)) + " message"), e) << code_of(e);
    }
    EXPECT_EQ(code_of(server_error::other), "ERR");
    EXPECT_EQ(code_of(server_error::none), "");
}

TEST(server_error, only_error_replies_have_a_kind) {
    const std::string_view text = "OOM command not allowed when used memory > 'maxmemory'.";
    reply r = reply::make_text(reply::kind::error, text);
    EXPECT_EQ(r.error_kind(), server_error::oom);
    r.type = reply::kind::status; // "+OOM": a status that happens to read like one
    EXPECT_EQ(r.error_kind(), server_error::none);
    r.type = reply::kind::string;
    EXPECT_EQ(r.error_kind(), server_error::none);
    EXPECT_EQ(reply().error_kind(), server_error::none);
}

} // namespace
} // namespace senna::redis
