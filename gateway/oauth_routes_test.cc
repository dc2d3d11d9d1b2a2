// The OAuth routes against a fake AuthService client: what each route sends
// to the service, how it renders the answer, and the requests it refuses
// itself (wrong method, wrong content type, malformed form or credentials)
// without calling the service.
#include "gateway/oauth_routes.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/oauth_error_details.h"
#include "client/testing/fake_auth_client.h"
#include "gateway/rfc_json.h"
#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

using client::testing::FakeAuthClient;
namespace v1 = auth::v1;

constexpr char kForm[] = "application/x-www-form-urlencoded";

std::string Header(const HttpResponse& response, const std::string& name) {
  for (const auto& [field, value] : response.headers) {
    if (field == name) return value;
  }
  return "";
}

nlohmann::json Json(const HttpResponse& response) {
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  EXPECT_FALSE(body.is_discarded()) << response.body;
  return body;
}

class OAuthRoutesTest : public ::testing::Test {
 protected:
  OAuthRoutesTest() { routes_.Register(router_); }

  HttpResponse Send(std::string method, std::string target, std::string body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest request;
    request.method = std::move(method);
    request.target = target;
    size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    for (auto& [name, value] : headers) request.headers.Add(name, value);
    request.body = std::move(body);
    request.remote_ip = "192.0.2.7";
    request.request_id = "req-1";
    std::optional<HttpResponse> response;
    int responses = 0;
    router_.Handle(std::move(request), [&](HttpResponse r) {
      ++responses;
      response = std::move(r);
    });
    EXPECT_EQ(responses, 1) << "a route answers exactly once";
    return response.value_or(HttpResponse{});
  }

  HttpResponse PostForm(const std::string& path, const std::string& body,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("content-type", kForm);
    return Send("POST", path, body, std::move(headers));
  }

  void FailWith(grpc::StatusCode code, const std::string& error, int http_status,
                const std::string& redirect_to = "", int retry_after = 0) {
    v1::OAuthError oauth;
    oauth.set_error(error);
    oauth.set_error_description(error + " happened");
    oauth.set_http_status(http_status);
    oauth.set_redirect_to(redirect_to);
    oauth.set_retry_after_seconds(retry_after);
    if (error == "invalid_client") oauth.set_www_authenticate("Basic realm=\"token\"");
    auth_->status = auth::MakeOAuthStatus(code, oauth);
  }

  std::shared_ptr<FakeAuthClient> auth_ = std::make_shared<FakeAuthClient>();
  OAuthRoutes routes_{auth_};
  Router router_;
};

TEST_F(OAuthRoutesTest, WrongMethodIs405WithAllow) {
  HttpResponse response = Send("GET", "/token");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(Header(response, "Allow"), "POST, OPTIONS");
  EXPECT_EQ(Send("POST", "/authorize").status, 405);
  EXPECT_EQ(Send("DELETE", "/.well-known/oauth-authorization-server").status, 405);
  EXPECT_EQ(auth_->total_calls(), 0);
}

TEST_F(OAuthRoutesTest, TokenEndpointsAllowBrowserPreflight) {
  for (const char* path : {"/token", "/introspect", "/revoke", "/register",
                           "/.well-known/oauth-protected-resource/mcp"}) {
    HttpResponse response = Send("OPTIONS", path);
    EXPECT_EQ(response.status, 204) << path;
    EXPECT_EQ(Header(response, "Access-Control-Allow-Origin"), "*") << path;
  }
  EXPECT_EQ(Send("OPTIONS", "/login").status, 405) << "no CORS on the sign-in form";
}

TEST_F(OAuthRoutesTest, FormRoutesGetTheSmallBodyLimit) {
  Router router;
  routes_.Register(router, 1234);
  for (const char* path : {"/token", "/introspect", "/revoke", "/register", "/login",
                           "/login/callback", "/login/oidc/start"}) {
    EXPECT_EQ(router.BodyLimit(path), std::optional<size_t>(1234)) << path;
  }
  EXPECT_EQ(router_.BodyLimit("/login/oidc/start"), std::optional<size_t>(kDefaultFormBodyBytes));
  for (const char* path :
       {"/authorize", "/login/oidc/callback", "/.well-known/oauth-authorization-server"}) {
    EXPECT_EQ(router.BodyLimit(path), std::nullopt) << path << ": GET routes keep the default";
  }
  EXPECT_EQ(Send("OPTIONS", "/login/oidc/start").status, 405) << "no CORS on the sign-in form";
}

