#include "common/http_headers.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace mcp_oauth {
namespace {

std::vector<std::pair<std::string, std::string>> Fields(const HttpHeaders& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : headers) out.emplace_back(name, value);
  return out;
}

TEST(HttpHeadersTest, KeepsFieldsInArrivalOrderWithLowerCaseNames) {
  HttpHeaders headers;
  headers.Add("Content-Type", "application/json");
  headers.Add("ACCEPT", "text/event-stream");
  headers.Add("accept", "Application/JSON");
  std::vector<std::pair<std::string, std::string>> expected = {{"content-type", "application/json"},
                                                               {"accept", "text/event-stream"},
                                                               {"accept", "Application/JSON"}};
  EXPECT_EQ(Fields(headers), expected);
  EXPECT_EQ(headers.size(), 3u);
}

TEST(HttpHeadersTest, LooksNamesUpInAnyCase) {
  HttpHeaders headers{{"Mcp-Session-Id", "abc"}, {"Accept", "a/b"}, {"accept", "c/d"}};
  EXPECT_EQ(headers.First("MCP-SESSION-ID"), "abc");
  EXPECT_EQ(headers.First("accept"), "a/b");
  EXPECT_EQ(headers.Get("Accept"), "a/b, c/d");  // repeated fields combined
  EXPECT_EQ(headers.Get("mcp-session-id"), "abc");
  EXPECT_EQ(headers.Count("ACCEPT"), 2);
  EXPECT_TRUE(headers.Has("Mcp-Session-ID"));
  EXPECT_FALSE(headers.Has("mcp-session"));
  EXPECT_EQ(headers.Get("origin"), std::nullopt);
  EXPECT_EQ(headers.First("origin"), "");
  EXPECT_EQ(headers.Count("origin"), 0);
}

TEST(HttpHeadersTest, GetViewJoinsOnlyRepeatedFields) {
  HttpHeaders headers{{"Accept", "a/b"}, {"Mcp-Session-Id", "abc"}, {"ACCEPT", "c/d"}};
  std::string joined = "stale";
  EXPECT_EQ(headers.GetView("mcp-session-id", &joined), "abc");
  EXPECT_EQ(joined, "stale");  // one field: a view of it, nothing copied
  EXPECT_EQ(headers.GetView("Accept", &joined), "a/b, c/d");
  EXPECT_EQ(joined, "a/b, c/d");
  EXPECT_EQ(headers.GetView("origin", &joined), std::nullopt);
}

TEST(HttpHeadersTest, LooksUpLongNamesInAnyCase) {
  const std::string name(100, 'X');
  HttpHeaders headers{{name, "long"}, {"x", "short"}};
  EXPECT_EQ(headers.First(std::string(100, 'x')), "long");
  EXPECT_EQ(headers.First("X"), "short");
  EXPECT_FALSE(headers.Has(std::string(99, 'x')));
}

TEST(HttpHeadersTest, EmptyValuesArePresent) {
  HttpHeaders headers{{"X-Empty", ""}};
  EXPECT_TRUE(headers.Has("x-empty"));
  EXPECT_EQ(headers.Get("x-empty"), "");
}

TEST(HttpHeadersTest, SetReplacesEveryFieldOfTheNameAndRemoveDropsThem) {
  HttpHeaders headers{{"Accept", "a/b"}, {"Host", "h"}, {"accept", "c/d"}};
  headers.Set("ACCEPT", "*/*");
  EXPECT_EQ(headers.Get("accept"), "*/*");
  EXPECT_EQ(headers.Count("accept"), 1);
  EXPECT_EQ(headers.First("host"), "h");
  headers.Remove("Host");
  EXPECT_FALSE(headers.Has("host"));
  std::vector<std::pair<std::string, std::string>> expected = {{"accept", "*/*"}};
  EXPECT_EQ(Fields(headers), expected);
}

TEST(HttpHeadersTest, SurvivesCopiesAndMoves) {
  HttpHeaders headers;
  for (int i = 0; i < 50; ++i) headers.Add("X-Field-" + std::to_string(i), std::to_string(i));
  HttpHeaders copy = headers;
  HttpHeaders moved = std::move(headers);
  EXPECT_EQ(copy.First("x-field-49"), "49");
  EXPECT_EQ(moved.First("X-Field-7"), "7");
  EXPECT_EQ(Fields(copy), Fields(moved));
  HttpHeaders small{{"A", "b"}};
  HttpHeaders small_moved = std::move(small);  // short buffers live inside the object
  EXPECT_EQ(small_moved.First("a"), "b");
}

}  // namespace
}  // namespace mcp_oauth
