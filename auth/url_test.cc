#include "auth/url.h"

#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

TEST(ParseUrlTest, SplitsParts) {
  auto url = ParseUrl("http://[::1]:8080/cb?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "[::1]");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->path, "/cb");
  EXPECT_TRUE(url->has_query);
  EXPECT_EQ(url->query, "x=1");
}

TEST(ParseUrlTest, RejectsBadInput) {
  EXPECT_FALSE(ParseUrl("").ok());
  EXPECT_FALSE(ParseUrl("/relative").ok());
  EXPECT_FALSE(ParseUrl("http://user@host/").ok());
  EXPECT_FALSE(ParseUrl("http://host:abc/").ok());
  EXPECT_FALSE(ParseUrl("http://ho st/").ok());
  EXPECT_FALSE(IsValidRedirectUri("http://host/cb#frag"));
  EXPECT_TRUE(IsValidRedirectUri("cursor://anysphere.cursor-retrieval/oauth/callback"));
}

TEST(RedirectUriMatchesTest, ExactAndLoopbackPorts) {
  EXPECT_TRUE(RedirectUriMatches("https://app.example/cb", "https://app.example/cb"));
  EXPECT_FALSE(RedirectUriMatches("https://app.example/cb", "https://app.example/cb/"));
  EXPECT_FALSE(RedirectUriMatches("https://app.example:1/cb", "https://app.example:2/cb"));
  EXPECT_TRUE(RedirectUriMatches("http://127.0.0.1/cb", "http://127.0.0.1:53211/cb"));
  EXPECT_TRUE(RedirectUriMatches("http://localhost:3000/cb", "http://localhost:4000/cb"));
  EXPECT_TRUE(RedirectUriMatches("http://[::1]:1/cb", "http://[::1]:2/cb"));
  EXPECT_FALSE(RedirectUriMatches("http://localhost:3000/cb", "http://localhost:4000/other"));
  EXPECT_FALSE(RedirectUriMatches("http://localhost:3000/cb", "http://127.0.0.1:3000/cb"));
  EXPECT_FALSE(RedirectUriMatches("https://localhost:3000/cb", "https://localhost:4000/cb"));
  EXPECT_FALSE(RedirectUriMatches("http://evil.example:3000/cb", "http://evil.example:4000/cb"));
}

TEST(NormalizeResourceTest, Normalises) {
  EXPECT_EQ(*NormalizeResource("HTTP://LocalHost:80/mcp/"), "http://localhost/mcp");
  EXPECT_EQ(*NormalizeResource("https://h.example:443/mcp"), "https://h.example/mcp");
  EXPECT_EQ(*NormalizeResource("http://localhost:9003/mcp"), "http://localhost:9003/mcp");
  EXPECT_EQ(*NormalizeResource("http://localhost:9003/"), "http://localhost:9003");
  EXPECT_FALSE(NormalizeResource("http://localhost/mcp#x").ok());
  EXPECT_FALSE(NormalizeResource("urn:x:y").ok());
}

TEST(QueryTest, EncodesAndAppends) {
  EXPECT_EQ(PercentEncode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
  EXPECT_EQ(AppendQueryParameters("http://h/cb", {{"code", "x y"}, {"state", "&"}}),
            "http://h/cb?code=x%20y&state=%26");
  EXPECT_EQ(AppendQueryParameters("http://h/cb?a=1", {{"code", "c"}}), "http://h/cb?a=1&code=c");
  EXPECT_EQ(AppendQueryParameters("http://h/cb?", {{"code", "c"}}), "http://h/cb?code=c");
  EXPECT_EQ(HostAndPort("http://localhost:3000/cb"), "localhost:3000");
}

}  // namespace
}  // namespace mcp_oauth::auth