TEST_F(OAuthRoutesTest, TokenRefusesABadFormWithoutCallingTheService) {
  struct Case {
    std::string content_type;
    std::string body;
    std::string authorization;
    std::string description;
  };
  const std::vector<Case> cases = {
      {"application/json", R"({"grant_type":"x"})", "", "Content-Type"},
      {"", "grant_type=authorization_code", "", "Content-Type"},
      {kForm, "grant_type=%zz", "", "malformed form body"},
      {kForm, "grant_type=a%FFb", "", "malformed form body"},
      {kForm, "grant_type=a&grant_type=b", "", "more than once"},
      {kForm, "grant_type=x&client_secret=s", "Basic Y2xpZW50OnNlY3JldA==", "one client auth"},
      {kForm, "grant_type=x", "Basic !!!notbase64", "malformed HTTP Basic"},
      {kForm, "grant_type=x", "Basic bm9jb2xvbg==", "malformed HTTP Basic"},  // "nocolon"
      {kForm, "grant_type=x&client_id=other", "Basic Y2xpZW50OnNlY3JldA==", "does not match"},
  };
  for (const Case& c : cases) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!c.content_type.empty()) headers.emplace_back("content-type", c.content_type);
    if (!c.authorization.empty()) headers.emplace_back("authorization", c.authorization);
    HttpResponse response = Send("POST", "/token", c.body, headers);
    EXPECT_EQ(response.status, 400) << c.body;
    nlohmann::json body = Json(response);
    EXPECT_EQ(body["error"], "invalid_request") << c.body;
    EXPECT_NE(body.value("error_description", "").find(c.description), std::string::npos)
        << c.body << ": " << body.dump();
    EXPECT_EQ(Header(response, "Cache-Control"), "no-store") << c.body;
  }
  EXPECT_EQ(auth_->total_calls(), 0);
}

TEST_F(OAuthRoutesTest, TokenSendsTheFormAndBasicCredentials) {
  auth_->token.response.set_access_token("at-1");
  auth_->token.response.set_token_type("Bearer");
  auth_->token.response.set_expires_in(3600);
  // "my%20client:s%3Acret" -> client "my client", secret "s:cret" (RFC 6749 §2.3.1).
  HttpResponse response =
      PostForm("/token",
               "grant_type=authorization_code&code=c1&redirect_uri=http%3A%2F%2Flocalhost%2Fcb"
               "&code_verifier=v&resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb",
               {{"authorization", "Basic bXklMjBjbGllbnQ6cyUzQWNyZXQ="}});
  ASSERT_EQ(auth_->token.calls, 1);
  const v1::TokenRequest& sent = auth_->token.request;
  EXPECT_EQ(sent.grant_type(), "authorization_code");
  EXPECT_EQ(sent.code(), "c1");
  EXPECT_EQ(sent.redirect_uri(), "http://localhost/cb");
  EXPECT_EQ(sent.code_verifier(), "v");
  ASSERT_EQ(sent.resource_size(), 2);
  EXPECT_EQ(sent.resource(1), "https://b");
  EXPECT_EQ(sent.client().method(), v1::ClientCredentials::CLIENT_SECRET_BASIC);
  EXPECT_EQ(sent.client().client_id(), "my client");
  EXPECT_EQ(sent.client().client_secret(), "s:cret");
  EXPECT_EQ(sent.client().client_ip(), "192.0.2.7");
  EXPECT_EQ(auth_->token.options.request_id, "req-1");

  EXPECT_EQ(response.status, 200);
  nlohmann::json body = Json(response);
  EXPECT_EQ(body["access_token"], "at-1");
  EXPECT_TRUE(body["expires_in"].is_number()) << "RFC 6749 §5.1: a number";
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
}

// The token body is written by hand (no reflection) and must stay what the
// generic renderer makes of the message, for every field it has now or gains.
TEST_F(OAuthRoutesTest, TokenBodyIsTheRfcJsonOfTheResponse) {
  v1::TokenResponse& issued = auth_->token.response;
  const google::protobuf::Reflection& reflection = *issued.GetReflection();
  const google::protobuf::Descriptor& descriptor = *issued.GetDescriptor();
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor.field(i);
    ASSERT_FALSE(field->is_repeated()) << field->name();
    switch (field->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
        reflection.SetString(&issued, field, field->name() + "-\"value\"-\xc3\xa9");
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT64:
        reflection.SetInt64(&issued, field, 3600 + i);
        break;
      default:
        FAIL() << "a field of a type the test does not fill: " << field->name();
    }
  }
  HttpResponse full = PostForm("/token", "grant_type=x&client_id=public");
  EXPECT_EQ(full.body, ProtoToRfcJsonString(issued));

  issued.Clear();  // the defaults are left out
  issued.set_access_token("at");
  HttpResponse minimal = PostForm("/token", "grant_type=x&client_id=public");
  EXPECT_EQ(minimal.body, ProtoToRfcJsonString(issued));
  EXPECT_EQ(minimal.body, R"({"access_token":"at"})");
}

