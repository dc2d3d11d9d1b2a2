#include "mcp/protocol/http_checks.h"

#include <gtest/gtest.h>

namespace mcp_oauth::mcp {
namespace {

TEST(AcceptTest, MatchesTypesAndWildcards) {
  EXPECT_TRUE(AcceptsMediaType("application/json, text/event-stream", "application/json"));
  EXPECT_TRUE(AcceptsMediaType("application/json, text/event-stream", "text/event-stream"));
  EXPECT_TRUE(AcceptsMediaType("*/*", "text/event-stream"));
  EXPECT_TRUE(AcceptsMediaType("text/*;q=0.5", "text/event-stream"));
  EXPECT_TRUE(AcceptsMediaType("Application/JSON; charset=utf-8", "application/json"));
  EXPECT_FALSE(AcceptsMediaType("application/json", "text/event-stream"));
  EXPECT_FALSE(AcceptsMediaType("", "application/json"));
  EXPECT_FALSE(AcceptsMediaType("text/event-stream;q=0", "text/event-stream"));
  EXPECT_FALSE(AcceptsMediaType("application/jsonx", "application/json"));
}

// The cases the in-place comparison could get wrong: case, spaces inside a
// zero quality, a wildcard of another type, a long parameter.
TEST(AcceptTest, ComparesWithoutCaseOrSpaces) {
  EXPECT_TRUE(AcceptsMediaType("TEXT/*", "text/event-stream"));
  EXPECT_TRUE(AcceptsMediaType(" */* ;q=1", "application/json"));
  EXPECT_FALSE(AcceptsMediaType("text/event-stream; Q = 0.00", "text/event-stream"));
  EXPECT_FALSE(AcceptsMediaType("application/json;charset=x; q=0.000", "application/json"));
  EXPECT_TRUE(AcceptsMediaType("application/json; q=0.0001", "application/json"));
  EXPECT_TRUE(
      AcceptsMediaType("application/json;profile=averyveryverylongvalue", "application/json"));
  EXPECT_FALSE(AcceptsMediaType("application/*", "text/event-stream"));
  EXPECT_FALSE(AcceptsMediaType("tex/*", "text/event-stream"));
  EXPECT_FALSE(AcceptsMediaType("text/*x", "text/event-stream"));
  EXPECT_TRUE(AcceptsMediaType("text/plain, text/event-stream;q=0, text/*", "text/event-stream"));
}

TEST(ContentTypeTest, IgnoresParameters) {
  EXPECT_TRUE(IsContentType("application/json", "application/json"));
  EXPECT_TRUE(IsContentType("Application/Json ; charset=UTF-8", "application/json"));
  EXPECT_FALSE(IsContentType("text/plain", "application/json"));
  EXPECT_FALSE(IsContentType("", "application/json"));
}

TEST(OriginTest, ParsesOrigins) {
  OriginParts p;
  ASSERT_TRUE(ParseOrigin("HTTPS://Example.COM", &p));
  EXPECT_EQ(p.scheme, "https");
  EXPECT_EQ(p.host, "example.com");
  EXPECT_EQ(p.port, 443);
  ASSERT_TRUE(ParseOrigin("http://[::1]:8080/mcp?x", &p));
  EXPECT_EQ(p.host, "[::1]");
  EXPECT_EQ(p.port, 8080);
  EXPECT_FALSE(ParseOrigin("null", &p));
  EXPECT_FALSE(ParseOrigin("http://", &p));
  EXPECT_FALSE(ParseOrigin("http://a:99999", &p));
  EXPECT_FALSE(ParseOrigin("http://user@evil.com", &p));
}

TEST(HostPolicyTest, DefaultsAllowPublicAndLoopback) {
  HostPolicy policy("https://mcp.example.com", {"https://app.example.org"}, {}, true);
  EXPECT_TRUE(policy.OriginAllowed("https://mcp.example.com"));
  EXPECT_TRUE(policy.OriginAllowed("https://mcp.example.com:443"));
  EXPECT_FALSE(policy.OriginAllowed("https://mcp.example.com:8443"));
  EXPECT_FALSE(policy.OriginAllowed("http://mcp.example.com"));
  EXPECT_TRUE(policy.OriginAllowed("https://app.example.org"));
  EXPECT_TRUE(policy.OriginAllowed("http://localhost:5173"));
  EXPECT_TRUE(policy.OriginAllowed("http://127.0.0.1:6274"));
  EXPECT_TRUE(policy.OriginAllowed("https://[::1]"));
  EXPECT_FALSE(policy.OriginAllowed("https://evil.example.com"));
  EXPECT_FALSE(policy.OriginAllowed("null"));
  EXPECT_FALSE(policy.OriginAllowed("http://localhost.evil.com"));

  EXPECT_TRUE(policy.HostAllowed("mcp.example.com"));
  EXPECT_TRUE(policy.HostAllowed("MCP.example.com:443"));
  EXPECT_TRUE(policy.HostAllowed("localhost:9003"));
  EXPECT_TRUE(policy.HostAllowed("127.0.0.1"));
  EXPECT_TRUE(policy.HostAllowed("[::1]:9003"));
  EXPECT_FALSE(policy.HostAllowed("evil.example.com"));
  EXPECT_FALSE(policy.HostAllowed("evil.example.com:9003"));
}

TEST(HostPolicyTest, LoopbackCanBeDisabledAndHostsAdded) {
  HostPolicy strict("https://mcp.example.com", {}, {"internal.lan"}, false);
  EXPECT_FALSE(strict.OriginAllowed("http://localhost:5173"));
  EXPECT_FALSE(strict.HostAllowed("localhost"));
  EXPECT_TRUE(strict.HostAllowed("internal.lan:8080"));
  HostPolicy any("", {}, {"*"}, false);
  EXPECT_TRUE(any.HostAllowed("whatever.example"));
}

}  // namespace
}  // namespace mcp_oauth::mcp
