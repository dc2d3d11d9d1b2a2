#include "auth/oidc/provider.h"

#include <deque>
#include <map>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "auth/clock.h"
#include "auth/oidc/curl_fetcher.h"
#include "auth/oidc/test_signer.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth::oidc {
namespace {

using nlohmann::json;
using testing::TestSigner;

constexpr char kIssuer[] = "https://idp.example.com";
constexpr char kRedirect[] = "https://mcp.example.com/login/oidc/callback";

// Answers by URL from a table; records every request.
class FakeFetcher final : public HttpFetcher {
 public:
  absl::StatusOr<HttpResponse> Fetch(const HttpRequest& request) override {
    requests.push_back(request);
    auto it = answers.find(request.url);
    if (it == answers.end()) return absl::UnavailableError("connection refused");
    return it->second;
  }
  int Count(const std::string& url) const {
    int n = 0;
    for (const HttpRequest& r : requests) n += r.url == url;
    return n;
  }

  std::map<std::string, absl::StatusOr<HttpResponse>> answers;
  std::vector<HttpRequest> requests;
};

json Discovery() {
  return {{"issuer", kIssuer},
          {"authorization_endpoint", "https://idp.example.com/auth"},
          {"token_endpoint", "https://idp.example.com/token"},
          {"jwks_uri", "https://idp.example.com/jwks"},
          {"token_endpoint_auth_methods_supported", {"client_secret_basic", "client_secret_post"}}};
}

class ProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key1_ = new TestSigner(TestSigner::Rsa("k1"));
    key2_ = new TestSigner(TestSigner::P256("k2"));
  }
  static void TearDownTestSuite() {
    delete key1_;
    delete key2_;
  }

  void SetUp() override {
    config_.id = "corp";
    config_.issuer = kIssuer;
    config_.client_id = "mcp-gateway";
    config_.client_secret = "s3cr:t";
    Serve("/.well-known/openid-configuration", Discovery());
    PublishKeys({key1_});
  }

  void Serve(const std::string& path, const json& body, int status = 200) {
    HttpResponse response;
    response.status = status;
    response.body = body.dump();
    fetcher_.answers[kIssuer + path] = response;
  }
  void PublishKeys(std::initializer_list<const TestSigner*> keys) {
    json doc = {{"keys", json::array()}};
    for (const TestSigner* k : keys) doc["keys"].push_back(k->PublicJwk());
    Serve("/jwks", doc);
  }
  json Claims() {
    int64_t now = absl::ToUnixSeconds(clock_.Now());
    return {{"iss", kIssuer},
            {"aud", "mcp-gateway"},
            {"sub", "u-42"},
            {"nonce", "the-nonce"},
            {"iat", now},
            {"exp", now + 300},
            {"email", "Jane@Example.com"},
            {"email_verified", true},
            {"groups", {"staff", "mcp-users"}}};
  }
  void IssueToken(const std::string& id_token, int status = 200) {
    Serve("/token",
          {{"access_token", "upstream-at"}, {"token_type", "Bearer"}, {"id_token", id_token}},
          status);
  }
  absl::StatusOr<UpstreamIdentity> Redeem(OidcProvider& p) {
    return p.Redeem("the-code", "the-verifier", kRedirect, "the-nonce");
  }

  static TestSigner* key1_;
  static TestSigner* key2_;
  ProviderConfig config_;
  FakeFetcher fetcher_;
  FakeClock clock_;
};

TestSigner* ProviderTest::key1_ = nullptr;
TestSigner* ProviderTest::key2_ = nullptr;

TEST_F(ProviderTest, AuthorizationUrlFromDiscoveryCached) {
  OidcProvider provider(config_, &fetcher_, &clock_);
  auto url = provider.AuthorizationUrl(kRedirect, "st", "no", "ch");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(*url,
            "https://idp.example.com/auth?response_type=code&client_id=mcp-gateway&redirect_uri="
            "https%3A%2F%2Fmcp.example.com%2Flogin%2Foidc%2Fcallback&scope=openid%20email%"
            "20profile&state=st&nonce=no&code_challenge=ch&code_challenge_method=S256");
  ASSERT_TRUE(provider.AuthorizationUrl(kRedirect, "a", "b", "c").ok());
  EXPECT_EQ(fetcher_.Count(absl::StrCat(kIssuer, "/.well-known/openid-configuration")), 1);
  clock_.Advance(kMetadataLifetime);
  ASSERT_TRUE(provider.AuthorizationUrl(kRedirect, "a", "b", "c").ok());
  EXPECT_EQ(fetcher_.Count(absl::StrCat(kIssuer, "/.well-known/openid-configuration")), 2);
}