TEST_F(OAuthRoutesTest, TokenClientAuthenticationFromTheForm) {
  PostForm("/token", "grant_type=x&client_id=c&client_secret=s");
  EXPECT_EQ(auth_->token.request.client().method(), v1::ClientCredentials::CLIENT_SECRET_POST);
  EXPECT_EQ(auth_->token.request.client().client_secret(), "s");
  PostForm("/token", "grant_type=x&client_id=public");
  EXPECT_EQ(auth_->token.request.client().method(), v1::ClientCredentials::NONE);
  EXPECT_EQ(auth_->token.request.client().client_id(), "public");
}

TEST_F(OAuthRoutesTest, TokenErrorIsRenderedAsOAuthJson) {
  FailWith(grpc::StatusCode::UNAUTHENTICATED, "invalid_client", 401);
  HttpResponse response = PostForm("/token", "grant_type=x&client_id=c&client_secret=bad");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(Json(response)["error"], "invalid_client");
  EXPECT_EQ(Header(response, "WWW-Authenticate"), "Basic realm=\"token\"");

  auth_->status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
  response = PostForm("/token", "grant_type=x");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Json(response)["error"], "temporarily_unavailable");
}

TEST_F(OAuthRoutesTest, IntrospectInactiveSaysOnlyInactive) {
  auth_->introspect.response.set_active(false);
  auth_->introspect.response.set_client_id("leak");
  HttpResponse response =
      PostForm("/introspect", "token=t&token_type_hint=access_token&client_id=rs&client_secret=s");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Json(response), (nlohmann::json{{"active", false}}));
  EXPECT_EQ(auth_->introspect.request.token(), "t");
  EXPECT_EQ(auth_->introspect.request.token_type_hint(), "access_token");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
}

TEST_F(OAuthRoutesTest, IntrospectActiveSendsTheClientAndRendersNumbers) {
  auth_->introspect.response.set_active(true);
  auth_->introspect.response.set_client_id("c");
  auth_->introspect.response.set_exp(1700003600);
  HttpResponse response = PostForm("/introspect", "token=t",
                                   {{"authorization", "Basic cnM6cyUzQWNyZXQ="}});  // rs:s%3Acret
  ASSERT_EQ(auth_->introspect.calls, 1);
  const v1::ClientCredentials& client = auth_->introspect.request.client();
  EXPECT_EQ(client.method(), v1::ClientCredentials::CLIENT_SECRET_BASIC);
  EXPECT_EQ(client.client_id(), "rs");
  EXPECT_EQ(client.client_secret(), "s:cret");
  EXPECT_EQ(client.client_ip(), "192.0.2.7");
  EXPECT_EQ(auth_->introspect.options.request_id, "req-1");
  EXPECT_EQ(response.status, 200);
  nlohmann::json body = Json(response);
  EXPECT_EQ(body["active"], true);
  EXPECT_EQ(body["client_id"], "c");
  EXPECT_TRUE(body["exp"].is_number()) << body.dump();
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
}

// /introspect and /revoke share the form and client-authentication rules
// and the error rendering of /token.
TEST_F(OAuthRoutesTest, IntrospectAndRevokeRefuseBadFormsAndRenderErrors) {
  for (const char* path : {"/introspect", "/revoke"}) {
    HttpResponse response = Send("POST", path, "token=t", {{"content-type", "text/plain"}});
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_EQ(Json(response)["error"], "invalid_request") << path;
    response = PostForm(path, "token=t&client_secret=s",
                        {{"authorization", "Basic Y2xpZW50OnNlY3JldA=="}});
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_NE(Json(response)["error_description"].get<std::string>().find("one client auth"),
              std::string::npos)
        << path;
    EXPECT_EQ(Header(response, "Cache-Control"), "no-store") << path;
  }
  EXPECT_EQ(auth_->total_calls(), 0);

  FailWith(grpc::StatusCode::UNAUTHENTICATED, "invalid_client", 401);
  for (const char* path : {"/introspect", "/revoke"}) {
    HttpResponse response = PostForm(path, "token=t&client_id=c&client_secret=bad");
    EXPECT_EQ(response.status, 401) << path;
    EXPECT_EQ(Json(response)["error"], "invalid_client") << path;
    EXPECT_EQ(Header(response, "WWW-Authenticate"), "Basic realm=\"token\"") << path;
  }
  EXPECT_EQ(auth_->introspect.calls, 1);
  EXPECT_EQ(auth_->revoke.calls, 1);
  EXPECT_EQ(auth_->revoke.request.client().method(), v1::ClientCredentials::CLIENT_SECRET_POST);
  EXPECT_EQ(auth_->revoke.request.client().client_secret(), "bad");
}

