#include "util/address.hpp"

#include <gtest/gtest.h>

namespace util = senna::util;

namespace {
std::vector<util::cidr> blocks(std::initializer_list<const char*> texts) {
    std::vector<util::cidr> out;
    for (const char* t : texts)
        out.push_back(*util::parse_cidr(t));
    return out;
}
} // namespace

TEST(address, parses_v4_v6_and_mapped_v4) {
    EXPECT_EQ(util::parse_ip("10.1.2.3")->to_string(), "10.1.2.3");
    EXPECT_EQ(util::parse_ip("::ffff:10.1.2.3")->to_string(), "10.1.2.3");
    EXPECT_EQ(util::parse_ip("[2001:db8:0::1]")->to_string(), "2001:db8::1");
    EXPECT_FALSE(util::parse_ip("10.1.2"));
    EXPECT_FALSE(util::parse_ip("example.com"));
    EXPECT_FALSE(util::parse_ip(""));
}

TEST(address, cidr_blocks) {
    auto b = util::parse_cidr("10.0.0.0/8");
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->contains(*util::parse_ip("10.255.0.1")));
    EXPECT_FALSE(b->contains(*util::parse_ip("11.0.0.1")));
    EXPECT_FALSE(b->contains(*util::parse_ip("::1")));
    auto one = util::parse_cidr("127.0.0.1");
    EXPECT_TRUE(one->contains(*util::parse_ip("::ffff:127.0.0.1")));
    EXPECT_FALSE(one->contains(*util::parse_ip("127.0.0.2")));
    auto v6 = util::parse_cidr("fd00::/8");
    EXPECT_TRUE(v6->contains(*util::parse_ip("fd12::5")));
    auto odd = util::parse_cidr("192.168.1.128/25");
    EXPECT_TRUE(odd->contains(*util::parse_ip("192.168.1.200")));
    EXPECT_FALSE(odd->contains(*util::parse_ip("192.168.1.100")));
    EXPECT_FALSE(util::parse_cidr("10.0.0.0/33"));
    EXPECT_FALSE(util::parse_cidr("10.0.0.0/"));
    EXPECT_FALSE(util::parse_cidr("nope/8"));
}

TEST(address, forwarded_for_is_believed_only_from_trusted_proxies) {
    const auto proxies = blocks({"127.0.0.1", "10.0.0.0/8"});
    // No trusted proxies, or a peer that is not one: the peer, whatever the header says.
    EXPECT_EQ(util::client_address("203.0.113.9", "1.2.3.4", {}), "203.0.113.9");
    EXPECT_EQ(util::client_address("203.0.113.9", "1.2.3.4", proxies), "203.0.113.9");
    // Through one proxy.
    EXPECT_EQ(util::client_address("127.0.0.1", "198.51.100.7", proxies), "198.51.100.7");
    // A client that forged an entry: the proxies append the real address on the right.
    EXPECT_EQ(util::client_address("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.1", proxies),
              "198.51.100.7");
    // A proxy without the header: the proxy itself.
    EXPECT_EQ(util::client_address("::ffff:127.0.0.1", "", proxies), "127.0.0.1");
    // Garbage stops the walk at the last address so far.
    EXPECT_EQ(util::client_address("127.0.0.1", "198.51.100.7, junk", proxies), "127.0.0.1");
}