TEST_F(ProviderTest, DiscoveryMustBeTheIssuersAndHttps) {
  json doc = Discovery();
  doc["issuer"] = "https://evil.example.com";
  Serve("/.well-known/openid-configuration", doc);
  OidcProvider a(config_, &fetcher_, &clock_);
  EXPECT_EQ(a.AuthorizationUrl(kRedirect, "s", "n", "c").status().code(),
            absl::StatusCode::kUnavailable);
  doc = Discovery();
  doc["token_endpoint"] = "http://idp.example.com/token";
  Serve("/.well-known/openid-configuration", doc);
  OidcProvider b(config_, &fetcher_, &clock_);
  auto status = b.AuthorizationUrl(kRedirect, "s", "n", "c").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(status.message(), "token_endpoint is not an https URL"));
  fetcher_.answers.clear();
  OidcProvider down(config_, &fetcher_, &clock_);
  EXPECT_EQ(down.AuthorizationUrl(kRedirect, "s", "n", "c").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(ProviderTest, RedeemsWithBasicAuthAndValidates) {
  OidcProvider provider(config_, &fetcher_, &clock_);
  IssueToken(key1_->Sign("RS256", Claims()));
  auto identity = Redeem(provider);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->subject, "corp:u-42");
  EXPECT_EQ(identity->username, "Jane@Example.com");
  const HttpRequest& token = fetcher_.requests.back().url == absl::StrCat(kIssuer, "/jwks")
                                 ? fetcher_.requests[fetcher_.requests.size() - 2]
                                 : fetcher_.requests.back();
  ASSERT_EQ(token.url, absl::StrCat(kIssuer, "/token"));
  EXPECT_TRUE(token.post);
  EXPECT_EQ(token.body,
            "grant_type=authorization_code&code=the-code&redirect_uri=https%3A%2F%2Fmcp.example."
            "com%2Flogin%2Foidc%2Fcallback&code_verifier=the-verifier");
  bool basic = false;
  for (const auto& [name, value] : token.headers) {
    // base64("mcp-gateway:s3cr%3At")
    basic = basic || (name == "Authorization" && value == "Basic bWNwLWdhdGV3YXk6czNjciUzQXQ=");
  }
  EXPECT_TRUE(basic);
}

TEST_F(ProviderTest, ClientSecretPostWhenOnlyOffered) {
  json doc = Discovery();
  doc["token_endpoint_auth_methods_supported"] = {"client_secret_post"};
  Serve("/.well-known/openid-configuration", doc);
  OidcProvider provider(config_, &fetcher_, &clock_);
  IssueToken(key1_->Sign("RS256", Claims()));
  ASSERT_TRUE(Redeem(provider).ok());
  const HttpRequest* token = nullptr;
  for (const HttpRequest& r : fetcher_.requests) {
    if (r.url == absl::StrCat(kIssuer, "/token")) token = &r;
  }
  ASSERT_NE(token, nullptr);
  EXPECT_TRUE(absl::StrContains(token->body, "&client_id=mcp-gateway&client_secret=s3cr%3At"));
  for (const auto& header : token->headers) EXPECT_NE(header.first, "Authorization");
}

TEST_F(ProviderTest, KeyRotationRefetchesOnceRateLimited) {
  OidcProvider provider(config_, &fetcher_, &clock_);
  std::string jwks = absl::StrCat(kIssuer, "/jwks");
  IssueToken(key1_->Sign("RS256", Claims()));
  ASSERT_TRUE(Redeem(provider).ok());
  EXPECT_EQ(fetcher_.Count(jwks), 1);
  // The provider rotates to k2: the unknown kid refetches the JWKS at once.
  PublishKeys({key1_, key2_});
  IssueToken(key2_->Sign("ES256", Claims()));
  ASSERT_TRUE(Redeem(provider).ok());
  EXPECT_EQ(fetcher_.Count(jwks), 2);
  // A token under a kid nobody publishes: one refetch at most per interval.
  TestSigner stranger = TestSigner::P256("k3");
  IssueToken(stranger.Sign("ES256", Claims()));
  auto refused = Redeem(provider);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "unknown_key"));
  EXPECT_EQ(fetcher_.Count(jwks), 2);  // within the interval of the last refetch
  clock_.Advance(kJwksRefetchInterval);
  EXPECT_FALSE(Redeem(provider).ok());
  EXPECT_EQ(fetcher_.Count(jwks), 3);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Redeem(provider).ok());
  EXPECT_EQ(fetcher_.Count(jwks), 3);
}

