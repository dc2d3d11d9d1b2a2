#include "auth/authorization_server.h"

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/memory_store.h"
#include "auth/oauth_error.h"
#include "auth/refresh_chain.h"
#include "auth/secret_hash.h"
#include "common/crypto.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

using v1::ClientCredentials;

constexpr char kIssuer[] = "http://localhost:9003";
constexpr char kResource[] = "http://localhost:9003/mcp";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr char kAppRedirect[] = "https://app.example/callback";

std::string Challenge(const std::string& verifier) {
  return crypto::Base64UrlEncode(crypto::Sha256(verifier));
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Returns the decoded query parameters of `url`.
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

ClientCredentials Creds(ClientCredentials::Method method, const std::string& id,
                        const std::string& secret = "") {
  ClientCredentials c;
  c.set_method(method);
  c.set_client_id(id);
  c.set_client_secret(secret);
  return c;
}

ClientCredentials StaticBasic() {
  return Creds(ClientCredentials::CLIENT_SECRET_BASIC, "static-client", "static-secret");
}

// Asserts that `status` carries an OAuthError with the given fields.
v1::OAuthError ExpectError(const absl::Status& status, int http_status, const std::string& error) {
  EXPECT_FALSE(status.ok());
  std::optional<v1::OAuthError> e = GetOAuthError(status);
  EXPECT_TRUE(e.has_value()) << status;
  if (!e) return v1::OAuthError();
  EXPECT_EQ(e->http_status(), http_status) << e->DebugString();
  EXPECT_EQ(e->error(), error) << e->DebugString();
  return *e;
}

class AuthorizationServerTest : public ::testing::Test {
 protected:
  AuthorizationServerTest() {
    AuthOptions o;
    o.public_url = kIssuer;
    o.scopes_supported = {"user", "admin"};
    ClientConfig static_client;
    static_client.client_id = "static-client";
    static_client.client_name = "Static Client";
    static_client.secret_hash = HashSecret("static-secret", 1000);
    static_client.redirect_uris = {kAppRedirect, "http://127.0.0.1/cb",
                                   "https://app.example/q?x=1"};
    static_client.allowed_scopes = {"user", "admin"};
    ClientConfig native;
    native.client_id = "native";
    native.token_endpoint_auth_method = "none";
    native.redirect_uris = {"http://localhost:3000/cb"};
    native.allowed_scopes = {"user"};
    ClientConfig svc;
    svc.client_id = "svc";
    svc.secret_hash = HashSecret("svc-secret", 1000);
    svc.grant_types = {"client_credentials"};
    svc.allowed_scopes = {"user"};
    svc.introspect_any_token = true;  // a resource server
    ClientConfig other;
    other.client_id = "other";
    other.secret_hash = HashSecret("other-secret", 1000);
    other.redirect_uris = {"https://other.example/cb"};
    other.allowed_scopes = {"user", "admin"};
    o.clients = {static_client, native, svc, other};
    o.users = {{"alice", "sub-alice", HashSecret("alice-pw", 1000)}};
    // Tests here start many authorizations at one instant from one address;
    // the /authorize limits have their own tests.
    o.authorize_rate_per_second = 0;
    store_ = std::make_shared<MemoryStore>();
    clock_ = std::make_shared<FakeClock>();
    options_ = o;
    server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  }

  v1::StartAuthorizationRequest GoodRequest() {
    v1::StartAuthorizationRequest r;
    r.set_response_type("code");
    r.set_client_id("static-client");
    r.set_redirect_uri(kAppRedirect);
    r.set_state("xyz");
    r.set_code_challenge(Challenge(kVerifier));
    r.set_code_challenge_method("S256");
    return r;
  }

  // Returns the redirect_to of a StartAuthorization error (empty if none).
  std::string StartError(const v1::StartAuthorizationRequest& r, const std::string& error) {
    auto result = server_->StartAuthorization(r);
    v1::OAuthError e = ExpectError(result.status(), 302, error);
    return e.redirect_to();
  }

  absl::StatusOr<v1::CompleteLoginResponse> Login(const std::string& authorization_id,
                                                  const std::string& username,
                                                  const std::string& password,
                                                  const std::string& ip = "10.0.0.1") {
    v1::DescribeAuthorizationRequest d;
    d.set_authorization_id(authorization_id);
    auto described = server_->DescribeAuthorization(d);
    v1::CompleteLoginRequest r;
    r.set_authorization_id(authorization_id);
    r.set_username(username);
    r.set_password(password);
    r.set_csrf_token(described.ok() ? described->csrf_token() : "");
    r.set_client_ip(ip);
    return server_->CompleteLogin(r);
  }

  // Runs /authorize + login; returns the code.
  std::string GetCode(v1::StartAuthorizationRequest r) {
    auto started = server_->StartAuthorization(r);
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) return "";
    auto login = Login(started->authorization_id(), "alice", "alice-pw");
    EXPECT_TRUE(login.ok()) << login.status();
    if (!login.ok()) return "";
    return QueryOf(login->redirect_to())["code"];
  }
  std::string GetCode() { return GetCode(GoodRequest()); }

  v1::TokenRequest CodeExchange(const std::string& code, ClientCredentials creds = StaticBasic()) {
    v1::TokenRequest t;
    t.set_grant_type("authorization_code");
    *t.mutable_client() = creds;
    t.set_code(code);
    t.set_redirect_uri(kAppRedirect);
    t.set_code_verifier(kVerifier);
    return t;
  }

  v1::TokenResponse Tokens(v1::StartAuthorizationRequest r) {
    auto token = server_->Token(CodeExchange(GetCode(r)));
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : v1::TokenResponse();
  }
  v1::TokenResponse Tokens() { return Tokens(GoodRequest()); }

  absl::StatusOr<v1::TokenResponse> Refresh(const std::string& refresh_token,
                                            const std::string& scope = "",
                                            ClientCredentials creds = StaticBasic()) {
    v1::TokenRequest t;
    t.set_grant_type("refresh_token");
    *t.mutable_client() = creds;
    t.set_refresh_token(refresh_token);
    t.set_scope(scope);
    return server_->Token(t);
  }

  absl::Status Validate(const std::string& token, const std::string& resource = kResource,
                        std::vector<std::string> scopes = {}) {
    v1::ValidateAccessTokenRequest r;
    r.set_access_token(token);
    r.set_resource(resource);
    for (auto& s : scopes) r.add_required_scopes(s);
    return server_->ValidateAccessToken(r).status();
  }

  // A restart with a changed configuration: a new server on the same store.
  void Restart(const AuthOptions& o) {
    options_ = o;
    server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  }

  ClientConfig* OptionsClient(AuthOptions& o, const std::string& id) {
    for (ClientConfig& c : o.clients) {
      if (c.client_id == id) return &c;
    }
    ADD_FAILURE() << "no client " << id;
    return &o.clients.front();
  }

  absl::StatusOr<v1::TokenResponse> ClientCredentialsToken() {
    v1::TokenRequest t;
    *t.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_POST, "svc", "svc-secret");
    t.set_grant_type("client_credentials");
    return server_->Token(t);
  }

  bool FamilyRevoked(const std::string& refresh_token) {
    std::optional<RefreshTokenRecord> r =
        store_->GetRefreshToken(ParseRefreshToken(refresh_token).key).value();
    return r.has_value() && r->revoked;
  }

  AuthOptions options_;
  std::shared_ptr<MemoryStore> store_;
  std::shared_ptr<FakeClock> clock_;
  std::unique_ptr<AuthorizationServer> server_;
};

// ------------------------------------------------------------- metadata

TEST_F(AuthorizationServerTest, ServerMetadata) {
  v1::ServerMetadata m = server_->GetServerMetadata();
  EXPECT_EQ(m.issuer(), kIssuer);
  EXPECT_EQ(m.authorization_endpoint(), "http://localhost:9003/authorize");
  EXPECT_EQ(m.token_endpoint(), "http://localhost:9003/token");
  EXPECT_EQ(m.introspection_endpoint(), "http://localhost:9003/introspect");
  EXPECT_EQ(m.revocation_endpoint(), "http://localhost:9003/revoke");
  EXPECT_EQ(std::vector<std::string>(m.response_types_supported().begin(),
                                     m.response_types_supported().end()),
            std::vector<std::string>{"code"});
  EXPECT_EQ(std::vector<std::string>(m.code_challenge_methods_supported().begin(),
                                     m.code_challenge_methods_supported().end()),
            std::vector<std::string>{"S256"});
  EXPECT_EQ(
      std::vector<std::string>(m.grant_types_supported().begin(), m.grant_types_supported().end()),
      (std::vector<std::string>{"authorization_code", "refresh_token", "client_credentials"}));
  EXPECT_EQ(std::vector<std::string>(m.token_endpoint_auth_methods_supported().begin(),
                                     m.token_endpoint_auth_methods_supported().end()),
            (std::vector<std::string>{"client_secret_basic", "client_secret_post", "none"}));
  EXPECT_TRUE(m.authorization_response_iss_parameter_supported());
  EXPECT_EQ(m.scopes_supported_size(), 2);
}

