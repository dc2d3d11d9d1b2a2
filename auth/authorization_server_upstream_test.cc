// AuthorizationServer's sign-in through an upstream OpenID provider, without
// sockets: the provider's endpoints are a fake HttpFetcher, its ID tokens
// are signed by a key made here. What each failure gives the browser and the
// client, and that nothing is left to continue a failed attempt.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/authorization_server.h"
#include "auth/memory_store.h"
#include "auth/oauth_error.h"
#include "auth/oidc/http_fetcher.h"
#include "auth/oidc/test_signer.h"
#include "auth/secret_hash.h"
#include "common/crypto.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

using nlohmann::json;
using oidc::testing::TestSigner;

constexpr char kIssuer[] = "http://localhost:9003";
constexpr char kIdp[] = "https://idp.example.com";
constexpr char kAppRedirect[] = "https://app.example/callback";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr char kUpstreamSecret[] = "upstream-s3cret";
constexpr char kUpstreamCode[] = "upstream-code-7f3a";

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string::npos) return out;
  for (absl::string_view pair : absl::StrSplit(url.substr(q + 1), '&')) {
    std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    out[PercentDecode(kv[0])] = kv.size() > 1 ? PercentDecode(kv[1]) : "";
  }
  return out;
}

// The provider's endpoints by URL; anything else is unreachable.
class FakeIdp final : public oidc::HttpFetcher {
 public:
  absl::StatusOr<oidc::HttpResponse> Fetch(const oidc::HttpRequest& request) override {
    auto it = answers.find(request.url);
    if (it == answers.end()) return absl::UnavailableError("connection refused");
    return it->second;
  }
  void Serve(const std::string& path, const json& body, int status = 200) {
    oidc::HttpResponse response;
    response.status = status;
    response.body = body.dump();
    answers[kIdp + path] = response;
  }
  std::map<std::string, absl::StatusOr<oidc::HttpResponse>> answers;
};

class UpstreamSignInTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { key_ = new TestSigner(TestSigner::Rsa("k1")); }
  static void TearDownTestSuite() { delete key_; }

  UpstreamSignInTest() {
    AuthOptions o;
    o.public_url = kIssuer;
    ClientConfig client;
    client.client_id = "app";
    client.secret_hash = HashSecret("app-secret", 1000);
    client.redirect_uris = {kAppRedirect};
    client.allowed_scopes = {"user"};
    o.clients = {client};
    IdentityProviderConfig idp;
    idp.id = "corp";
    idp.display_name = "Corp SSO";
    idp.issuer = kIdp;
    idp.client_id = "mcp-gateway";
    idp.client_secret = kUpstreamSecret;
    idp.allowed_email_domains = {"example.com"};
    o.identity_providers = {idp};
    o.authorize_rate_per_second = 0;
    store_ = std::make_shared<MemoryStore>();
    clock_ = std::make_shared<FakeClock>();
    idp_ = std::make_shared<FakeIdp>();
    idp_->Serve("/.well-known/openid-configuration",
                {{"issuer", kIdp},
                 {"authorization_endpoint", absl::StrCat(kIdp, "/auth")},
                 {"token_endpoint", absl::StrCat(kIdp, "/token")},
                 {"jwks_uri", absl::StrCat(kIdp, "/jwks")}});
    idp_->Serve("/jwks", {{"keys", {key_->PublicJwk()}}});
    server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
    server_->EnableUpstreamSignIn(idp_);
  }

  // /authorize, then the provider button; returns the provider's URL and
  // sets authorization_id_.
  std::string StartAtProvider() {
    v1::StartAuthorizationRequest r;
    r.set_response_type("code");
    r.set_client_id("app");
    r.set_redirect_uri(kAppRedirect);
    r.set_state("client-state");
    r.set_code_challenge(crypto::Base64UrlEncode(crypto::Sha256(kVerifier)));
    r.set_code_challenge_method("S256");
    auto started = server_->StartAuthorization(r);
    EXPECT_TRUE(started.ok()) << started.status();
    authorization_id_ = started.ok() ? started->authorization_id() : "";
    auto upstream = StartUpstream("corp");
    EXPECT_TRUE(upstream.ok()) << upstream.status();
    return upstream.ok() ? upstream->redirect_to() : "";
  }
  absl::StatusOr<v1::StartUpstreamSignInResponse> StartUpstream(const std::string& provider) {
    v1::DescribeAuthorizationRequest d;
    d.set_authorization_id(authorization_id_);
    auto described = server_->DescribeAuthorization(d);
    v1::StartUpstreamSignInRequest s;
    s.set_authorization_id(authorization_id_);
    s.set_csrf_token(described.ok() ? described->csrf_token() : "");
    s.set_provider_id(provider);
    return server_->StartUpstreamSignIn(s);
  }

  json Claims(const std::string& nonce) {
    int64_t now = absl::ToUnixSeconds(clock_->Now());
    return {{"iss", kIdp},
            {"aud", "mcp-gateway"},
            {"sub", "u-42"},
            {"nonce", nonce},
            {"iat", now},
            {"exp", now + 300},
            {"email", "jane@example.com"},
            {"email_verified", true}};
  }
  void IssueIdToken(const json& claims) {
    id_token_ = key_->Sign("RS256", claims);
    idp_->Serve(
        "/token",
        {{"access_token", "upstream-at"}, {"token_type", "Bearer"}, {"id_token", id_token_}});
  }

  absl::StatusOr<v1::FinishUpstreamSignInResponse> Finish(const std::string& state,
                                                          const std::string& code = kUpstreamCode,
                                                          const std::string& error = "") {
    v1::FinishUpstreamSignInRequest f;
    f.set_state(state);
    f.set_code(code);
    f.set_error(error);
    return server_->FinishUpstreamSignIn(f);
  }

  // The OAuthError of a failed call.
  static v1::OAuthError ErrorOf(const absl::Status& status) {
    EXPECT_FALSE(status.ok());
    std::optional<v1::OAuthError> e = GetOAuthError(status);
    EXPECT_TRUE(e.has_value()) << status;
    return e.value_or(v1::OAuthError());
  }

  // True while the pending authorization can still be continued.
  bool PendingAlive() {
    v1::DescribeAuthorizationRequest d;
    d.set_authorization_id(authorization_id_);
    return server_->DescribeAuthorization(d).ok();
  }

  static TestSigner* key_;
  std::shared_ptr<MemoryStore> store_;
  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<FakeIdp> idp_;
  std::unique_ptr<AuthorizationServer> server_;
  std::string authorization_id_;
  std::string id_token_;
};

TestSigner* UpstreamSignInTest::key_ = nullptr;

TEST_F(UpstreamSignInTest, SignsInAsProviderScopedSubject) {
  std::string to_provider = StartAtProvider();
  ASSERT_TRUE(absl::StartsWith(to_provider, absl::StrCat(kIdp, "/auth?"))) << to_provider;
  auto query = QueryOf(to_provider);
  EXPECT_EQ(query["redirect_uri"], absl::StrCat(kIssuer, "/login/oidc/callback"));
  EXPECT_EQ(query["code_challenge_method"], "S256");
  EXPECT_EQ(query["client_id"], "mcp-gateway");
  ASSERT_FALSE(query["state"].empty());
  ASSERT_FALSE(query["nonce"].empty());
  IssueIdToken(Claims(query["nonce"]));
  auto done = Finish(query["state"]);
  ASSERT_TRUE(done.ok()) << done.status();
  auto back = QueryOf(done->redirect_to());
  EXPECT_TRUE(absl::StartsWith(done->redirect_to(), kAppRedirect));
  EXPECT_EQ(back["state"], "client-state");
  EXPECT_EQ(back["iss"], kIssuer);
  v1::TokenRequest t;
  t.set_grant_type("authorization_code");
  t.mutable_client()->set_method(v1::ClientCredentials::CLIENT_SECRET_BASIC);
  t.mutable_client()->set_client_id("app");
  t.mutable_client()->set_client_secret("app-secret");
  t.set_code(back["code"]);
  t.set_redirect_uri(kAppRedirect);
  t.set_code_verifier(kVerifier);
  auto tokens = server_->Token(t);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  v1::IntrospectRequest i;
  *i.mutable_client() = t.client();
  i.set_token(tokens->access_token());
  auto introspection = server_->Introspect(i);
  ASSERT_TRUE(introspection.ok()) << introspection.status();
  EXPECT_TRUE(introspection->active());
  EXPECT_EQ(introspection->sub(), "corp:u-42");
  EXPECT_EQ(introspection->username(), "jane@example.com");
  // Our tokens, not the provider's.
  EXPECT_NE(tokens->access_token(), "upstream-at");
  EXPECT_EQ(tokens->access_token().find(id_token_), std::string::npos);
}

