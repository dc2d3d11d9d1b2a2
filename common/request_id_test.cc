#include "common/request_id.h"

#include <string>

#include "gtest/gtest.h"

namespace mcp_oauth::request_id {
namespace {

TEST(RequestIdTest, AcceptsVisibleAsciiUpToTheLimit) {
  EXPECT_TRUE(IsValid("abc-123_XYZ.~:/"));
  EXPECT_TRUE(IsValid(std::string(kMaxLength, 'a')));
  EXPECT_EQ(AcceptOrGenerate("req-1"), "req-1");
}

TEST(RequestIdTest, RefusesEmptyLongSpacesAndControlCharacters) {
  EXPECT_FALSE(IsValid(""));
  EXPECT_FALSE(IsValid(std::string(kMaxLength + 1, 'a')));
  EXPECT_FALSE(IsValid("a b"));
  EXPECT_FALSE(IsValid("a\nb"));
  EXPECT_FALSE(IsValid("a\x7f"));
  EXPECT_FALSE(IsValid("caf\xc3\xa9"));
  EXPECT_NE(AcceptOrGenerate("a\r\nInjected: yes"), "a\r\nInjected: yes");
}

TEST(RequestIdTest, GeneratedIdsAreValidAndDistinct) {
  std::string a = Generate();
  std::string b = Generate();
  EXPECT_TRUE(IsValid(a));
  EXPECT_TRUE(IsValid(b));
  EXPECT_NE(a, b);
  // One random prefix per process (12 bytes, base64url), then a counter.
  ASSERT_GT(a.size(), 17u);
  EXPECT_EQ(a.substr(0, 17), b.substr(0, 17));
  EXPECT_EQ(a[16], '-');
}

TEST(RequestIdTest, LogPrefixOnlyForValidIds) {
  EXPECT_EQ(LogPrefix("r1"), "request_id=r1 ");
  EXPECT_EQ(LogPrefix("bad id"), "");
  EXPECT_EQ(LogPrefix(""), "");
}

}  // namespace
}  // namespace mcp_oauth::request_id