TEST_F(AuthorizationServerTest, NoneAuthMethodOnlyWithPublicClient) {
  AuthOptions o = server_->options();
  o.clients.erase(o.clients.begin() + 1);  // drop "native"
  AuthorizationServer s(o, store_, clock_);
  v1::ServerMetadata metadata = s.GetServerMetadata();
  ASSERT_EQ(metadata.token_endpoint_auth_methods_supported_size(), 2);
  for (const auto& m : metadata.token_endpoint_auth_methods_supported()) EXPECT_NE(m, "none");
}

TEST_F(AuthorizationServerTest, ProtectedResourceMetadata) {
  v1::ProtectedResourceMetadata m = server_->GetProtectedResourceMetadata();
  EXPECT_EQ(m.resource(), kResource);
  ASSERT_EQ(m.authorization_servers_size(), 1);
  EXPECT_EQ(m.authorization_servers(0), kIssuer);
  ASSERT_EQ(m.bearer_methods_supported_size(), 1);
  EXPECT_EQ(m.bearer_methods_supported(0), "header");
  EXPECT_EQ(m.scopes_supported_size(), 2);
}

// ------------------------------------------------- authorization request

TEST_F(AuthorizationServerTest, BadClientIsRejectedBeforeAnyRedirect) {
  auto r = GoodRequest();
  r.set_client_id("nobody");
  r.set_response_type("token");  // would be a redirect error for a good client
  v1::OAuthError e = ExpectError(server_->StartAuthorization(r).status(), 400, "invalid_request");
  EXPECT_TRUE(e.redirect_to().empty());
  r.set_client_id("");
  e = ExpectError(server_->StartAuthorization(r).status(), 400, "invalid_request");
  EXPECT_TRUE(e.redirect_to().empty());
}

TEST_F(AuthorizationServerTest, BadRedirectUriIsRejectedWithoutRedirect) {
  auto r = GoodRequest();
  r.set_redirect_uri("https://evil.example/callback");
  r.set_code_challenge("");
  v1::OAuthError e = ExpectError(server_->StartAuthorization(r).status(), 400, "invalid_request");
  EXPECT_TRUE(e.redirect_to().empty());
  // Not a prefix match either.
  r = GoodRequest();
  r.set_redirect_uri(std::string(kAppRedirect) + "/extra");
  e = ExpectError(server_->StartAuthorization(r).status(), 400, "invalid_request");
  EXPECT_TRUE(e.redirect_to().empty());
  // Several registered URIs: redirect_uri is required.
  r = GoodRequest();
  r.set_redirect_uri("");
  ExpectError(server_->StartAuthorization(r).status(), 400, "invalid_request");
}

TEST_F(AuthorizationServerTest, LoopbackRedirectMayUseAnyPort) {
  auto r = GoodRequest();
  r.set_redirect_uri("http://127.0.0.1:54321/cb");
  auto started = server_->StartAuthorization(r);
  ASSERT_TRUE(started.ok()) << started.status();
  auto login = Login(started->authorization_id(), "alice", "alice-pw");
  ASSERT_TRUE(login.ok());
  EXPECT_TRUE(absl::StartsWith(login->redirect_to(), "http://127.0.0.1:54321/cb?code="));
  // But not another host or path.
  r.set_redirect_uri("http://127.0.0.1:54321/other");
  ExpectError(server_->StartAuthorization(r).status(), 400, "invalid_request");
  r.set_redirect_uri("https://app.example:444/callback");
  ExpectError(server_->StartAuthorization(r).status(), 400, "invalid_request");
}

TEST_F(AuthorizationServerTest, DuplicateParameters) {
  auto r = GoodRequest();
  r.set_has_duplicate_parameters(true);
  auto q = QueryOf(StartError(r, "invalid_request"));
  EXPECT_EQ(q["error"], "invalid_request");
  r.set_client_id("nobody");
  v1::OAuthError e = ExpectError(server_->StartAuthorization(r).status(), 400, "invalid_request");
  EXPECT_TRUE(e.redirect_to().empty());
}

TEST_F(AuthorizationServerTest, ResponseTypeMustBeCode) {
  auto r = GoodRequest();
  r.set_response_type("token");
  auto q = QueryOf(StartError(r, "unsupported_response_type"));
  EXPECT_EQ(q["error"], "unsupported_response_type");
  EXPECT_EQ(q["state"], "xyz");
  EXPECT_EQ(q["iss"], kIssuer);
}

TEST_F(AuthorizationServerTest, PkceMissingIsRejected) {
  auto r = GoodRequest();
  r.set_code_challenge("");
  r.set_code_challenge_method("");
  std::string to = StartError(r, "invalid_request");
  EXPECT_TRUE(absl::StartsWith(to, std::string(kAppRedirect) + "?error=invalid_request"));
  EXPECT_TRUE(absl::StrContains(QueryOf(to)["error_description"], "code_challenge"));
}

TEST_F(AuthorizationServerTest, PkcePlainAndDefaultMethodAreRejected) {
  auto r = GoodRequest();
  r.set_code_challenge_method("plain");
  StartError(r, "invalid_request");
  r.set_code_challenge_method("");  // RFC 7636 default is plain
  StartError(r, "invalid_request");
  r.set_code_challenge_method("S256");
  r.set_code_challenge("short");
  StartError(r, "invalid_request");
}

TEST_F(AuthorizationServerTest, StateRoundTripsEscaped) {
  const std::string state = "a b&c=d/é?#+";
  auto r = GoodRequest();
  r.set_state(state);
  std::string to = GetCode(r).empty() ? "" : "ok";
  ASSERT_EQ(to, "ok");
  auto started = server_->StartAuthorization(r);
  ASSERT_TRUE(started.ok());
  auto login = Login(started->authorization_id(), "alice", "alice-pw");
  ASSERT_TRUE(login.ok());
  EXPECT_FALSE(absl::StrContains(login->redirect_to(), "a b"));
  EXPECT_FALSE(absl::StrContains(login->redirect_to(), "#"));
  auto q = QueryOf(login->redirect_to());
  EXPECT_EQ(q["state"], state);
  EXPECT_EQ(q["iss"], kIssuer);
  EXPECT_FALSE(q["code"].empty());
  // Error redirects escape it too.
  r.set_response_type("token");
  EXPECT_EQ(QueryOf(StartError(r, "unsupported_response_type"))["state"], state);
  // Over-long state is refused (and not echoed).
  r = GoodRequest();
  r.set_state(std::string(1025, 's'));
  EXPECT_EQ(QueryOf(StartError(r, "invalid_request")).count("state"), 0u);
}

TEST_F(AuthorizationServerTest, RedirectWithExistingQueryAppendsWithAmpersand) {
  auto r = GoodRequest();
  r.set_redirect_uri("https://app.example/q?x=1");
  r.set_response_type("bad");
  EXPECT_TRUE(absl::StartsWith(StartError(r, "unsupported_response_type"),
                               "https://app.example/q?x=1&error=unsupported_response_type&"));
}

TEST_F(AuthorizationServerTest, ScopeAllowedInvalidAndDefault) {
  auto r = GoodRequest();
  r.set_scope("user admin");
  EXPECT_EQ(Tokens(r).scope(), "user admin");
  r.set_scope("user bogus");
  EXPECT_EQ(QueryOf(StartError(r, "invalid_scope"))["error"], "invalid_scope");
  r.set_scope("");
  EXPECT_EQ(Tokens(r).scope(), "user");
  // The public client may not ask for admin.
  r = GoodRequest();
  r.set_client_id("native");
  r.set_redirect_uri("http://localhost:3000/cb");
  r.set_scope("admin");
  StartError(r, "invalid_scope");
}

// Found by tests/fuzz/authorize_fuzzer: a scope with bytes outside RFC 6749's
// scope-token syntax (here invalid UTF-8) was echoed into error_description,
// which the OAuthError proto cannot carry, so the error was lost.
TEST_F(AuthorizationServerTest, MalformedScopeIsNotEchoedInTheError) {
  auto r = GoodRequest();
  r.set_scope("user us\xff\"er");
  v1::OAuthError e = ExpectError(server_->StartAuthorization(r).status(), 302, "invalid_scope");
  EXPECT_EQ(e.error_description(), "Scope not allowed: (malformed scope)");
  v1::OAuthError parsed;
  EXPECT_TRUE(parsed.ParseFromString(e.SerializeAsString()));
  EXPECT_EQ(QueryOf(e.redirect_to())["error_description"], "Scope not allowed: (malformed scope)");

  v1::TokenRequest t;
  t.set_grant_type("client_credentials");
  *t.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "svc-secret");
  t.set_scope("\x80");
  e = ExpectError(server_->Token(t).status(), 400, "invalid_scope");
  EXPECT_EQ(e.error_description(), "Scope not allowed: (malformed scope)");
  EXPECT_EQ(
      ExpectError(Refresh(Tokens().refresh_token(), "user \xc3").status(), 400, "invalid_scope")
          .error_description(),
      "Scope exceeds the original grant: (malformed scope)");
}

