#include "auth/client_address.h"

#include <string>

#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

TEST(AddressThrottleKeyTest, Ipv4IsTheAddress) {
  EXPECT_EQ(AddressThrottleKey("192.0.2.1"), "192.0.2.1");
  EXPECT_NE(AddressThrottleKey("192.0.2.1"), AddressThrottleKey("192.0.2.2"));
  EXPECT_EQ(AddressThrottleKey("127.0.0.1"), "127.0.0.1");
}

TEST(AddressThrottleKeyTest, Ipv6IsGroupedBySlash64) {
  EXPECT_EQ(AddressThrottleKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressThrottleKey("2001:db8:1:2::1"), AddressThrottleKey("2001:db8:1:2:ffff::9"));
  // Spellings of the same /64 agree.
  EXPECT_EQ(AddressThrottleKey("2001:0DB8:0001:0002:0:0:0:1"), "2001:db8:1:2::/64");
  // Another /64, even next door, is another key.
  EXPECT_NE(AddressThrottleKey("2001:db8:1:2::1"), AddressThrottleKey("2001:db8:1:3::1"));
  EXPECT_EQ(AddressThrottleKey("::1"), "::/64");
}

TEST(AddressThrottleKeyTest, BracketsAndZonesAreIgnored) {
  EXPECT_EQ(AddressThrottleKey("[2001:db8::5]"), "2001:db8::/64");
  EXPECT_EQ(AddressThrottleKey("fe80::1%eth0"), "fe80::/64");
}

TEST(AddressThrottleKeyTest, Ipv4MappedIpv6CountsAsIpv4) {
  EXPECT_EQ(AddressThrottleKey("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(AddressThrottleKey("::ffff:c000:201"), "192.0.2.1");
  // Mapped addresses are not grouped by /64: they would all share ::ffff:0:0/64.
  EXPECT_NE(AddressThrottleKey("::ffff:192.0.2.1"), AddressThrottleKey("::ffff:192.0.2.2"));
}

TEST(AddressThrottleKeyTest, AnythingElseIsKeptButBounded) {
  EXPECT_EQ(AddressThrottleKey(""), "");
  EXPECT_EQ(AddressThrottleKey("not an address"), "not an address");
  EXPECT_EQ(AddressThrottleKey(std::string(500, 'x')), std::string(64, 'x'));
  EXPECT_EQ(AddressThrottleKey("1.2.3.4.5"), "1.2.3.4.5");
}

}  // namespace
}  // namespace mcp_oauth::auth