TEST_F(UpstreamSignInTest, EachFailureRedirectsTheClientAndEndsTheAttempt) {
  struct Case {
    const char* name;
    std::function<void(const std::string& nonce)> provider;
    std::string error;        // sent to the client
    std::string description;  // part of error_description
    std::string log;          // part of the log line
  };
  std::vector<Case> cases = {
      {"slow token endpoint",
       [&](const std::string&) {
         idp_->answers[absl::StrCat(kIdp, "/token")] = absl::DeadlineExceededError("slow");
       },
       "temporarily_unavailable", "could not be reached", "refused: slow"},
      {"token endpoint down",
       [&](const std::string&) { idp_->answers.erase(absl::StrCat(kIdp, "/token")); },
       "temporarily_unavailable", "could not be reached",
       "token endpoint of corp: connection refused"},
      {"wrong audience",
       [&](const std::string& nonce) {
         json c = Claims(nonce);
         c["aud"] = "someone-else";
         IssueIdToken(c);
       },
       "access_denied", "could not be verified", "wrong_audience"},
      {"expired ID token",
       [&](const std::string& nonce) {
         json c = Claims(nonce);
         c["exp"] = absl::ToUnixSeconds(clock_->Now()) - 3600;
         IssueIdToken(c);
       },
       "access_denied", "could not be verified", "expired"},
      {"nonce mismatch", [&](const std::string& nonce) { IssueIdToken(Claims(nonce + "x")); },
       "access_denied", "could not be verified", "wrong_nonce"},
      {"email domain not allowed",
       [&](const std::string& nonce) {
         json c = Claims(nonce);
         c["email"] = "jane@elsewhere.org";
         IssueIdToken(c);
       },
       "access_denied", "may not use this server", "not allowed"},
      {"the provider's token endpoint refuses the code",
       [&](const std::string&) {
         idp_->Serve("/token", {{"error", "invalid_grant"}}, 400);
       },
       "access_denied", "could not be verified", "invalid_grant"},
  };
  IssueIdToken(Claims(""));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto query = QueryOf(StartAtProvider());
    c.provider(query["nonce"]);
    ::testing::internal::CaptureStderr();
    auto done = Finish(query["state"]);
    std::string log = ::testing::internal::GetCapturedStderr();
    v1::OAuthError e = ErrorOf(done.status());
    EXPECT_EQ(e.http_status(), 302);
    auto back = QueryOf(e.redirect_to());
    EXPECT_TRUE(absl::StartsWith(e.redirect_to(), kAppRedirect)) << e.redirect_to();
    EXPECT_EQ(back["error"], c.error);
    EXPECT_TRUE(absl::StrContains(back["error_description"], c.description))
        << back["error_description"];
    EXPECT_EQ(back["state"], "client-state");
    EXPECT_EQ(back["iss"], kIssuer);
    EXPECT_EQ(back.count("code"), 0u);
    EXPECT_TRUE(absl::StrContains(log, "sign-in via corp refused")) << log;
    EXPECT_TRUE(absl::StrContains(log, c.log)) << log;
    for (const std::string& secret :
         {std::string(kUpstreamCode), std::string(kUpstreamSecret), std::string("upstream-at"),
          id_token_, query["nonce"], query["state"]}) {
      EXPECT_FALSE(absl::StrContains(log, secret)) << log;
      EXPECT_FALSE(absl::StrContains(e.redirect_to(), secret)) << e.redirect_to();
    }
    // Nothing left: neither the attempt nor the pending authorization.
    EXPECT_FALSE(PendingAlive());
    EXPECT_EQ(ErrorOf(Finish(query["state"]).status()).http_status(), 400);
    // The fixtures of this case must not leak into the next.
    IssueIdToken(Claims(""));
  }
}