TEST_F(AuthorizationServerTest, ResourceIsNormalisedAndChecked) {
  auto r = GoodRequest();
  r.add_resource("HTTP://LocalHost:9003/mcp/");
  EXPECT_TRUE(server_->StartAuthorization(r).ok());
  r.clear_resource();
  r.add_resource("http://localhost:9003/other");
  StartError(r, "invalid_target");
  r.clear_resource();
  r.add_resource("http://localhost:9003/mcp#frag");
  StartError(r, "invalid_target");
  // Omitted: defaults to the canonical resource.
  v1::TokenResponse t = Tokens();
  EXPECT_TRUE(Validate(t.access_token(), kResource).ok());
}

TEST_F(AuthorizationServerTest, AuthorizeIsRateLimitedPerAddress) {
  AuthOptions o = options_;
  o.authorize_rate_per_second = 0.5;
  o.authorize_rate_burst = 3;
  server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  auto start = [&](const std::string& ip) {
    v1::StartAuthorizationRequest r = GoodRequest();
    r.set_client_ip(ip);
    return server_->StartAuthorization(r);
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(start("192.0.2.1").ok()) << i;
  auto limited = start("192.0.2.1");
  v1::OAuthError e = ExpectError(limited.status(), 429, "temporarily_unavailable");
  EXPECT_EQ(limited.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(e.retry_after_seconds(), 2);
  EXPECT_TRUE(e.redirect_to().empty());  // A page, never a redirect.
  // Other addresses are unaffected; the same /64 is the same address.
  EXPECT_TRUE(start("192.0.2.2").ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(start("2001:db8:5:6::" + std::to_string(i + 1)).ok());
  ExpectError(start("2001:db8:5:6:ffff::1").status(), 429, "temporarily_unavailable");
  EXPECT_TRUE(start("2001:db8:5:7::1").ok());
  // Refused requests stored nothing: only the accepted ones are pending.
  EXPECT_EQ(store_->GetCounts().pending, 3u + 1u + 3u + 1u);
  clock_->Advance(absl::Seconds(2));
  EXPECT_TRUE(start("192.0.2.1").ok());
}

TEST_F(AuthorizationServerTest, PendingAuthorizationsAreCapped) {
  AuthOptions o = options_;
  o.max_pending_authorizations = 2;
  server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  auto first = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(server_->StartAuthorization(GoodRequest()).ok());
  auto full = server_->StartAuthorization(GoodRequest());
  v1::OAuthError e = ExpectError(full.status(), 503, "temporarily_unavailable");
  EXPECT_EQ(full.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(e.retry_after_seconds(), 60);
  EXPECT_TRUE(e.redirect_to().empty());
  // A completed sign-in frees its place.
  ASSERT_TRUE(Login(first->authorization_id(), "alice", "alice-pw").ok());
  EXPECT_TRUE(server_->StartAuthorization(GoodRequest()).ok());
  ExpectError(server_->StartAuthorization(GoodRequest()).status(), 503, "temporarily_unavailable");
  // So does expiry.
  clock_->Advance(options_.pending_authorization_ttl);
  EXPECT_TRUE(server_->StartAuthorization(GoodRequest()).ok());
}

TEST_F(AuthorizationServerTest, DescribeAuthorization) {
  auto r = GoodRequest();
  r.set_scope("user admin");
  auto started = server_->StartAuthorization(r);
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->expires_in(), 600);
  v1::DescribeAuthorizationRequest d;
  d.set_authorization_id(started->authorization_id());
  auto described = server_->DescribeAuthorization(d);
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->client_id(), "static-client");
  EXPECT_EQ(described->client_name(), "Static Client");
  EXPECT_EQ(described->redirect_host(), "app.example");
  EXPECT_EQ(described->scopes_size(), 2);
  EXPECT_GE(described->csrf_token().size(), 40u);

  clock_->Advance(absl::Seconds(601));
  auto expired = server_->DescribeAuthorization(d);
  ExpectError(expired.status(), 400, "invalid_request");
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kNotFound);
  d.set_authorization_id("unknown");
  ExpectError(server_->DescribeAuthorization(d).status(), 400, "invalid_request");
}

// ------------------------------------------------------------------ login

TEST_F(AuthorizationServerTest, CsrfTokenMustMatch) {
  auto started = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(started.ok());
  v1::CompleteLoginRequest r;
  r.set_authorization_id(started->authorization_id());
  r.set_username("alice");
  r.set_password("alice-pw");
  r.set_csrf_token("forged");
  ExpectError(server_->CompleteLogin(r).status(), 403, "access_denied");
  r.set_csrf_token("");
  ExpectError(server_->CompleteLogin(r).status(), 403, "access_denied");
}

TEST_F(AuthorizationServerTest, BadCredentialsKeepPendingAuthorizationUsable) {
  auto started = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(started.ok());
  v1::OAuthError wrong = ExpectError(Login(started->authorization_id(), "alice", "nope").status(),
                                     401, "access_denied");
  EXPECT_EQ(wrong.error_description(), "Invalid username or password");
  EXPECT_TRUE(wrong.redirect_to().empty());
  // Unknown user: same error, no enumeration.
  v1::OAuthError unknown = ExpectError(
      Login(started->authorization_id(), "mallory", "nope").status(), 401, "access_denied");
  EXPECT_EQ(unknown.error_description(), wrong.error_description());
  auto ok = Login(started->authorization_id(), "alice", "alice-pw");
  ASSERT_TRUE(ok.ok()) << ok.status();
  auto q = QueryOf(ok->redirect_to());
  EXPECT_TRUE(absl::StartsWith(ok->redirect_to(), std::string(kAppRedirect) + "?code="));
  EXPECT_EQ(q["state"], "xyz");
  EXPECT_EQ(q["iss"], kIssuer);
  EXPECT_EQ(q["code"].size(), 43u);
  // The pending authorization is consumed.
  ExpectError(Login(started->authorization_id(), "alice", "alice-pw").status(), 400,
              "invalid_request");
}

TEST_F(AuthorizationServerTest, LoginThrottlingPerUserAndAddressIsHard) {
  auto started = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(started.ok());
  const std::string id = started->authorization_id();
  for (int i = 0; i < 5; ++i) {
    ExpectError(Login(id, "alice", "bad", "10.0.0.1").status(), 401, "access_denied");
  }
  // Even the right password is refused now from that address.
  auto throttled = Login(id, "alice", "alice-pw", "10.0.0.1");
  v1::OAuthError e = ExpectError(throttled.status(), 429, "temporarily_unavailable");
  EXPECT_EQ(throttled.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(e.retry_after_seconds(), 300);
  // Another user from that address is not throttled.
  ExpectError(Login(id, "mallory", "bad", "10.0.0.1").status(), 401, "access_denied");
  // The window ends: alice signs in from that address again.
  clock_->Advance(absl::Minutes(5));
  EXPECT_TRUE(Login(id, "alice", "alice-pw", "10.0.0.1").ok());
}

TEST_F(AuthorizationServerTest, WrongPasswordsFromEverywhereNeverLockTheUserOut) {
  auto started = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(started.ok());
  const std::string id = started->authorization_id();
  // Five wrong passwords for alice from five addresses, and then many more:
  // the right password from a new address still signs in.
  for (int i = 0; i < 100; ++i) {
    ExpectError(Login(id, "alice", "bad", "10.1.0." + std::to_string(i)).status(), 401,
                "access_denied");
  }
  EXPECT_TRUE(Login(id, "alice", "alice-pw", "10.9.9.9").ok());
}

TEST_F(AuthorizationServerTest, UserUnderAttackGivesEachAddressOneTry) {
  AuthOptions o = options_;
  o.max_login_failures_per_user = 4;
  server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  auto started = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(started.ok());
  const std::string id = started->authorization_id();
  // Below the per-user limit an address may fail several times.
  ExpectError(Login(id, "alice", "bad", "192.0.2.1").status(), 401, "access_denied");
  ExpectError(Login(id, "alice", "bad", "192.0.2.1").status(), 401, "access_denied");
  ExpectError(Login(id, "alice", "bad", "192.0.2.2").status(), 401, "access_denied");
  ExpectError(Login(id, "alice", "bad", "192.0.2.3").status(), 401, "access_denied");
  // Four failures for alice in all: an address that failed for her is done
  // for this window, even with the right password...
  ExpectError(Login(id, "alice", "alice-pw", "192.0.2.2").status(), 429, "temporarily_unavailable");
  // ...a new address gets exactly one try...
  ExpectError(Login(id, "alice", "bad", "192.0.2.4").status(), 401, "access_denied");
  ExpectError(Login(id, "alice", "bad", "192.0.2.4").status(), 429, "temporarily_unavailable");
  // ...other users are unaffected, and the right password from an address
  // that has not failed for alice signs in.
  ExpectError(Login(id, "bob", "bad", "192.0.2.2").status(), 401, "access_denied");
  EXPECT_TRUE(Login(id, "alice", "alice-pw", "192.0.2.5").ok());
}

TEST_F(AuthorizationServerTest, LoginThrottlingPerIp) {
  AuthOptions o = options_;
  o.max_login_failures_per_ip = 5;
  server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  auto started = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(started.ok());
  for (int i = 0; i < 5; ++i) {
    ExpectError(
        Login(started->authorization_id(), "user" + std::to_string(i), "bad", "192.0.2.7").status(),
        401, "access_denied");
  }
  ExpectError(Login(started->authorization_id(), "alice", "alice-pw", "192.0.2.7").status(), 429,
              "temporarily_unavailable");
  EXPECT_TRUE(Login(started->authorization_id(), "alice", "alice-pw", "192.0.2.8").ok());
}

TEST_F(AuthorizationServerTest, LoginThrottlingGroupsIpv6BySlash64) {
  auto started = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(started.ok());
  const std::string id = started->authorization_id();
  // Rotating through one /64 counts as one address.
  for (int i = 1; i <= 5; ++i) {
    ExpectError(Login(id, "alice", "bad", "2001:db8:1:2::" + std::to_string(i)).status(), 401,
                "access_denied");
  }
  ExpectError(Login(id, "alice", "alice-pw", "2001:db8:1:2:abcd::99").status(), 429,
              "temporarily_unavailable");
  // The next /64 is another address.
  EXPECT_TRUE(Login(id, "alice", "alice-pw", "2001:db8:1:3::1").ok());
}

TEST_F(AuthorizationServerTest, LoginThrottlingCountsMappedIpv4AsIpv4) {
  auto started = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(started.ok());
  const std::string id = started->authorization_id();
  for (int i = 0; i < 5; ++i) {
    ExpectError(Login(id, "alice", "bad", i % 2 ? "::ffff:192.0.2.9" : "192.0.2.9").status(), 401,
                "access_denied");
  }
  ExpectError(Login(id, "alice", "alice-pw", "192.0.2.9").status(), 429, "temporarily_unavailable");
  ExpectError(Login(id, "alice", "alice-pw", "::ffff:192.0.2.9").status(), 429,
              "temporarily_unavailable");
  EXPECT_TRUE(Login(id, "alice", "alice-pw", "::ffff:192.0.2.10").ok());
}

// ------------------------------------------------------------ token: code

TEST_F(AuthorizationServerTest, CodeExchangeIssuesTokens) {
  v1::TokenResponse t = Tokens();
  EXPECT_EQ(t.token_type(), "Bearer");
  EXPECT_EQ(t.expires_in(), 3600);
  EXPECT_EQ(t.scope(), "user");
  EXPECT_GE(t.access_token().size(), 43u);
  EXPECT_GE(t.refresh_token().size(), 43u);
  EXPECT_NE(t.access_token(), t.refresh_token());
  EXPECT_TRUE(Validate(t.access_token()).ok());
}

TEST_F(AuthorizationServerTest, WrongPkceVerifierFails) {
  auto req = CodeExchange(GetCode());
  req.set_code_verifier(std::string(43, 'a'));
  ExpectError(server_->Token(req).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, MalformedOrMissingVerifierIsInvalidRequest) {
  std::string code = GetCode();
  auto req = CodeExchange(code);
  req.set_code_verifier("too-short");
  ExpectError(server_->Token(req).status(), 400, "invalid_request");
  req.set_code_verifier(std::string(43, '!'));
  ExpectError(server_->Token(req).status(), 400, "invalid_request");
  req.set_code_verifier("");
  ExpectError(server_->Token(req).status(), 400, "invalid_request");
  // The code was not consumed by malformed requests.
  EXPECT_TRUE(server_->Token(CodeExchange(code)).ok());
}

TEST_F(AuthorizationServerTest, RedirectUriMustMatchAuthorizationRequest) {
  auto req = CodeExchange(GetCode());
  req.set_redirect_uri("http://127.0.0.1/cb");
  ExpectError(server_->Token(req).status(), 400, "invalid_grant");
  auto req2 = CodeExchange(GetCode());
  req2.set_redirect_uri("");
  ExpectError(server_->Token(req2).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, CodeIsBoundToClient) {
  auto req = CodeExchange(GetCode(),
                          Creds(ClientCredentials::CLIENT_SECRET_POST, "other", "other-secret"));
  ExpectError(server_->Token(req).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, TokenResourceMustMatch) {
  auto req = CodeExchange(GetCode());
  req.add_resource("https://elsewhere.example/mcp");
  ExpectError(server_->Token(req).status(), 400, "invalid_target");
  auto req2 = CodeExchange(GetCode());
  req2.add_resource("http://localhost:9003/mcp/");
  EXPECT_TRUE(server_->Token(req2).ok());
}

TEST_F(AuthorizationServerTest, CodeReuseRevokesIssuedTokens) {
  std::string code = GetCode();
  auto first = server_->Token(CodeExchange(code));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Validate(first->access_token()).ok());
  auto replay = server_->Token(CodeExchange(code));
  ExpectError(replay.status(), 400, "invalid_grant");
  ExpectError(Validate(first->access_token()), 401, "invalid_token");
  ExpectError(Refresh(first->refresh_token()).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, InterceptedCodeCannotBeBurned) {
  std::string code = GetCode();
  // Whoever intercepted the code lacks the verifier, the client's secret or
  // its redirect URI: each attempt fails and leaves the code alone.
  auto wrong_verifier = CodeExchange(code);
  wrong_verifier.set_code_verifier(std::string(43, 'a'));
  ExpectError(server_->Token(wrong_verifier).status(), 400, "invalid_grant");
  ExpectError(server_
                  ->Token(CodeExchange(
                      code, Creds(ClientCredentials::CLIENT_SECRET_POST, "other", "other-secret")))
                  .status(),
              400, "invalid_grant");
  auto wrong_redirect = CodeExchange(code);
  wrong_redirect.set_redirect_uri("http://127.0.0.1/cb");
  ExpectError(server_->Token(wrong_redirect).status(), 400, "invalid_grant");
  // The rightful client still redeems it.
  auto first = server_->Token(CodeExchange(code));
  ASSERT_TRUE(first.ok()) << first.status();
  // A failing replay revokes nothing...
  v1::OAuthError e = ExpectError(server_->Token(wrong_verifier).status(), 400, "invalid_grant");
  EXPECT_EQ(e.error_description(), "code_verifier does not match code_challenge");
  EXPECT_TRUE(Validate(first->access_token()).ok());
  EXPECT_FALSE(FamilyRevoked(first->refresh_token()));
  // ...a replay passing every binding does.
  e = ExpectError(server_->Token(CodeExchange(code)).status(), 400, "invalid_grant");
  EXPECT_TRUE(absl::StrContains(e.error_description(), "already used")) << e.error_description();
  ExpectError(Validate(first->access_token()), 401, "invalid_token");
}

TEST_F(AuthorizationServerTest, CodeExpires) {
  std::string code = GetCode();
  clock_->Advance(absl::Seconds(301));
  ExpectError(server_->Token(CodeExchange(code)).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, UnknownCodeFails) {
  ExpectError(server_->Token(CodeExchange("nonsense")).status(), 400, "invalid_grant");
}

// ------------------------------------------------------------ client auth

TEST_F(AuthorizationServerTest, ClientAuthBasicAndPost) {
  EXPECT_TRUE(server_->Token(CodeExchange(GetCode())).ok());
  EXPECT_TRUE(server_
                  ->Token(CodeExchange(GetCode(), Creds(ClientCredentials::CLIENT_SECRET_POST,
                                                        "static-client", "static-secret")))
                  .ok());
  // Cached verification path gives the same answer on repeat.
  EXPECT_TRUE(server_->Token(CodeExchange(GetCode())).ok());
}

TEST_F(AuthorizationServerTest, WrongSecretBasicCarriesChallenge) {
  auto req = CodeExchange(GetCode(),
                          Creds(ClientCredentials::CLIENT_SECRET_BASIC, "static-client", "wrong"));
  auto result = server_->Token(req);
  v1::OAuthError e = ExpectError(result.status(), 401, "invalid_client");
  EXPECT_EQ(e.www_authenticate(), "Basic realm=\"http://localhost:9003\"");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthorizationServerTest, WrongSecretPostHasNoChallenge) {
  auto req = CodeExchange(
      GetCode(), Creds(ClientCredentials::CLIENT_SECRET_POST, "static-client", "static-secreT"));
  v1::OAuthError e = ExpectError(server_->Token(req).status(), 401, "invalid_client");
  EXPECT_TRUE(e.www_authenticate().empty());
  ExpectError(server_
                  ->Token(CodeExchange(GetCode(),
                                       Creds(ClientCredentials::CLIENT_SECRET_POST, "ghost", "x")))
                  .status(),
              401, "invalid_client");
  // A confidential client cannot skip authentication.
  ExpectError(
      server_->Token(CodeExchange(GetCode(), Creds(ClientCredentials::NONE, "static-client")))
          .status(),
      401, "invalid_client");
}

TEST_F(AuthorizationServerTest, PublicClientFlowWithLoopbackPort) {
  auto r = GoodRequest();
  r.set_client_id("native");
  r.set_redirect_uri("http://localhost:49152/cb");
  std::string code = GetCode(r);
  ASSERT_FALSE(code.empty());
  auto req = CodeExchange(code, Creds(ClientCredentials::NONE, "native"));
  req.set_redirect_uri("http://localhost:49152/cb");
  auto t = server_->Token(req);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_FALSE(t->refresh_token().empty());
  // A public client presenting a secret is refused.
  EXPECT_FALSE(
      Refresh(t->refresh_token(), "", Creds(ClientCredentials::CLIENT_SECRET_POST, "native", "x"))
          .ok());
  EXPECT_TRUE(Refresh(t->refresh_token(), "", Creds(ClientCredentials::NONE, "native")).ok());
}

TEST_F(AuthorizationServerTest, GrantTypeChecks) {
  v1::TokenRequest t;
  *t.mutable_client() = StaticBasic();
  t.set_grant_type("password");
  ExpectError(server_->Token(t).status(), 400, "unsupported_grant_type");
  t.set_grant_type("");
  ExpectError(server_->Token(t).status(), 400, "invalid_request");
  t.set_grant_type("client_credentials");
  ExpectError(server_->Token(t).status(), 400, "unauthorized_client");
  *t.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "svc-secret");
  t.set_grant_type("authorization_code");
  ExpectError(server_->Token(t).status(), 400, "unauthorized_client");
}

// ---------------------------------------------------------------- refresh

TEST_F(AuthorizationServerTest, RefreshRotatesAndReuseRevokesFamily) {
  v1::TokenResponse t0 = Tokens();
  auto t1 = Refresh(t0.refresh_token());
  ASSERT_TRUE(t1.ok()) << t1.status();
  EXPECT_NE(t1->refresh_token(), t0.refresh_token());
  EXPECT_NE(t1->access_token(), t0.access_token());
  EXPECT_EQ(t1->scope(), "user");
  EXPECT_TRUE(Validate(t1->access_token()).ok());
  // Reusing the rotated token: refused, and the whole family dies.
  ExpectError(Refresh(t0.refresh_token()).status(), 400, "invalid_grant");
  ExpectError(Validate(t1->access_token()), 401, "invalid_token");
  ExpectError(Validate(t0.access_token()), 401, "invalid_token");
  ExpectError(Refresh(t1->refresh_token()).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, ReuseOfAnyOlderGenerationRevokesFamily) {
  std::vector<v1::TokenResponse> chain = {Tokens()};
  for (int i = 0; i < 10; ++i) {
    auto next = Refresh(chain.back().refresh_token());
    ASSERT_TRUE(next.ok()) << next.status();
    chain.push_back(*next);
  }
  // Ten rotations, one refresh record: rotated tokens are not kept.
  EXPECT_EQ(store_->GetCounts().refresh_tokens, 1u);
  EXPECT_TRUE(Validate(chain.back().access_token()).ok());
  v1::OAuthError reused =
      ExpectError(Refresh(chain[2].refresh_token()).status(), 400, "invalid_grant");
  EXPECT_TRUE(absl::StrContains(reused.error_description(), "already used"));
  ExpectError(Validate(chain.back().access_token()), 401, "invalid_token");
  ExpectError(Refresh(chain.back().refresh_token()).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, ForgedTokensOfAChainRevokeNothing) {
  v1::TokenResponse t = Tokens();
  const std::string& live = t.refresh_token();
  std::vector<std::string> parts = absl::StrSplit(live, '.');
  ASSERT_EQ(parts.size(), 3u) << live;
  EXPECT_EQ(parts[1], "0");
  // The live generation with another secret, a generation not issued yet,
  // and a malformed generation: unknown tokens, nothing revoked.
  for (const std::string& forged :
       {absl::StrCat(parts[0], ".0.", crypto::RandomToken(32)),
        absl::StrCat(parts[0], ".1.", parts[2]), absl::StrCat(parts[0], ".-1.", parts[2])}) {
    v1::OAuthError refused = ExpectError(Refresh(forged).status(), 400, "invalid_grant");
    EXPECT_TRUE(absl::StrContains(refused.error_description(), "Invalid or expired")) << forged;
  }
  EXPECT_TRUE(Validate(t.access_token()).ok());
  auto next = Refresh(live);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_TRUE(absl::StartsWith(next->refresh_token(), parts[0] + ".1."));
}

TEST_F(AuthorizationServerTest, RefreshTokenWithoutChainStartsOne) {
  // A refresh token minted before chains, as an upgraded database holds it.
  v1::TokenResponse t = Tokens();
  std::optional<RefreshTokenRecord> record =
      store_->GetRefreshToken(ParseRefreshToken(t.refresh_token()).key).value();
  ASSERT_TRUE(record.has_value());
  const std::string legacy_token = crypto::RandomToken(32);
  RefreshTokenRecord legacy = *record;
  legacy.token_hash = crypto::Sha256(legacy_token);
  legacy.chain_hash.clear();
  legacy.generation = 0;
  AccessTokenRecord access;
  access.token_hash = crypto::Sha256("unused access token");
  access.family_id = legacy.family_id;
  access.expires_at = legacy.expires_at;
  TokenFamily family;
  family.family_id = legacy.family_id;
  ASSERT_TRUE(store_->IssueTokens(family, access, legacy).ok());

  auto next = Refresh(legacy_token);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(next->refresh_token(), '.')).size(), 3u);
  EXPECT_TRUE(Refresh(next->refresh_token()).ok());
  ExpectError(Refresh(legacy_token).status(), 400, "invalid_grant");
  ExpectError(Validate(next->access_token()), 401, "invalid_token");
}

TEST_F(AuthorizationServerTest, RefreshScopeNarrowsButNeverWidens) {
  auto r = GoodRequest();
  r.set_scope("user admin");
  v1::TokenResponse t0 = Tokens(r);
  auto narrow = Refresh(t0.refresh_token(), "user");
  ASSERT_TRUE(narrow.ok());
  EXPECT_EQ(narrow->scope(), "user");
  EXPECT_EQ(Validate(narrow->access_token(), kResource, {"admin"}).code(),
            absl::StatusCode::kPermissionDenied);
  // The refresh token keeps the original grant.
  auto again = Refresh(narrow->refresh_token());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->scope(), "user admin");

  v1::TokenResponse small = Tokens();  // scope "user"
  ExpectError(Refresh(small.refresh_token(), "user admin").status(), 400, "invalid_scope");
  // The failed widening did not burn the token.
  EXPECT_TRUE(Refresh(small.refresh_token(), "user").ok());
}

TEST_F(AuthorizationServerTest, RefreshTokenIsBoundToClient) {
  v1::TokenResponse t0 = Tokens();
  ExpectError(Refresh(t0.refresh_token(), "",
                      Creds(ClientCredentials::CLIENT_SECRET_BASIC, "other", "other-secret"))
                  .status(),
              400, "invalid_grant");
  EXPECT_TRUE(Refresh(t0.refresh_token()).ok());
}

TEST_F(AuthorizationServerTest, RefreshTokenExpires) {
  v1::TokenResponse t0 = Tokens();
  clock_->Advance(absl::Hours(24 * 30) + absl::Seconds(1));
  ExpectError(Refresh(t0.refresh_token()).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, ConcurrentRotationHasExactlyOneWinner) {
  v1::TokenResponse t0 = Tokens();
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto result = Refresh(t0.refresh_token());
      if (result.ok()) {
        ++ok;
      } else if (GetOAuthError(result.status()).value_or(v1::OAuthError()).error() ==
                 "invalid_grant") {
        ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(failed.load(), 7);
}

// ------------------------------------------- grants and configuration changes

TEST_F(AuthorizationServerTest, RemovedUserLosesTheWholeGrant) {
  v1::TokenResponse t = Tokens();
  auto rotated = Refresh(t.refresh_token());
  ASSERT_TRUE(rotated.ok());
  AuthOptions o = options_;
  o.users = {{"bob", "sub-bob", HashSecret("bob-pw", 1000)}};  // alice removed.
  Restart(o);
  v1::OAuthError e = ExpectError(Validate(rotated->access_token()), 401, "invalid_token");
  EXPECT_TRUE(absl::StrContains(e.error_description(), "no longer exists"))
      << e.error_description();
  // The validation revoked the family: the refresh token is dead too.
  EXPECT_TRUE(FamilyRevoked(rotated->refresh_token()));
  ExpectError(Refresh(rotated->refresh_token()).status(), 400, "invalid_grant");
  // Putting her back does not revive the revoked grant.
  o.users.push_back({"alice", "sub-alice", HashSecret("alice-pw", 1000)});
  Restart(o);
  ExpectError(Refresh(rotated->refresh_token()).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, RemovedUserFailsAtRefreshFirst) {
  v1::TokenResponse t = Tokens();
  AuthOptions o = options_;
  o.users.clear();
  Restart(o);
  v1::OAuthError e = ExpectError(Refresh(t.refresh_token()).status(), 400, "invalid_grant");
  EXPECT_TRUE(absl::StrContains(e.error_description(), "revoked")) << e.error_description();
  EXPECT_TRUE(FamilyRevoked(t.refresh_token()));
  ExpectError(Validate(t.access_token()), 401, "invalid_token");
  // Introspection (by the token's own client) agrees.
  v1::IntrospectRequest r;
  *r.mutable_client() = StaticBasic();
  r.set_token(t.access_token());
  auto introspected = server_->Introspect(r);
  ASSERT_TRUE(introspected.ok());
  EXPECT_FALSE(introspected->active());
}

TEST_F(AuthorizationServerTest, IntrospectionRevokesTheGrantOfARemovedUser) {
  v1::TokenResponse t = Tokens();
  AuthOptions o = options_;
  o.users.clear();
  Restart(o);
  v1::IntrospectRequest r;
  *r.mutable_client() = StaticBasic();
  r.set_token(t.refresh_token());
  auto introspected = server_->Introspect(r);
  ASSERT_TRUE(introspected.ok());
  EXPECT_FALSE(introspected->active());
  EXPECT_TRUE(FamilyRevoked(t.refresh_token()));
}

TEST_F(AuthorizationServerTest, ScopeTakenFromTheClientRevokesTheGrant) {
  auto request = GoodRequest();
  request.set_scope("user admin");
  v1::TokenResponse wide = Tokens(request);
  v1::TokenResponse narrow = Tokens();  // scope "user"
  AuthOptions o = options_;
  OptionsClient(o, "static-client")->allowed_scopes = {"user"};
  Restart(o);
  v1::OAuthError e = ExpectError(Refresh(wide.refresh_token()).status(), 400, "invalid_grant");
  EXPECT_TRUE(absl::StrContains(e.error_description(), "scope admin")) << e.error_description();
  EXPECT_TRUE(FamilyRevoked(wide.refresh_token()));
  ExpectError(Validate(wide.access_token()), 401, "invalid_token");
  // A grant within the client's remaining scopes is untouched.
  EXPECT_TRUE(Validate(narrow.access_token()).ok());
  EXPECT_TRUE(Refresh(narrow.refresh_token()).ok());
}

TEST_F(AuthorizationServerTest, AccessTokenOfANarrowedClientDiesAtValidation) {
  auto request = GoodRequest();
  request.set_scope("user admin");
  v1::TokenResponse wide = Tokens(request);
  AuthOptions o = options_;
  OptionsClient(o, "static-client")->allowed_scopes = {"user"};
  Restart(o);
  ExpectError(Validate(wide.access_token()), 401, "invalid_token");
  EXPECT_TRUE(FamilyRevoked(wide.refresh_token()));
}

TEST_F(AuthorizationServerTest, MachineTokensDieWithTheirClientsGrant) {
  auto machine = ClientCredentialsToken();
  ASSERT_TRUE(machine.ok()) << machine.status();
  ASSERT_TRUE(Validate(machine->access_token()).ok());
  const AuthOptions original = options_;
  AuthOptions o = original;
  OptionsClient(o, "svc")->grant_types = {"authorization_code"};
  OptionsClient(o, "svc")->redirect_uris = {"https://svc.example/cb"};
  Restart(o);
  ExpectError(Validate(machine->access_token()), 401, "invalid_token");

  Restart(original);
  auto again = ClientCredentialsToken();
  ASSERT_TRUE(again.ok()) << again.status();
  o = original;
  o.clients.erase(o.clients.begin() + 2);  // svc removed entirely.
  Restart(o);
  ExpectError(Validate(again->access_token()), 401, "invalid_token");
}

TEST_F(AuthorizationServerTest, GrantLifetimeIsAbsoluteFromTheSignIn) {
  AuthOptions o = options_;
  o.sweep_interval = absl::InfiniteDuration();  // Keep the expired token to present it.
  Restart(o);
  const absl::Time signed_in = clock_->Now();
  const absl::Time grant_end = signed_in + absl::Hours(24 * 90);  // The default.
  v1::TokenResponse t = Tokens();
  std::string refresh_token = t.refresh_token();
  // Rotating every 20 days never extends the grant past 90 days.
  for (int day = 20; day <= 80; day += 20) {
    clock_->Set(signed_in + absl::Hours(24 * day));
    auto rotated = Refresh(refresh_token);
    ASSERT_TRUE(rotated.ok()) << "day " << day << ": " << rotated.status();
    refresh_token = rotated->refresh_token();
  }
  std::optional<RefreshTokenRecord> last =
      store_->GetRefreshToken(ParseRefreshToken(refresh_token).key).value();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->expires_at, grant_end);  // Not day 80 + 30.
  // Half an hour before the end the access token is cut to what is left.
  clock_->Set(grant_end - absl::Minutes(30));
  auto late = Refresh(refresh_token);
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->expires_in(), 1800);
  EXPECT_TRUE(Validate(late->access_token()).ok());
  clock_->Set(grant_end);
  v1::OAuthError e = ExpectError(Refresh(late->refresh_token()).status(), 400, "invalid_grant");
  EXPECT_TRUE(absl::StrContains(e.error_description(), "sign in again")) << e.error_description();
  ExpectError(Validate(late->access_token()), 401, "invalid_token");
  // A new sign-in starts a new grant.
  EXPECT_TRUE(Refresh(Tokens().refresh_token()).ok());
}

TEST_F(AuthorizationServerTest, ShorterGrantLifetimeAppliesToExistingGrants) {
  v1::TokenResponse t = Tokens();
  clock_->Advance(absl::Hours(30));
  AuthOptions o = options_;
  o.grant_lifetime = absl::Hours(24);
  Restart(o);
  v1::OAuthError e = ExpectError(Refresh(t.refresh_token()).status(), 400, "invalid_grant");
  EXPECT_TRUE(absl::StrContains(e.error_description(), "sign in again")) << e.error_description();
  // Expired, not revoked: a longer lifetime again would let it continue.
  EXPECT_FALSE(FamilyRevoked(t.refresh_token()));
}

TEST_F(AuthorizationServerTest, RemovedUserCannotRedeemACodeIssuedBefore) {
  std::string code = GetCode();
  AuthOptions o = options_;
  o.users.clear();
  Restart(o);
  ExpectError(server_->Token(CodeExchange(code)).status(), 400, "invalid_grant");
}

// ------------------------------------------------------ token: rate limit

TEST_F(AuthorizationServerTest, TokenRequestsAreRateLimitedPerClient) {
  AuthOptions o = options_;
  o.token_rate_per_second = 0.5;  // one every 2 s
  o.token_rate_burst = 2;
  server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  auto client_credentials = [&](ClientCredentials creds) {
    v1::TokenRequest t;
    t.set_grant_type("client_credentials");
    *t.mutable_client() = creds;
    return server_->Token(t);
  };
  ClientCredentials svc = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "svc-secret");
  EXPECT_TRUE(client_credentials(svc).ok());
  EXPECT_TRUE(client_credentials(svc).ok());
  auto limited = client_credentials(svc);
  v1::OAuthError e = ExpectError(limited.status(), 429, "temporarily_unavailable");
  EXPECT_EQ(limited.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(e.retry_after_seconds(), 2);
  EXPECT_TRUE(absl::StrContains(e.error_description(), "retry after 2 s")) << e.error_description();

  // Another client's budget is its own; failed grants count against it too
  // (the limit is on requests, not on successes).
  ExpectError(Refresh("no-such-token").status(), 400, "invalid_grant");
  ExpectError(Refresh("no-such-token").status(), 400, "invalid_grant");
  ExpectError(Refresh("no-such-token").status(), 429, "temporarily_unavailable");

  // A caller without the secret cannot use up the client's budget.
  clock_->Advance(absl::Seconds(4));  // two tokens back for svc
  ClientCredentials wrong = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "wrong");
  for (int i = 0; i < 5; ++i)
    ExpectError(client_credentials(wrong).status(), 401, "invalid_client");
  EXPECT_TRUE(client_credentials(svc).ok());
  EXPECT_TRUE(client_credentials(svc).ok());
  ExpectError(client_credentials(svc).status(), 429, "temporarily_unavailable");

  // One token per 2 s after that.
  clock_->Advance(absl::Seconds(1));
  e = ExpectError(client_credentials(svc).status(), 429, "temporarily_unavailable");
  EXPECT_EQ(e.retry_after_seconds(), 1);
  clock_->Advance(absl::Seconds(1));
  EXPECT_TRUE(client_credentials(svc).ok());
}

TEST_F(AuthorizationServerTest, FailedClientAuthIsThrottledPerClientAndAddress) {
  AuthOptions o = options_;
  o.max_client_auth_failures = 3;
  o.max_client_auth_failures_per_ip = 5;
  o.client_auth_failure_window = absl::Seconds(60);
  server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  auto grant = [&](const std::string& id, const std::string& secret, const std::string& ip) {
    v1::TokenRequest t;
    t.set_grant_type("client_credentials");
    *t.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, id, secret);
    t.mutable_client()->set_client_ip(ip);
    return server_->Token(t);
  };
  for (int i = 0; i < 3; ++i) {
    ExpectError(grant("svc", "wrong", "192.0.2.1").status(), 401, "invalid_client");
  }
  // Refused before verification: even the right secret, from that address.
  auto refused = grant("svc", "svc-secret", "192.0.2.1");
  v1::OAuthError e = ExpectError(refused.status(), 429, "temporarily_unavailable");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(e.retry_after_seconds(), 60);
  // Introspection and revocation authenticate the same way.
  v1::IntrospectRequest introspect;
  *introspect.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "svc-secret");
  introspect.mutable_client()->set_client_ip("192.0.2.1");
  introspect.set_token("x");
  ExpectError(server_->Introspect(introspect).status(), 429, "temporarily_unavailable");
  // The same client from another address, and another client from this one.
  EXPECT_TRUE(grant("svc", "svc-secret", "192.0.2.2").ok());
  ExpectError(grant("static-client", "wrong", "192.0.2.1").status(), 401, "invalid_client");

  // Over all clients from one address (unknown ids included): 5 failures.
  ExpectError(grant("ghost", "x", "192.0.2.1").status(), 401, "invalid_client");
  ExpectError(grant("other", "other-secret", "192.0.2.1").status(), 429, "temporarily_unavailable");
  // ("other" may not use client_credentials: authenticated, then refused.)
  ExpectError(grant("other", "other-secret", "192.0.2.3").status(), 400, "unauthorized_client");

  // The window ends: everything works again from that address.
  clock_->Advance(absl::Seconds(30));
  e = ExpectError(grant("svc", "svc-secret", "192.0.2.1").status(), 429, "temporarily_unavailable");
  EXPECT_EQ(e.retry_after_seconds(), 30);
  clock_->Advance(absl::Seconds(30));
  EXPECT_TRUE(grant("svc", "svc-secret", "192.0.2.1").ok());
}

TEST_F(AuthorizationServerTest, ClientAuthThrottleCanBeDisabled) {
  AuthOptions o = options_;
  o.max_client_auth_failures = 0;
  o.max_client_auth_failures_per_ip = 0;
  server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  v1::TokenRequest t;
  t.set_grant_type("client_credentials");
  *t.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "wrong");
  t.mutable_client()->set_client_ip("192.0.2.1");
  for (int i = 0; i < 20; ++i) ExpectError(server_->Token(t).status(), 401, "invalid_client");
  t.mutable_client()->set_client_secret("svc-secret");
  EXPECT_TRUE(server_->Token(t).ok());
}

TEST_F(AuthorizationServerTest, ClientAuthThrottleGroupsIpv6BySlash64) {
  AuthOptions o = options_;
  o.max_client_auth_failures = 3;
  server_ = std::make_unique<AuthorizationServer>(o, store_, clock_);
  auto grant = [&](const std::string& secret, const std::string& ip) {
    v1::TokenRequest t;
    t.set_grant_type("client_credentials");
    *t.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", secret);
    t.mutable_client()->set_client_ip(ip);
    return server_->Token(t);
  };
  for (int i = 1; i <= 3; ++i) {
    ExpectError(grant("wrong", "2001:db8:aa:bb::" + std::to_string(i)).status(), 401,
                "invalid_client");
  }
  ExpectError(grant("svc-secret", "2001:db8:aa:bb:1:2:3:4").status(), 429,
              "temporarily_unavailable");
  EXPECT_TRUE(grant("svc-secret", "2001:db8:aa:bc::1").ok());
}

TEST_F(AuthorizationServerTest, DefaultTokenRateLimitAllowsBursts) {
  // The defaults let one client make hundreds of requests at once.
  ClientCredentials svc = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "svc-secret");
  v1::TokenRequest t;
  t.set_grant_type("client_credentials");
  *t.mutable_client() = svc;
  for (int i = 0; i < options_.token_rate_burst; ++i) {
    ASSERT_TRUE(server_->Token(t).ok()) << i;
  }
  ExpectError(server_->Token(t).status(), 429, "temporarily_unavailable");
}

