// Socket.IO v4 (EIO=3) versus v5 (EIO=4): the server's CONNECT and CONNECT_ERROR, v4's
// namespace queries. Examples from socket.io-protocol (v5 4f633dd, v4 branch 8df2120).

#include "socketio/revision.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

using namespace senna::socketio;
using senna::socketio::test::json;

TEST(socketio_revision, from_the_engineio_version) {
    EXPECT_EQ(revision_for(senna::engineio::version::v4), revision::v5);
    EXPECT_EQ(revision_for(senna::engineio::version::v3), revision::v4);
}

TEST(socketio_revision, connect_ack) {
    EXPECT_EQ(encode(connect_ack("/", "wZX3oN0bSVIhsaknAAAI", revision::v5)),
              R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})");
    EXPECT_EQ(encode(connect_ack("/admin", "oSO0OpakMV_3jnilAAAA", revision::v5)),
              R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})");
    // v4: `0` for "/" right after the handshake, unasked; `0/admin,` for a namespace.
    EXPECT_EQ(encode(connect_ack("/", "ignored", revision::v4)), "0");
    EXPECT_EQ(encode(connect_ack("/admin", "ignored", revision::v4)), "0/admin,");
}

TEST(socketio_revision, connect_error) {
    EXPECT_EQ(encode(connect_error("/", "Not authorized", nullptr, revision::v5)),
              R"(4{"message":"Not authorized"})");
    EXPECT_EQ(encode(connect_error("/random", "Invalid namespace", nullptr, revision::v5)),
              R"(4/random,{"message":"Invalid namespace"})");
    EXPECT_EQ(encode(connect_error("/", "Not authorized", json(R"({"code":401})"), revision::v5)),
              R"(4{"message":"Not authorized","data":{"code":401}})");
    EXPECT_EQ(encode(connect_error("/admin", "Not authorized", nullptr, revision::v4)),
              R"(4/admin,"Not authorized")");
    EXPECT_EQ(encode(connect_error("/random", "Invalid namespace", nullptr, revision::v4)),
              R"(4/random,"Invalid namespace")");
    EXPECT_EQ(encode(connect_error("/", "Not authorized", json(R"({"code":401})"), revision::v4)),
              R"(4{"code":401})");
}

TEST(socketio_revision, v4_connect_carries_its_query_in_the_namespace) {
    const auto p = decode("0/admin?token=1234&uid=abcd,");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->type, packet_type::connect);
    const auto parts = split_namespace(p->nsp);
    EXPECT_EQ(parts.name, "/admin");
    EXPECT_EQ(parts.query, "token=1234&uid=abcd");
    EXPECT_EQ(split_namespace("/admin").name, "/admin");
    EXPECT_EQ(split_namespace("/admin").query, "");
    EXPECT_EQ(split_namespace("/admin?").query, "");
    EXPECT_EQ(split_namespace("/?a=b?c").name, "/");
    EXPECT_EQ(split_namespace("/?a=b?c").query, "a=b?c");
}

TEST(socketio_revision, the_rest_is_shared) {
    // v4 clients send the same EVENT/ACK/BINARY_ACK text as v5 ones.
    const auto ack = decode(R"(61-/admin,1[{"_placeholder":true,"num":0}])");
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->type, packet_type::binary_ack);
    EXPECT_EQ(ack->id, 1u);
    EXPECT_EQ(ack->pending_attachments, 1u);
}