TEST_F(UpstreamSignInTest, RefusedConsentAndMissingCode) {
  auto query = QueryOf(StartAtProvider());
  v1::OAuthError e = ErrorOf(Finish(query["state"], "", "access_denied").status());
  auto back = QueryOf(e.redirect_to());
  EXPECT_EQ(back["error"], "access_denied");
  EXPECT_TRUE(absl::StrContains(back["error_description"], "refused or cancelled"));
  EXPECT_FALSE(PendingAlive());
  query = QueryOf(StartAtProvider());
  back = QueryOf(ErrorOf(Finish(query["state"], "").status()).redirect_to());
  EXPECT_EQ(back["error"], "access_denied");
  EXPECT_TRUE(absl::StrContains(back["error_description"], "returned no code"));
  EXPECT_FALSE(PendingAlive());
}

TEST_F(UpstreamSignInTest, UnknownExpiredOrReplayedStateIsAnErrorPage) {
  v1::OAuthError unknown = ErrorOf(Finish("forged").status());
  EXPECT_EQ(unknown.http_status(), 400);
  EXPECT_TRUE(unknown.redirect_to().empty());
  EXPECT_EQ(ErrorOf(Finish("").status()).http_status(), 400);
  EXPECT_EQ(ErrorOf(Finish(std::string(100000, 's')).status()).http_status(), 400);
  // An attempt answered after the pending authorization's lifetime.
  auto query = QueryOf(StartAtProvider());
  IssueIdToken(Claims(query["nonce"]));
  clock_->Advance(AuthOptions().pending_authorization_ttl + absl::Seconds(1));
  v1::OAuthError late = ErrorOf(Finish(query["state"]).status());
  EXPECT_TRUE(late.redirect_to().empty()) << late.redirect_to();
  EXPECT_GE(late.http_status(), 400);
}

TEST_F(UpstreamSignInTest, StartRefusesForgedCsrfUnknownProviderAndProviderDown) {
  StartAtProvider();
  v1::DescribeAuthorizationRequest d;
  d.set_authorization_id(authorization_id_);
  v1::StartUpstreamSignInRequest s;
  s.set_authorization_id(authorization_id_);
  s.set_csrf_token("forged");
  s.set_provider_id("corp");
  EXPECT_EQ(ErrorOf(server_->StartUpstreamSignIn(s).status()).http_status(), 403);
  EXPECT_EQ(ErrorOf(StartUpstream("elsewhere").status()).http_status(), 400);
  EXPECT_TRUE(PendingAlive());  // a refused button press ends nothing
  s.set_authorization_id("no-such-authorization");
  EXPECT_GE(ErrorOf(server_->StartUpstreamSignIn(s).status()).http_status(), 400);
  // Discovery unreachable (a fresh server: discovery is cached).
  idp_->answers.clear();
  AuthOptions o = server_->options();
  server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  server_->EnableUpstreamSignIn(idp_);
  v1::OAuthError down = ErrorOf(StartUpstream("corp").status());
  EXPECT_EQ(down.http_status(), 502);
  EXPECT_EQ(down.error(), "temporarily_unavailable");
}

}  // namespace
}  // namespace mcp_oauth::auth