// ---------------------------------------------------- client_credentials

TEST_F(AuthorizationServerTest, ClientCredentialsGrant) {
  v1::TokenRequest t;
  *t.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_POST, "svc", "svc-secret");
  t.set_grant_type("client_credentials");
  auto result = server_->Token(t);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->refresh_token().empty());
  EXPECT_EQ(result->scope(), "user");
  v1::ValidateAccessTokenRequest v;
  v.set_access_token(result->access_token());
  auto principal = server_->ValidateAccessToken(v);
  ASSERT_TRUE(principal.ok());
  // A machine subject, apart from every user subject.
  EXPECT_EQ(principal->principal().subject(), "client:svc");
  EXPECT_EQ(principal->principal().client_id(), "svc");
  EXPECT_TRUE(principal->principal().username().empty());
  t.set_scope("admin");
  ExpectError(server_->Token(t).status(), 400, "invalid_scope");
}

TEST_F(AuthorizationServerTest, UserNamedLikeAClientIsNotThatClient) {
  AuthOptions o = options_;
  o.users.push_back({"svc", "svc", HashSecret("svc-user-pw", 1000)});
  Restart(o);
  auto started = server_->StartAuthorization(GoodRequest());
  ASSERT_TRUE(started.ok());
  auto login = Login(started->authorization_id(), "svc", "svc-user-pw");
  ASSERT_TRUE(login.ok()) << login.status();
  auto user = server_->Token(CodeExchange(QueryOf(login->redirect_to())["code"]));
  ASSERT_TRUE(user.ok()) << user.status();
  auto machine = ClientCredentialsToken();
  ASSERT_TRUE(machine.ok());
  v1::ValidateAccessTokenRequest v;
  v.set_access_token(user->access_token());
  auto user_principal = server_->ValidateAccessToken(v);
  v.set_access_token(machine->access_token());
  auto machine_principal = server_->ValidateAccessToken(v);
  ASSERT_TRUE(user_principal.ok() && machine_principal.ok());
  EXPECT_EQ(user_principal->principal().subject(), "svc");
  EXPECT_EQ(machine_principal->principal().subject(), "client:svc");
  // Introspection shows the same subjects.
  v1::IntrospectRequest r;
  *r.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "svc-secret");
  r.set_token(machine->access_token());
  auto introspected = server_->Introspect(r);
  ASSERT_TRUE(introspected.ok());
  EXPECT_EQ(introspected->sub(), "client:svc");
}

