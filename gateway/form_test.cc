#include "gateway/form.h"

#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

TEST(FormTest, ParsesPairsWithEscapesAndPlus) {
  auto form = ParseForm("a=1&b=two+words&c=%41%2b&empty=&flag");
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(form->Get("a"), "1");
  EXPECT_EQ(form->Get("b"), "two words");
  EXPECT_EQ(form->Get("c"), "A+");
  EXPECT_TRUE(form->Has("empty"));
  EXPECT_EQ(form->Get("empty"), "");
  EXPECT_TRUE(form->Has("flag"));
  EXPECT_FALSE(form->Has("missing"));
  EXPECT_FALSE(form->HasDuplicates());
}

TEST(FormTest, RejectsMalformedEscapes) {
  EXPECT_FALSE(ParseForm("a=%4").has_value());
  EXPECT_FALSE(ParseForm("a=%").has_value());
  EXPECT_FALSE(ParseForm("a=%zz").has_value());
  EXPECT_FALSE(ParseForm("%g1=x").has_value());
}

// Found while triaging a tests/fuzz/authorize_fuzzer finding: non-UTF-8
// parameters reached the proto3 string fields of AuthService requests, which
// gRPC then refused to carry (501 instead of 400).
TEST(FormTest, RejectsNamesAndValuesThatAreNotUtf8) {
  EXPECT_FALSE(ParseForm("state=%FF").has_value());
  EXPECT_FALSE(ParseForm("a=1&%C3=x").has_value());
  EXPECT_FALSE(ParseForm("scope=%ED%A0%80").has_value());  // a surrogate
  EXPECT_FALSE(ParseForm("s=\xc3\x28").has_value());       // raw bytes, not escaped
  auto form = ParseForm("name=J%C3%BCrgen&emoji=%F0%9F%8C%8D");
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(form->Get("name"), "J\xc3\xbcrgen");
}

TEST(FormTest, DetectsDuplicates) {
  auto form = ParseForm("resource=a&resource=b&state=1");
  ASSERT_TRUE(form.has_value());
  EXPECT_TRUE(form->HasDuplicates());
  EXPECT_FALSE(form->HasDuplicatesExcept({"resource"}));
  EXPECT_EQ(form->GetAll("resource"), (std::vector<std::string>{"a", "b"}));
  auto twice = ParseForm("state=1&state=2");
  EXPECT_TRUE(twice->HasDuplicatesExcept({"resource"}));
}

TEST(FormTest, LimitsPairCount) {
  std::string many;
  for (int i = 0; i < 300; ++i) many += "k" + std::to_string(i) + "=v&";
  EXPECT_FALSE(ParseForm(many).has_value());
  EXPECT_TRUE(ParseForm(many, 1000).has_value());
}

TEST(FormTest, PercentEncodeRoundTrips) {
  std::string raw = "a b&c=d/é?#%~._-";
  EXPECT_EQ(PercentEncode(raw), "a%20b%26c%3Dd%2F%C3%A9%3F%23%25~._-");
  EXPECT_EQ(PercentDecode(PercentEncode(raw), false), raw);
}

}  // namespace
}  // namespace mcp_oauth::gateway
