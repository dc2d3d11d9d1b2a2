#include "mcp/protocol/json_body.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

// Equal values of equal types all the way down (json's operator== calls 1
// and 1u equal; the DOM the endpoint reads must not differ even there).
bool SameDom(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
      if (it.key() != jt.key() || !SameDom(it.value(), jt.value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameDom(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

json Reference(const std::string& text) { return json::parse(text, nullptr, false); }

// ParseJsonBody answers what nlohmann answers, and the fast path, when it
// takes the text, builds the very same DOM.
void ExpectLikeNlohmann(const std::string& text) {
  SCOPED_TRACE(text);
  const json expected = Reference(text);
  const json actual = ParseJsonBody(text);
  ASSERT_EQ(actual.is_discarded(), expected.is_discarded());
  if (!expected.is_discarded()) {
    EXPECT_TRUE(SameDom(actual, expected)) << actual.dump();
  }
  json plain;
  if (ParsePlainJson(text, &plain)) {
    ASSERT_FALSE(expected.is_discarded());
    EXPECT_TRUE(SameDom(plain, expected)) << plain.dump();
  }
}

TEST(ParsePlainJsonTest, TakesTheMessagesClientsSend) {
  const std::string call =
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo",)"
      R"("arguments":{"message":"hello"}}})";
  json message;
  ASSERT_TRUE(ParsePlainJson(call, &message));
  EXPECT_TRUE(SameDom(message, Reference(call)));
  EXPECT_TRUE(message["id"].is_number_unsigned());

  const std::string spaced = " {\n\t\"a\" : [ 1 , -2 , true , false , null , { } , [ ] ] }\r\n";
  ASSERT_TRUE(ParsePlainJson(spaced, &message));
  EXPECT_TRUE(SameDom(message, Reference(spaced)));
  EXPECT_TRUE(message["a"][1].is_number_integer());
}

TEST(ParsePlainJsonTest, LeavesEverythingElseToNlohmann) {
  for (const std::string text : {
           R"({"a":"\n"})",          // an escape
           "{\"a\":\"h\xC3\xA9\"}",  // non-ASCII (UTF-8 validated by nlohmann)
           "{\"a\":\"\x01\"}",       // a control character
           R"({"a":1.5})",
           R"({"a":1e3})",
           R"({"a":1E3})",                  // not integers
           R"({"a":1234567890123456789})",  // 19 digits
           R"({"a":01})",
           R"({"a":-})",
           R"({"a":+1})",  // malformed numbers
           R"({"a":1,})",
           R"([1,])",
           R"({"a" 1})",
           R"({a:1})",
           R"({"a":1)",
           R"({"a":tru})",
           R"({"a":nul})",
           "",
           " ",
           "{} {}",
           "\xEF\xBB\xBF{}",
       }) {
    json out;
    EXPECT_FALSE(ParsePlainJson(text, &out)) << text;
    ExpectLikeNlohmann(text);
  }
}

TEST(ParsePlainJsonTest, KeepsNlohmannsNumberTypesAndRepeatedKeys) {
  for (const std::string text : {
           "0",
           "-0",
           "7",
           "-7",
           "123456789012345678",
           "-123456789012345678",
           R"({"a":1,"a":"two"})",
           R"({"a":{"b":1},"a":[2]})",
           R"({"":""})",
           "[[[]]]",
           R"("text")",
           "true",
           "null",
       }) {
    json out;
    EXPECT_TRUE(ParsePlainJson(text, &out)) << text;
    ExpectLikeNlohmann(text);
  }
}

TEST(ParsePlainJsonTest, DeepDocumentsGoToNlohmann) {
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  json out;
  EXPECT_FALSE(ParsePlainJson(deep, &out));
  ExpectLikeNlohmann(deep);
  const std::string within = std::string(100, '[') + std::string(100, ']');
  EXPECT_TRUE(ParsePlainJson(within, &out));
  ExpectLikeNlohmann(within);
}

// Random token soup, mostly near-JSON: wherever the fast path answers, it
// answers exactly what nlohmann does.
TEST(ParsePlainJsonTest, AgreesWithNlohmannOnRandomText) {
  const std::vector<std::string> tokens = {"{",
                                           "}",
                                           "[",
                                           "]",
                                           ",",
                                           ":",
                                           "\"k\"",
                                           "\"id\"",
                                           "\"\"",
                                           "\"a b\"",
                                           "0",
                                           "1",
                                           "-1",
                                           "10",
                                           "007",
                                           "1.0",
                                           "2e5",
                                           "true",
                                           "false",
                                           "null",
                                           " ",
                                           "\n",
                                           "\"\\u00e9\"",
                                           "\"\\\"\"",
                                           "x",
                                           "\"",
                                           "-",
                                           "\t",
                                           "\"\xC3\xA9\"",
                                           "99999999999999999999"};
  std::mt19937 random(20261202);
  int taken = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int length = 1 + static_cast<int>(random() % 14);
    for (int j = 0; j < length; ++j) text += tokens[random() % tokens.size()];
    json out;
    if (ParsePlainJson(text, &out)) ++taken;
    ExpectLikeNlohmann(text);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(taken, 100);  // the comparison covered the fast path, not only fallbacks
}

}  // namespace
}  // namespace mcp_oauth::mcp