// ---------------------------------------------------------- introspection

TEST_F(AuthorizationServerTest, IntrospectionRequiresConfidentialClient) {
  v1::TokenResponse t = Tokens();
  v1::IntrospectRequest r;
  r.set_token(t.access_token());
  ExpectError(server_->Introspect(r).status(), 401, "invalid_client");
  *r.mutable_client() = Creds(ClientCredentials::NONE, "native");
  ExpectError(server_->Introspect(r).status(), 401, "invalid_client");
  *r.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "bad");
  ExpectError(server_->Introspect(r).status(), 401, "invalid_client");
}

TEST_F(AuthorizationServerTest, IntrospectionFields) {
  absl::Time issued = clock_->Now();
  v1::TokenResponse t = Tokens();
  clock_->Advance(absl::Seconds(120));
  v1::IntrospectRequest r;
  *r.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "svc-secret");
  r.set_token(t.access_token());
  auto result = server_->Introspect(r);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->active());
  EXPECT_EQ(result->scope(), "user");
  EXPECT_EQ(result->client_id(), "static-client");
  EXPECT_EQ(result->username(), "alice");
  EXPECT_EQ(result->sub(), "sub-alice");
  EXPECT_EQ(result->token_type(), "Bearer");
  EXPECT_EQ(result->iat(), absl::ToUnixSeconds(issued));  // issue time, not now
  EXPECT_EQ(result->exp(), absl::ToUnixSeconds(issued) + 3600);
  EXPECT_EQ(result->aud(), kResource);
  EXPECT_EQ(result->iss(), kIssuer);
  EXPECT_EQ(result->jti().size(), 32u);

  r.set_token(t.refresh_token());
  result = server_->Introspect(r);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->active());
  EXPECT_EQ(result->token_type(), "refresh_token");

  r.set_token("garbage");
  result = server_->Introspect(r);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->active());
  EXPECT_TRUE(result->client_id().empty());

  clock_->Advance(absl::Seconds(3600));
  r.set_token(t.access_token());
  result = server_->Introspect(r);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->active());
}