TEST_F(ProviderTest, RefusedTokensAndFailuresNeverEchoSecrets) {
  OidcProvider provider(config_, &fetcher_, &clock_);
  std::vector<absl::Status> seen;
  auto redeem = [&] {
    seen.push_back(Redeem(provider).status());
    return seen.back();
  };
  json claims = Claims();
  claims["aud"] = "someone-else";
  std::string wrong_aud = key1_->Sign("RS256", claims);
  IssueToken(wrong_aud);
  auto status = redeem();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(status.message(), "wrong_audience")) << status;
  claims = Claims();
  claims["exp"] = absl::ToUnixSeconds(clock_.Now()) - 3600;
  claims["iat"] = absl::ToUnixSeconds(clock_.Now()) - 3900;
  IssueToken(key1_->Sign("RS256", claims));
  status = redeem();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(status.message(), "expired")) << status;
  claims = Claims();
  claims["nonce"] = "other";
  IssueToken(key1_->Sign("RS256", claims));
  status = redeem();
  EXPECT_TRUE(absl::StrContains(status.message(), "wrong_nonce")) << status;
  Serve("/token", {{"error", "invalid_grant"}}, 400);
  status = redeem();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(status.message(), "invalid_grant")) << status;
  Serve("/token", json::object(), 503);
  EXPECT_EQ(redeem().code(), absl::StatusCode::kUnavailable);
  fetcher_.answers[absl::StrCat(kIssuer, "/token")] = absl::DeadlineExceededError("slow");
  EXPECT_EQ(redeem().code(), absl::StatusCode::kDeadlineExceeded);
  for (const absl::Status& s : seen) {
    for (const std::string& secret :
         {std::string("the-code"), std::string("the-verifier"), std::string("s3cr:t"), wrong_aud}) {
      EXPECT_FALSE(absl::StrContains(s.message(), secret)) << s;
    }
  }
}

TEST_F(ProviderTest, AdmissionRules) {
  config_.allowed_email_domains = {"example.com"};
  config_.required_claims = {{"groups", "mcp-users"}};
  OidcProvider provider(config_, &fetcher_, &clock_);
  IssueToken(key1_->Sign("RS256", Claims()));
  EXPECT_TRUE(Redeem(provider).ok());
  json claims = Claims();
  claims["email"] = "jane@elsewhere.org";
  IssueToken(key1_->Sign("RS256", claims));
  auto status = Redeem(provider).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(status.message(), "\"elsewhere.org\" is not allowed"));
  claims = Claims();
  claims["email_verified"] = false;
  IssueToken(key1_->Sign("RS256", claims));
  EXPECT_EQ(Redeem(provider).status().code(), absl::StatusCode::kPermissionDenied);
  claims = Claims();
  claims["groups"] = {"staff"};
  IssueToken(key1_->Sign("RS256", claims));
  EXPECT_EQ(Redeem(provider).status().code(), absl::StatusCode::kPermissionDenied);
  claims = Claims();
  claims["groups"] = "mcp-users";
  claims.erase("email");  // username falls back to sub... but the domain rule needs email
  IssueToken(key1_->Sign("RS256", claims));
  EXPECT_EQ(Redeem(provider).status().code(), absl::StatusCode::kPermissionDenied);
  config_.allowed_email_domains.clear();
  OidcProvider no_domain(config_, &fetcher_, &clock_);
  auto identity = Redeem(no_domain);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->username, "u-42");
}

TEST(CurlFetcherTest, OnlyHttpsOrLoopbackHttp) {
  EXPECT_TRUE(IsFetchableUrl("https://idp.example.com/x"));
  EXPECT_TRUE(IsFetchableUrl("http://127.0.0.1:8080/x"));
  EXPECT_TRUE(IsFetchableUrl("http://localhost/x"));
  EXPECT_FALSE(IsFetchableUrl("http://idp.example.com/x"));
  EXPECT_FALSE(IsFetchableUrl("file:///etc/passwd"));
  EXPECT_FALSE(IsFetchableUrl("https://idp.example.com/x#f"));
  EXPECT_FALSE(IsFetchableUrl("gopher://idp.example.com/"));
  CurlFetcher fetcher({});
  EXPECT_EQ(fetcher.Fetch(GetRequest("file:///etc/passwd")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mcp_oauth::auth::oidc
