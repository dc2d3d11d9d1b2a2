#include "gateway/oauth_routes.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/auth_client.h"
#include "common/crypto.h"
#include "common/utf8.h"
#include "gateway/form.h"
#include "gateway/html.h"
#include "gateway/rfc_json.h"
#include "gateway/status_mapping.h"
#include "proto/auth/v1/auth.pb.h"

namespace mcp_oauth::gateway {
namespace {

namespace v1 = auth::v1;

// Every AuthService call carries the HTTP request's id (and the default
// 10 s deadline).
client::CallOptions CallFor(const std::string& request_id) {
  client::CallOptions options;
  options.request_id = request_id;
  return options;
}

// 302 for redirects answering a GET. After a POST, `status` is 303 See Other so
// the user agent follows with a GET and never re-sends the form (with the
// password) to the client's redirect URI (RFC 9700 §4.12).
HttpResponse Redirect(const std::string& location, int status = 302) {
  HttpResponse response;
  response.status = status;
  response.SetHeader("Location", location);
  response.SetHeader("Content-Type", "text/plain; charset=utf-8");
  AddNoStore(response);
  return response;
}

HttpResponse ErrorPage(int status, std::string_view title, std::string_view message) {
  return HtmlResponse(status, RenderErrorPage(title, message));
}

HttpResponse InvalidRequest(std::string description) {
  v1::OAuthError error;
  error.set_error("invalid_request");
  error.set_error_description(std::move(description));
  error.set_http_status(400);
  return OAuthJsonError(error);
}

bool IsFormRequest(const HttpRequest& request) {
  std::string_view type = request.headers.First("content-type");
  return type.substr(0, type.find(';')) == "application/x-www-form-urlencoded";
}

// Client authentication from HTTP Basic (RFC 6749 §2.3.1) or the form body.
// Returns false (with `error`) when the request is malformed.
bool ExtractClientCredentials(const HttpRequest& request, const FormData& form,
                              v1::ClientCredentials* credentials, std::string* error) {
  std::string_view authorization = request.headers.First("authorization");
  bool has_basic = authorization.size() > 6 && (authorization.substr(0, 6) == "Basic " ||
                                                authorization.substr(0, 6) == "basic ");
  if (has_basic) {
    if (form.Has("client_secret")) {
      *error = "use one client authentication method, not several";
      return false;
    }
    auto decoded = crypto::Base64Decode(authorization.substr(6));
    size_t colon = decoded.ok() ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      *error = "malformed HTTP Basic credentials";
      return false;
    }
    auto id = PercentDecode(std::string_view(*decoded).substr(0, colon), true);
    auto secret = PercentDecode(std::string_view(*decoded).substr(colon + 1), true);
    if (!id || !secret || !utf8::IsValid(*id) || !utf8::IsValid(*secret)) {
      *error = "malformed HTTP Basic credentials";
      return false;
    }
    if (form.Has("client_id") && form.Get("client_id") != *id) {
      *error = "client_id does not match the authenticated client";
      return false;
    }
    credentials->set_method(v1::ClientCredentials::CLIENT_SECRET_BASIC);
    credentials->set_client_id(std::move(*id));
    credentials->set_client_secret(std::move(*secret));
    return true;
  }
  credentials->set_client_id(form.Get("client_id"));
  if (form.Has("client_secret")) {
    credentials->set_method(v1::ClientCredentials::CLIENT_SECRET_POST);
    credentials->set_client_secret(form.Get("client_secret"));
  } else if (form.Has("client_id")) {
    credentials->set_method(v1::ClientCredentials::NONE);
  }
  return true;
}

// Parses a form body of a client-authenticated endpoint; on failure responds
// and returns false.
bool ParseClientForm(const HttpRequest& request, const Responder& respond, FormData* form,
                     v1::ClientCredentials* credentials) {
  if (!IsFormRequest(request)) {
    respond(InvalidRequest("Content-Type must be application/x-www-form-urlencoded"));
    return false;
  }
  auto parsed = ParseForm(request.body);
  if (!parsed) {
    respond(InvalidRequest("malformed form body"));
    return false;
  }
  if (parsed->HasDuplicatesExcept({"resource"})) {
    respond(InvalidRequest("a parameter was given more than once"));
    return false;
  }
  std::string error;
  if (!ExtractClientCredentials(request, *parsed, credentials, &error)) {
    respond(InvalidRequest(error));
    return false;
  }
  credentials->set_client_ip(request.remote_ip);
  *form = std::move(*parsed);
  return true;
}

// The answer of the client-authenticated JSON endpoints (/token,
// /introspect, /revoke): an OAuth error body, or 200 with `body(response)`;
// never cached (RFC 6749 §5.1).
template <typename Response>
client::UnaryDone<Response> NoStoreJsonAnswer(Responder respond,
                                              std::string (*body)(const Response&)) {
  return [respond = std::move(respond), body](const grpc::Status& status, Response& response) {
    if (!status.ok()) return respond(OAuthJsonError(OAuthErrorFromStatus(status)));
    HttpResponse answer = JsonResponse(200, body(response));
    AddNoStore(answer);
    respond(std::move(answer));
  };
}

// Appends `,"key":"value"` (the comma unless first). Token strings are plain
// ASCII and go in as they are; anything else is serialized by nlohmann.
void AppendStringMember(std::string* out, std::string_view key, std::string_view value) {
  if (out->size() > 1) out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
  });
  if (plain) {
    out->push_back('"');
    out->append(value);
    out->push_back('"');
  } else {
    out->append(nlohmann::json(std::string(value))
                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

// RFC 6749 §5.1, exactly what ProtoToRfcJsonString renders (members in name
// order, fields at their default left out), written without its reflection and
// DOM: this is every refresh's answer. oauth_routes_test compares the two with
// every field set.
std::string TokenBody(const v1::TokenResponse& issued) {
  std::string body = "{";
  if (!issued.access_token().empty()) {
    AppendStringMember(&body, "access_token", issued.access_token());
  }
  if (issued.expires_in() != 0) {
    if (body.size() > 1) body.push_back(',');
    absl::StrAppend(&body, "\"expires_in\":", issued.expires_in());
  }
  if (!issued.refresh_token().empty()) {
    AppendStringMember(&body, "refresh_token", issued.refresh_token());
  }
  if (!issued.scope().empty()) AppendStringMember(&body, "scope", issued.scope());
  if (!issued.token_type().empty()) AppendStringMember(&body, "token_type", issued.token_type());
  body.push_back('}');
  return body;
}

// Inactive: {"active":false} and nothing else (RFC 7662 §2.2). Active: exp and
// iat are NumericDate numbers, as resource servers require.
std::string IntrospectBody(const v1::IntrospectResponse& result) {
  return result.active() ? ProtoToRfcJsonString(result) : R"({"active":false})";
}

std::string RevokeBody(const v1::RevokeResponse&) { return "{}"; }

}  // namespace

class OAuthRoutes::Impl {
 public:
  explicit Impl(std::shared_ptr<client::AuthClient> auth) : auth_(std::move(auth)) {}

  void Register(Router& router, size_t form_body_bytes) {
    auto bind = [this](void (Impl::*method)(HttpRequest, Responder)) {
      return [this, method](HttpRequest request, Responder respond) {
        (this->*method)(std::move(request), std::move(respond));
      };
    };
    CorsPolicy cors{true, "Authorization, Content-Type, MCP-Protocol-Version", "WWW-Authenticate"};
    for (const char* path :
         {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
      router.Add("GET", path, bind(&Impl::ServerMetadata));
      router.SetOptions(path, {std::nullopt, cors});
    }
    for (const char* path :
         {"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"}) {
      router.Add("GET", path, bind(&Impl::ResourceMetadata));
      router.SetOptions(path, {std::nullopt, cors});
    }
    router.Add("GET", "/authorize", bind(&Impl::Authorize));
    router.Add("GET", "/login", bind(&Impl::LoginPage));
    router.Add("POST", "/login", bind(&Impl::Login));
    router.Add("POST", "/login/callback", bind(&Impl::Login));
    router.Add("POST", "/login/oidc/start", bind(&Impl::UpstreamStart));
    router.Add("GET", "/login/oidc/callback", bind(&Impl::UpstreamCallback));
    router.Add("POST", "/token", bind(&Impl::Token));
    router.Add("POST", "/introspect", bind(&Impl::Introspect));
    router.Add("POST", "/revoke", bind(&Impl::Revoke));
    router.Add("POST", "/register", bind(&Impl::RegisterClient));
    // The form posts get the small body limit; browser clients may call
    // the machine endpoints.
    for (const char* path : {"/login", "/login/callback", "/login/oidc/start"}) {
      router.SetOptions(path, {form_body_bytes, CorsPolicy()});
    }
    for (const char* path : {"/token", "/introspect", "/revoke", "/register"}) {
      router.SetOptions(path, {form_body_bytes, cors});
    }
  }

 private:
  void ServerMetadata(HttpRequest request, Responder respond) {
    auth_->GetServerMetadata(CallFor(request.request_id), v1::GetServerMetadataRequest(),
                             [respond](const grpc::Status& status, v1::ServerMetadata& metadata) {
                               if (!status.ok())
                                 return respond(OAuthJsonError(OAuthErrorFromStatus(status)));
                               respond(JsonResponse(200, ProtoToRfcJsonString(metadata)));
                             });
  }

  void ResourceMetadata(HttpRequest request, Responder respond) {
    auth_->GetProtectedResourceMetadata(
        CallFor(request.request_id), v1::GetProtectedResourceMetadataRequest(),
        [respond](const grpc::Status& status, v1::ProtectedResourceMetadata& metadata) {
          if (!status.ok()) return respond(OAuthJsonError(OAuthErrorFromStatus(status)));
          respond(JsonResponse(200, ProtoToRfcJsonString(metadata)));
        });
  }

  void Authorize(HttpRequest request, Responder respond) {
    auto query = ParseForm(request.query);
    if (!query) {
      return respond(ErrorPage(400, "Invalid request", "The authorization request is malformed."));
    }
    v1::StartAuthorizationRequest start;
    start.set_response_type(query->Get("response_type"));
    start.set_client_id(query->Get("client_id"));
    start.set_redirect_uri(query->Get("redirect_uri"));
    start.set_scope(query->Get("scope"));
    start.set_state(query->Get("state"));
    start.set_code_challenge(query->Get("code_challenge"));
    start.set_code_challenge_method(query->Get("code_challenge_method"));
    for (auto& resource : query->GetAll("resource")) start.add_resource(std::move(resource));
    start.set_has_duplicate_parameters(query->HasDuplicatesExcept({"resource"}));
    start.set_client_ip(request.remote_ip);
    auth_->StartAuthorization(
        CallFor(request.request_id), start,
        [respond](const grpc::Status& status, v1::StartAuthorizationResponse& started) {
          if (status.ok()) {
            return respond(
                Redirect("/login?authorization_id=" + PercentEncode(started.authorization_id())));
          }
          v1::OAuthError error = OAuthErrorFromStatus(status);
          if (!error.redirect_to().empty()) return respond(Redirect(error.redirect_to()));
          // The client or its redirect URI is not trusted, or the server is
          // busy (429 rate, 503 too many pending): never redirect.
          HttpResponse page = ErrorPage(
              error.http_status(),
              error.retry_after_seconds() > 0 ? "Try again later" : "Authorization request refused",
              error.error_description().empty() ? error.error() : error.error_description());
          if (error.retry_after_seconds() > 0) {
            page.SetHeader("Retry-After", std::to_string(error.retry_after_seconds()));
          }
          respond(std::move(page));
        });
  }

  void LoginPage(HttpRequest request, Responder respond) {
    auto query = ParseForm(request.query);
    std::string id = query ? query->Get("authorization_id") : "";
    if (id.empty()) {
      return respond(ErrorPage(400, "Sign-in request missing",
                               "Start signing in from your application; this page needs a "
                               "pending authorization request."));
    }
    RenderLogin(request.request_id, std::move(id), "", "", 200, std::move(respond));
  }

  // Describes the pending authorization and renders the sign-in form.
  void RenderLogin(const std::string& request_id, std::string authorization_id,
                   std::string username, std::string error_message, int status_code,
                   Responder respond) {
    v1::DescribeAuthorizationRequest describe;
    describe.set_authorization_id(authorization_id);
    auth_->DescribeAuthorization(
        CallFor(request_id), describe,
        [this, request_id, respond, authorization_id, username, error_message, status_code](
            const grpc::Status& status, v1::DescribeAuthorizationResponse& described) {
          if (!status.ok()) {
            v1::OAuthError error = OAuthErrorFromStatus(status);
            return respond(ErrorPage(error.http_status(), "Sign-in request expired",
                                     "This sign-in request is unknown or has expired. Start "
                                     "again from your application."));
          }
          struct LoginPage page;
          page.authorization_id = authorization_id;
          page.csrf_token = described.csrf_token();
          page.client_id = described.client_id();
          page.client_name = described.client_name();
          page.redirect_host = described.redirect_host();
          page.scopes.assign(described.scopes().begin(), described.scopes().end());
          page.username = username;
          page.error_message = error_message;
          page.password_login = described.password_login();
          for (const v1::IdentityProvider& p : described.identity_providers()) {
            page.identity_providers.emplace_back(p.id(), p.display_name());
          }
          // No local users and one provider: straight to the provider.
          if (!page.password_login && page.identity_providers.size() == 1 &&
              error_message.empty()) {
            return StartUpstream(request_id, authorization_id, page.csrf_token,
                                 page.identity_providers[0].first, respond);
          }
          respond(HtmlResponse(status_code, RenderLoginPage(page)));
        });
  }

  // POST /login/oidc/start: the sign-in page's provider button.
  void UpstreamStart(HttpRequest request, Responder respond) {
    auto form = IsFormRequest(request) ? ParseForm(request.body) : std::nullopt;
    if (!form) {
      return respond(ErrorPage(400, "Invalid request", "The sign-in form is malformed."));
    }
    StartUpstream(request.request_id, form->Get("authorization_id"), form->Get("csrf_token"),
                  form->Get("provider"), std::move(respond));
  }

  void StartUpstream(const std::string& request_id, const std::string& authorization_id,
                     const std::string& csrf_token, const std::string& provider_id,
                     Responder respond) {
    v1::StartUpstreamSignInRequest start;
    start.set_authorization_id(authorization_id);
    start.set_csrf_token(csrf_token);
    start.set_provider_id(provider_id);
    auth_->StartUpstreamSignIn(
        CallFor(request_id), start,
        [respond](const grpc::Status& status, v1::StartUpstreamSignInResponse& started) {
          if (status.ok()) return respond(Redirect(started.redirect_to(), 303));
          v1::OAuthError error = OAuthErrorFromStatus(status);
          respond(ErrorPage(
              error.http_status(), "Sign-in failed",
              error.error_description().empty() ? error.error() : error.error_description()));
        });
  }

  // GET /login/oidc/callback: the identity provider's answer.
  void UpstreamCallback(HttpRequest request, Responder respond) {
    auto query = ParseForm(request.query);
    if (!query) {
      return respond(ErrorPage(400, "Invalid request", "The sign-in answer is malformed."));
    }
    v1::FinishUpstreamSignInRequest finish;
    finish.set_state(query->Get("state"));
    finish.set_code(query->Get("code"));
    finish.set_error(query->Get("error"));
    finish.set_error_description(query->Get("error_description"));
    auth_->FinishUpstreamSignIn(
        CallFor(request.request_id), finish,
        [respond](const grpc::Status& status, v1::FinishUpstreamSignInResponse& done) {
          if (status.ok()) return respond(Redirect(done.redirect_to()));
          v1::OAuthError error = OAuthErrorFromStatus(status);
          if (!error.redirect_to().empty()) return respond(Redirect(error.redirect_to()));
          respond(ErrorPage(
              error.http_status(), "Sign-in failed",
              error.error_description().empty() ? error.error() : error.error_description()));
        });
  }

  void Login(HttpRequest request, Responder respond) {
    auto form = IsFormRequest(request) ? ParseForm(request.body) : std::nullopt;
    if (!form) {
      return respond(ErrorPage(400, "Invalid request", "The sign-in form is malformed."));
    }
    v1::CompleteLoginRequest login;
    login.set_authorization_id(form->Get("authorization_id"));
    login.set_username(form->Get("username"));
    login.set_password(form->Get("password"));
    login.set_csrf_token(form->Get("csrf_token"));
    login.set_client_ip(request.remote_ip);
    std::string authorization_id = login.authorization_id();
    std::string username = login.username();
    auth_->CompleteLogin(
        CallFor(request.request_id), login,
        [this, respond, authorization_id, username, request_id = request.request_id](
            const grpc::Status& status, v1::CompleteLoginResponse& done) {
          if (status.ok()) return respond(Redirect(done.redirect_to(), 303));
          v1::OAuthError error = OAuthErrorFromStatus(status);
          if (error.http_status() == 401) {
            return RenderLogin(request_id, authorization_id, username, error.error_description(),
                               401, respond);
          }
          HttpResponse page = ErrorPage(
              error.http_status(), "Sign-in failed",
              error.error_description().empty() ? error.error() : error.error_description());
          if (error.retry_after_seconds() > 0) {
            page.SetHeader("Retry-After", std::to_string(error.retry_after_seconds()));
          }
          respond(std::move(page));
        });
  }

  void Token(HttpRequest request, Responder respond) {
    FormData form;
    v1::TokenRequest token;
    if (!ParseClientForm(request, respond, &form, token.mutable_client())) return;
    token.set_grant_type(form.Get("grant_type"));
    token.set_code(form.Get("code"));
    token.set_redirect_uri(form.Get("redirect_uri"));
    token.set_code_verifier(form.Get("code_verifier"));
    token.set_refresh_token(form.Get("refresh_token"));
    token.set_scope(form.Get("scope"));
    for (auto& resource : form.GetAll("resource")) token.add_resource(std::move(resource));
    auth_->Token(CallFor(request.request_id), token,
                 NoStoreJsonAnswer(std::move(respond), &TokenBody));
  }

  void Introspect(HttpRequest request, Responder respond) {
    TokenManagement(request, std::move(respond), &client::AuthClient::Introspect, &IntrospectBody);
  }

  void Revoke(HttpRequest request, Responder respond) {
    TokenManagement(request, std::move(respond), &client::AuthClient::Revoke, &RevokeBody);
  }

  // /introspect (RFC 7662 §2.1) and /revoke (RFC 7009 §2.1) take the same
  // form, `token` and `token_type_hint` from an authenticated client; only
  // the RPC (`method`) and the success body differ.
  template <typename Request, typename Response>
  void TokenManagement(const HttpRequest& request, Responder respond,
                       void (client::AuthClient::*method)(const client::CallOptions&,
                                                          const Request&,
                                                          client::UnaryDone<Response>),
                       std::string (*body)(const Response&)) {
    FormData form;
    Request call;
    if (!ParseClientForm(request, respond, &form, call.mutable_client())) return;
    call.set_token(form.Get("token"));
    call.set_token_type_hint(form.Get("token_type_hint"));
    ((*auth_).*method)(CallFor(request.request_id), call,
                       NoStoreJsonAnswer(std::move(respond), body));
  }

  void RegisterClient(HttpRequest request, Responder respond) {
    v1::RegisterRequest registration;
    // The document is passed along when it is a JSON object; it is refused anyway.
    (void)google::protobuf::util::JsonStringToMessage(request.body,
                                                      registration.mutable_metadata());
    auth_->Register(CallFor(request.request_id), registration,
                    [respond](const grpc::Status& status, v1::RegisterResponse&) {
                      if (!status.ok())
                        return respond(OAuthJsonError(OAuthErrorFromStatus(status)));
                      respond(JsonResponse(201, "{}"));
                    });
  }

  const std::shared_ptr<client::AuthClient> auth_;
};

OAuthRoutes::OAuthRoutes(std::shared_ptr<client::AuthClient> auth)
    : impl_(std::make_unique<Impl>(std::move(auth))) {}

OAuthRoutes::~OAuthRoutes() = default;

void OAuthRoutes::Register(Router& router, size_t form_body_bytes) {
  impl_->Register(router, form_body_bytes);
}

}  // namespace mcp_oauth::gateway