// Hostile item 8 of issue 13: a client learned the user, scope and client of
// every other client's tokens.
TEST_F(AuthorizationServerTest, IntrospectionShowsTokensOnlyToTheirClientOrAResourceServer) {
  v1::TokenResponse user_tokens = Tokens();  // static-client's, for alice
  v1::TokenRequest cc;
  cc.set_grant_type("client_credentials");
  *cc.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "svc-secret");
  auto svc_token = server_->Token(cc);
  ASSERT_TRUE(svc_token.ok()) << svc_token.status();

  auto introspect = [&](const ClientCredentials& caller, const std::string& token) {
    v1::IntrospectRequest r;
    *r.mutable_client() = caller;
    r.set_token(token);
    auto result = server_->Introspect(r);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : v1::IntrospectResponse();
  };
  ClientCredentials other = Creds(ClientCredentials::CLIENT_SECRET_POST, "other", "other-secret");
  ClientCredentials resource_server =
      Creds(ClientCredentials::CLIENT_SECRET_BASIC, "svc", "svc-secret");

  // Another client: not active, and nothing else (RFC 7662 §2.2).
  for (const std::string& token : {user_tokens.access_token(), user_tokens.refresh_token()}) {
    v1::IntrospectResponse hidden = introspect(other, token);
    EXPECT_EQ(hidden.ByteSizeLong(), 0u) << hidden.DebugString();
    EXPECT_FALSE(hidden.active());
  }
  EXPECT_FALSE(introspect(StaticBasic(), svc_token->access_token()).active());

  // The token's own client.
  v1::IntrospectResponse own = introspect(StaticBasic(), user_tokens.access_token());
  EXPECT_TRUE(own.active());
  EXPECT_EQ(own.client_id(), "static-client");
  EXPECT_EQ(own.username(), "alice");
  EXPECT_TRUE(introspect(StaticBasic(), user_tokens.refresh_token()).active());
  EXPECT_TRUE(introspect(resource_server, svc_token->access_token()).active());

  // The resource server (introspect_any_token) sees every client's tokens.
  v1::IntrospectResponse seen = introspect(resource_server, user_tokens.access_token());
  EXPECT_TRUE(seen.active());
  EXPECT_EQ(seen.client_id(), "static-client");
  EXPECT_EQ(seen.sub(), "sub-alice");
  EXPECT_TRUE(introspect(resource_server, user_tokens.refresh_token()).active());
}