TEST_F(OAuthRoutesTest, RevokeAndRegister) {
  HttpResponse response = PostForm("/revoke", "token=t&token_type_hint=refresh_token&client_id=c");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Json(response), nlohmann::json::object());
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  EXPECT_EQ(auth_->revoke.request.token(), "t");
  EXPECT_EQ(auth_->revoke.request.token_type_hint(), "refresh_token");
  EXPECT_EQ(auth_->revoke.request.client().client_id(), "c");
  EXPECT_EQ(auth_->revoke.request.client().method(), v1::ClientCredentials::NONE);
  EXPECT_EQ(PostForm("/revoke", "token=t&token=u").status, 400);
  EXPECT_EQ(auth_->revoke.calls, 1);

  response =
      Send("POST", "/register", R"({"client_name":"x"})", {{"content-type", "application/json"}});
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(auth_->register_client.request.metadata().fields().at("client_name").string_value(),
            "x");
  FailWith(grpc::StatusCode::PERMISSION_DENIED, "access_denied", 403);
  response = Send("POST", "/register", "not json");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(Json(response)["error"], "access_denied");
}

TEST_F(OAuthRoutesTest, MetadataDocuments) {
  auth_->server_metadata.response.set_issuer("http://gw.test");
  HttpResponse response = Send("GET", "/.well-known/oauth-authorization-server");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Json(response)["issuer"], "http://gw.test");
  EXPECT_EQ(Send("GET", "/.well-known/openid-configuration").status, 200);

  auth_->status = grpc::Status(grpc::StatusCode::INTERNAL, "boom");
  response = Send("GET", "/.well-known/oauth-protected-resource");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(Json(response)["error"], "server_error");
}

TEST_F(OAuthRoutesTest, AuthorizeSendsTheQueryAndRedirectsToSignIn) {
  auth_->start_authorization.response.set_authorization_id("a b/c");
  HttpResponse response =
      Send("GET",
           "/authorize?response_type=code&client_id=c&redirect_uri=http%3A%2F%2Flocalhost%2Fcb"
           "&scope=user&state=s&code_challenge=ch&code_challenge_method=S256&resource=r1");
  ASSERT_EQ(auth_->start_authorization.calls, 1);
  const v1::StartAuthorizationRequest& sent = auth_->start_authorization.request;
  EXPECT_EQ(sent.client_id(), "c");
  EXPECT_EQ(sent.redirect_uri(), "http://localhost/cb");
  EXPECT_EQ(sent.code_challenge_method(), "S256");
  EXPECT_EQ(sent.resource_size(), 1);
  EXPECT_FALSE(sent.has_duplicate_parameters());
  EXPECT_EQ(sent.client_ip(), "192.0.2.7");
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(Header(response, "Location"), "/login?authorization_id=a%20b%2Fc");

  Send("GET", "/authorize?client_id=c&client_id=d");
  EXPECT_TRUE(auth_->start_authorization.request.has_duplicate_parameters())
      << "the service decides, the route reports";
}

TEST_F(OAuthRoutesTest, AuthorizeErrors) {
  HttpResponse response = Send("GET", "/authorize?client_id=%zz");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(Header(response, "Content-Type").find("text/html"), std::string::npos);
  EXPECT_EQ(auth_->start_authorization.calls, 0);

  // An error the client may see goes back to its redirect URI...
  FailWith(grpc::StatusCode::INVALID_ARGUMENT, "invalid_scope", 400,
           "http://localhost/cb?error=invalid_scope");
  response = Send("GET", "/authorize?client_id=c");
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(Header(response, "Location"), "http://localhost/cb?error=invalid_scope");

  // ...one about an untrusted client or redirect URI never redirects.
  FailWith(grpc::StatusCode::INVALID_ARGUMENT, "invalid_request", 400);
  response = Send("GET", "/authorize?client_id=c");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(Header(response, "Location"), "");
  EXPECT_NE(response.body.find("invalid_request happened"), std::string::npos);

  FailWith(grpc::StatusCode::RESOURCE_EXHAUSTED, "temporarily_unavailable", 429, "", 30);
  response = Send("GET", "/authorize?client_id=c");
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(Header(response, "Retry-After"), "30");
}

