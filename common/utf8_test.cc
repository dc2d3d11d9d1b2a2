#include "common/utf8.h"

#include "gtest/gtest.h"

namespace mcp_oauth::utf8 {
namespace {

TEST(Utf8Test, CountsAndRejects) {
  EXPECT_EQ(*CountCodePoints(""), 0u);
  EXPECT_EQ(*CountCodePoints("abc"), 3u);
  EXPECT_EQ(*CountCodePoints("\xE2\x82\xAC"), 1u);
  EXPECT_FALSE(CountCodePoints("\xE0\x80\xAF").ok());      // overlong
  EXPECT_FALSE(CountCodePoints("\xED\xA0\x80").ok());      // surrogate
  EXPECT_FALSE(CountCodePoints("\xF4\x90\x80\x80").ok());  // > U+10FFFF
  EXPECT_FALSE(CountCodePoints("\xE2\x82").ok());          // truncated
  EXPECT_FALSE(CountCodePoints("\x80").ok());              // stray continuation
}

TEST(Utf8Test, IsValid) {
  EXPECT_TRUE(IsValid(""));
  EXPECT_TRUE(IsValid("J\xc3\xbcrgen"));
  EXPECT_TRUE(IsValid("\xF0\x9F\x8C\x8D"));
  EXPECT_FALSE(IsValid("\xff"));
  EXPECT_FALSE(IsValid("\xC0\xAF"));  // overlong '/'
  EXPECT_FALSE(IsValid("ok\xED\xA0\x80"));
}

}  // namespace
}  // namespace mcp_oauth::utf8