// ------------------------------------------------------------- revocation

TEST_F(AuthorizationServerTest, RevokingRefreshTokenRevokesFamily) {
  v1::TokenResponse t = Tokens();
  v1::RevokeRequest r;
  *r.mutable_client() = StaticBasic();
  r.set_token(t.refresh_token());
  ASSERT_TRUE(server_->Revoke(r).ok());
  ExpectError(Validate(t.access_token()), 401, "invalid_token");
  ExpectError(Refresh(t.refresh_token()).status(), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, RevokingAccessTokenRevokesOnlyIt) {
  v1::TokenResponse t = Tokens();
  v1::RevokeRequest r;
  *r.mutable_client() = StaticBasic();
  r.set_token(t.access_token());
  r.set_token_type_hint("access_token");
  ASSERT_TRUE(server_->Revoke(r).ok());
  ExpectError(Validate(t.access_token()), 401, "invalid_token");
  EXPECT_TRUE(Refresh(t.refresh_token()).ok());
}

TEST_F(AuthorizationServerTest, RevocationOfUnknownOrForeignTokens) {
  v1::TokenResponse t = Tokens();
  v1::RevokeRequest r;
  *r.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_POST, "other", "other-secret");
  r.set_token("unknown-token");
  EXPECT_TRUE(server_->Revoke(r).ok());
  r.set_token(t.refresh_token());
  EXPECT_TRUE(server_->Revoke(r).ok());
  EXPECT_TRUE(Validate(t.access_token()).ok());  // not revoked
  *r.mutable_client() = Creds(ClientCredentials::CLIENT_SECRET_POST, "other", "wrong");
  ExpectError(server_->Revoke(r).status(), 401, "invalid_client");
}

