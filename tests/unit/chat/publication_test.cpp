#include "chat/publication.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace senna::chat {
namespace {

publication logged(std::string log, std::string channel) {
    publication p;
    p.log = std::move(log);
    p.log_min_id = "100-0";
    p.fields = {"uid", "i1", "data"};
    p.entry.pieces = {"[1,", "]"};
    p.entry.slots = {slot::seq};
    p.channel = std::move(channel);
    p.bytes.pieces = {"x"};
    return p;
}

// Redis Cluster routes a script by its KEYS: every log a publication appends to is one of them,
// named once however many publications append to it, and ARGV gives only its index.
TEST(publication, logs_are_keys_named_once_and_args_give_their_index) {
    publishing pubs;
    pubs.publications.push_back(logged("P", "P#/#user-1#"));
    pubs.publications.push_back(logged("P", "P#/#user-2#"));
    pubs.publications.push_back(logged("", "P#/#topic-3#"));
    std::vector<std::string> keys{"data", "list"};
    std::vector<std::string> args{"first"};
    append_args(std::move(pubs), keys, args);
    EXPECT_EQ(keys, (std::vector<std::string>{"data", "list", "P"}));
    // The first gives its min id and fields; the others, logged alike, say "=" instead.
    std::vector<std::string> want{"first", "", "", "", "3"};
    want.insert(want.end(), {"3", "100-0", "3", "uid", "i1", "data", "s", "[1,", "]"});
    want.insert(want.end(), {"P#/#user-1#", "", "x"});
    want.insert(want.end(), {"3", "", "=", "s", "[1,", "]", "P#/#user-2#", "", "x"});
    want.insert(want.end(), {"0", "", "=", "s", "[1,", "]", "P#/#topic-3#", "", "x"});
    EXPECT_EQ(args, want);
}

// A publication logged otherwise (another trim id, other fields) gives its own again, and the
// next one alike is compared with it.
TEST(publication, a_publication_logged_otherwise_gives_its_own_min_id_and_fields) {
    publishing pubs;
    pubs.publications.push_back(logged("P", ""));
    auto other = logged("P", "");
    other.log_min_id = "200-0";
    pubs.publications.push_back(other);
    pubs.publications.push_back(other);
    auto fewer = logged("P", "");
    fewer.fields = {"uid", "i1"};
    pubs.publications.push_back(fewer);
    pubs.publications.push_back(publication{});
    std::vector<std::string> keys;
    std::vector<std::string> args;
    append_args(std::move(pubs), keys, args);
    const std::vector<std::string> entry{"s", "[1,", "]", "", "", "x"};
    std::vector<std::string> want{"", "", "", "5"};
    want.insert(want.end(), {"1", "100-0", "3", "uid", "i1", "data"});
    want.insert(want.end(), entry.begin(), entry.end());
    want.insert(want.end(), {"1", "200-0", "3", "uid", "i1", "data"});
    want.insert(want.end(), entry.begin(), entry.end());
    want.insert(want.end(), {"1", "", "="});
    want.insert(want.end(), entry.begin(), entry.end());
    want.insert(want.end(), {"1", "100-0", "2", "uid", "i1"});
    want.insert(want.end(), entry.begin(), entry.end());
    want.insert(want.end(), {"0", "", "0", "", "", ""});
    EXPECT_EQ(args, want);
}

// A write whose PUBLISHes were left out names the channels its script counts first.
TEST(publication, the_listener_check_comes_first) {
    publishing pubs;
    pubs.check = {"P-senna-listeners#", "P-senna-listeners#me#", "P-request#/#"};
    pubs.publications.push_back(logged("P", ""));
    std::vector<std::string> keys;
    std::vector<std::string> args;
    append_args(std::move(pubs), keys, args);
    EXPECT_EQ(keys, (std::vector<std::string>{"P"}));
    EXPECT_EQ(args, (std::vector<std::string>{"P-senna-listeners#", "P-senna-listeners#me#",
                                              "P-request#/#", "1", "1", "100-0", "3", "uid", "i1",
                                              "data", "s", "[1,", "]", "", "", "x"}));
}

} // namespace
} // namespace senna::chat
