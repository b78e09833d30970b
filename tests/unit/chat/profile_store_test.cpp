#include "chat/profile_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace chat = senna::chat;
namespace json = boost::json;

// remember() skips the Redis write when the digest of the claims is the one written last, so
// the digest must change exactly when the profile from_claims makes of them does.
TEST(chat_profile_store, digest_changes_exactly_when_the_profile_does) {
    const std::vector<std::string> claims{
        R"({})",
        R"({"username":5})",
        R"({"username":"ann"})",
        R"({"username":"ann","exp":1,"iat":2,"user_id":"7"})",
        R"({"username":"bob"})",
        R"({"username":"ann","role":"admin"})",
        R"({"username":"ann","role":"mod"})",
        R"({"username":"ann","role":"1"})",
        R"({"username":"ann","role":1})",
        R"({"username":"ann","role":null})",
        R"({"username":"ann","role":{"a":1}})",
        R"({"username":"ann","role":{"a":2}})",
        R"({"role":"admin"})",
    };
    const auto user = *chat::id::parse("7");
    for (const auto& a : claims)
        for (const auto& b : claims) {
            const json::value va = json::parse(a), vb = json::parse(b);
            const auto &ca = va.as_object(), &cb = vb.as_object();
            const bool same_profile = json::serialize(chat::profile_store::from_claims(user, ca)) ==
                                      json::serialize(chat::profile_store::from_claims(user, cb));
            EXPECT_EQ(chat::profile_store::digest(ca) == chat::profile_store::digest(cb),
                      same_profile)
                << a << " / " << b;
        }
}