// ----------------------------------------------------------- registration

TEST_F(AuthorizationServerTest, RegisterIsRefusedWithClientId) {
  absl::Status s = server_->Register(v1::RegisterRequest());
  v1::OAuthError e = ExpectError(s, 403, "access_denied");
  EXPECT_EQ(e.error_description(),
            "Dynamic client registration is not supported. This server uses pre-registered "
            "client credentials. Use client_id: static-client");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
}

// ------------------------------------------------------------- validation

TEST_F(AuthorizationServerTest, ValidateChecksAudienceScopeAndExpiry) {
  auto r = GoodRequest();
  r.set_scope("user");
  v1::TokenResponse t = Tokens(r);
  v1::ValidateAccessTokenRequest v;
  v.set_access_token(t.access_token());
  v.set_resource("http://LOCALHOST:9003/mcp/");
  v.add_required_scopes("user");
  auto ok = server_->ValidateAccessToken(v);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->principal().subject(), "sub-alice");
  EXPECT_EQ(ok->principal().username(), "alice");
  EXPECT_EQ(ok->principal().client_id(), "static-client");
  EXPECT_EQ(ok->principal().expires_at(), absl::ToUnixSeconds(clock_->Now()) + 3600);

  ExpectError(Validate(t.access_token(), "http://localhost:9003/other"), 401, "invalid_token");
  ExpectError(Validate(t.access_token(), kResource, {"admin"}), 403, "insufficient_scope");
  ExpectError(Validate("unknown"), 401, "invalid_token");
  ExpectError(Validate(""), 401, "invalid_token");
  ExpectError(Validate(t.refresh_token()), 401, "invalid_token");  // not an access token
  clock_->Advance(absl::Seconds(3600));
  ExpectError(Validate(t.access_token()), 401, "invalid_token");
}

// --------------------------------------------------------------- sweeping

TEST_F(AuthorizationServerTest, SweepRemovesExpiredEntries) {
  Tokens();
  ASSERT_TRUE(server_->StartAuthorization(GoodRequest()).ok());
  EXPECT_EQ(server_->SweepExpired().value(), 0);
  clock_->Advance(absl::Hours(2));
  // Pending authorization, used code, access token.
  EXPECT_EQ(server_->SweepExpired().value(), 3);
  EXPECT_EQ(store_->GetCounts().refresh_tokens, 1u);
}

}  // namespace
}  // namespace mcp_oauth::auth

namespace mcp_oauth::auth {
namespace {

// The service runs a call on its hashing budget exactly when its client
// authentication would run the KDF: not for public clients or secrets
// already verified in this process.
TEST_F(AuthorizationServerTest, NeedsSecretHashingOnlyForUnverifiedSecrets) {
  ClientCredentials fresh = StaticBasic();
  EXPECT_TRUE(server_->NeedsSecretHashing(fresh));
  ClientCredentials wrong =
      Creds(ClientCredentials::CLIENT_SECRET_BASIC, "static-client", "wrong-secret");
  EXPECT_TRUE(server_->NeedsSecretHashing(wrong));
  EXPECT_TRUE(server_->NeedsSecretHashing(
      Creds(ClientCredentials::CLIENT_SECRET_POST, "nobody", "some-secret")));  // dummy hash
  EXPECT_FALSE(server_->NeedsSecretHashing(Creds(ClientCredentials::NONE, "native")));
  EXPECT_FALSE(server_->NeedsSecretHashing(Creds(ClientCredentials::NONE, "static-client")));
  EXPECT_FALSE(server_->NeedsSecretHashing(
      Creds(ClientCredentials::CLIENT_SECRET_BASIC, "static-client", "")));

  v1::TokenResponse tokens = Tokens();  // verifies (and caches) the secret
  ASSERT_FALSE(tokens.refresh_token().empty());
  EXPECT_FALSE(server_->NeedsSecretHashing(fresh));
  EXPECT_TRUE(server_->NeedsSecretHashing(wrong));  // wrong secrets are never cached
  ExpectError(Refresh(tokens.refresh_token(), "", wrong).status(), 401, "invalid_client");
  EXPECT_TRUE(server_->NeedsSecretHashing(wrong));
}

}  // namespace
}  // namespace mcp_oauth::auth