TEST_F(OAuthRoutesTest, LoginPageNeedsAPendingAuthorization) {
  HttpResponse response = Send("GET", "/login");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(auth_->describe_authorization.calls, 0);

  auth_->describe_authorization.response.set_csrf_token("csrf-1");
  auth_->describe_authorization.response.set_client_name("<b>App</b>");
  auth_->describe_authorization.response.set_password_login(true);
  response = Send("GET", "/login?authorization_id=az1");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(auth_->describe_authorization.request.authorization_id(), "az1");
  EXPECT_NE(response.body.find("csrf-1"), std::string::npos);
  EXPECT_EQ(response.body.find("<b>App</b>"), std::string::npos) << "escaped";

  FailWith(grpc::StatusCode::NOT_FOUND, "invalid_request", 404);
  EXPECT_EQ(Send("GET", "/login?authorization_id=gone").status, 404);
}

TEST_F(OAuthRoutesTest, LoginPostsTheFormAndRedirectsWith303) {
  auth_->complete_login.response.set_redirect_to("http://localhost/cb?code=x");
  HttpResponse response =
      PostForm("/login", "authorization_id=az1&username=alice&password=pw&csrf_token=t");
  EXPECT_EQ(response.status, 303) << "after a POST: never re-send the password";
  EXPECT_EQ(Header(response, "Location"), "http://localhost/cb?code=x");
  EXPECT_EQ(auth_->complete_login.request.username(), "alice");
  EXPECT_EQ(auth_->complete_login.request.password(), "pw");
  EXPECT_EQ(auth_->complete_login.request.client_ip(), "192.0.2.7");

  EXPECT_EQ(Send("POST", "/login", "username=alice").status, 400) << "no form Content-Type";
  EXPECT_EQ(PostForm("/login", "username=%").status, 400);
  EXPECT_EQ(auth_->complete_login.calls, 1);
}

TEST_F(OAuthRoutesTest, WrongPasswordShowsTheFormAgainWith401) {
  FailWith(grpc::StatusCode::UNAUTHENTICATED, "access_denied", 401);
  auth_->complete_login.status = auth_->status;
  auth_->status = grpc::Status::OK;
  auth_->describe_authorization.response.set_password_login(true);
  auth_->describe_authorization.response.set_csrf_token("csrf-2");
  HttpResponse response =
      PostForm("/login", "authorization_id=az1&username=alice&password=pw-s3cret&csrf_token=t");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(auth_->describe_authorization.calls, 1) << "the form is rendered anew";
  EXPECT_EQ(auth_->describe_authorization.request.authorization_id(), "az1");
  EXPECT_NE(response.body.find("csrf-2"), std::string::npos);
  EXPECT_NE(response.body.find("access_denied happened"), std::string::npos);
  EXPECT_NE(response.body.find("value=\"alice\""), std::string::npos) << "username kept";
  EXPECT_EQ(response.body.find("pw-s3cret"), std::string::npos) << "never the password";
}

TEST_F(OAuthRoutesTest, UpstreamSignIn) {
  auth_->start_upstream.response.set_redirect_to("https://idp.test/auth?x=1");
  HttpResponse response =
      PostForm("/login/oidc/start", "authorization_id=az1&csrf_token=t&provider=idp");
  EXPECT_EQ(response.status, 303);
  EXPECT_EQ(Header(response, "Location"), "https://idp.test/auth?x=1");
  EXPECT_EQ(auth_->start_upstream.request.provider_id(), "idp");
  EXPECT_EQ(Send("POST", "/login/oidc/start", "provider=idp").status, 400);

  auth_->finish_upstream.response.set_redirect_to("http://localhost/cb?code=y");
  response = Send("GET", "/login/oidc/callback?state=st&code=cd");
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(auth_->finish_upstream.request.state(), "st");
  EXPECT_EQ(auth_->finish_upstream.request.code(), "cd");
  EXPECT_EQ(Send("GET", "/login/oidc/callback?state=%g").status, 400);
  EXPECT_EQ(auth_->finish_upstream.calls, 1);
}

}  // namespace
}  // namespace mcp_oauth::gateway
