#include "auth/authorization_server.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "auth/client_address.h"
#include "auth/oauth_error.h"
#include "auth/refresh_chain.h"
#include "auth/secret_hash.h"
#include "auth/url.h"
#include "common/crypto.h"
#include "common/status_macros.h"

namespace mcp_oauth::auth {
namespace {

// Bounds on untrusted parameters.
constexpr size_t kMaxClientIdLength = 256;
constexpr size_t kMaxUriLength = 2048;
constexpr size_t kMaxStateLength = 1024;
constexpr size_t kMaxScopeLength = 1024;
constexpr size_t kMaxTokenLength = 512;
constexpr size_t kMaxUsernameLength = 256;
constexpr size_t kMaxPasswordLength = 1024;
constexpr size_t kMaxResources = 8;
constexpr size_t kMaxVerifiedSecrets = 4096;
// Client addresses whose /authorize rate is tracked at once (~100 bytes each).
constexpr size_t kMaxAuthorizeRateKeys = 100000;
// What a full pending-authorization table asks clients to wait.
constexpr int kPendingFullRetrySeconds = 60;

constexpr char kInvalidCredentials[] = "Invalid username or password";
constexpr char kExpiredAuthorization[] =
    "This sign-in request has expired or is unknown. Return to the application and start again.";

std::string Hash(const std::string& value) { return crypto::Sha256(value); }

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Splits a space-delimited scope string, dropping empty items and duplicates.
std::vector<std::string> ParseScopes(const std::string& scope) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
    std::string s(item);
    if (!Contains(out, s)) out.push_back(std::move(s));
  }
  return out;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). Error
// descriptions (RFC 6749 §4.1.2.1, §5.2: printable ASCII only) name a rejected
// scope only when it has this syntax: anything else is not echoed, so no raw
// bytes (e.g. invalid UTF-8, which the OAuthError proto cannot carry) end up
// in the error.
std::string ScopeForDescription(const std::string& scope) {
  for (char c : scope) {
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return "(malformed scope)";
  }
  return scope;
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// RFC 7636 §4.1: 43-128 characters of [A-Za-z0-9-._~].
bool IsValidCodeVerifier(const std::string& verifier) {
  if (verifier.size() < 43 || verifier.size() > 128) return false;
  for (char c : verifier) {
    if (!IsBase64UrlChar(c) && c != '.' && c != '~') return false;
  }
  return true;
}

bool IsValidCodeChallenge(const std::string& challenge) {
  return challenge.size() == 43 && std::all_of(challenge.begin(), challenge.end(), IsBase64UrlChar);
}

absl::Status InvalidRequest(const std::string& description) {
  return MakeOAuthError(400, "invalid_request", description);
}
absl::Status InvalidGrant(const std::string& description) {
  return MakeOAuthError(400, "invalid_grant", description);
}
absl::Status InvalidToken(const std::string& description) {
  return MakeOAuthError(401, "invalid_token", description);
}

// A temporarily_unavailable error asking the caller to retry later.
absl::Status RetryLater(int http_status, const std::string& description, int64_t seconds) {
  v1::OAuthError e;
  e.set_error("temporarily_unavailable");
  e.set_error_description(description);
  e.set_http_status(http_status);
  e.set_retry_after_seconds(static_cast<int32_t>(std::clamp<int64_t>(seconds, 1, 86400)));
  return OAuthErrorStatus(e);
}

}  // namespace

AuthorizationServer::AuthorizationServer(AuthOptions options, std::shared_ptr<Store> store,
                                         std::shared_ptr<Clock> clock)
    : AuthorizationServer(options, std::move(store), std::move(clock), SubjectDirectory(options)) {}

AuthorizationServer::AuthorizationServer(AuthOptions options, std::shared_ptr<Store> store,
                                         std::shared_ptr<Clock> clock, SubjectDirectory subjects)
    : options_(std::move(options)),
      store_(std::move(store)),
      clock_(std::move(clock)),
      issuer_(options_.issuer()),
      resource_(
          NormalizeResource(options_.canonical_resource()).value_or(options_.canonical_resource())),
      subjects_(std::move(subjects)),
      cache_key_(crypto::RandomBytes(32)),
      token_limiter_(options_.token_rate_per_second, options_.token_rate_burst),
      authorize_limiter_(options_.authorize_rate_per_second, options_.authorize_rate_burst,
                         kMaxAuthorizeRateKeys) {
  for (const ClientConfig& client : options_.clients) clients_[client.client_id] = client;
  int password_iterations = kPasswordIterations;
  for (const UserConfig& user : options_.users) {
    users_[user.username] = user;
    password_iterations = std::max(1, SecretHashIterations(user.password_hash));
  }
  int client_iterations = kClientSecretIterations;
  for (const ClientConfig& client : options_.clients) {
    if (!client.secret_hash.empty()) {
      client_iterations = std::max(1, SecretHashIterations(client.secret_hash));
    }
  }
  dummy_password_hash_ = HashSecret(crypto::RandomToken(16), password_iterations);
  dummy_client_secret_hash_ = HashSecret(crypto::RandomToken(16), client_iterations);
}

const ClientConfig* AuthorizationServer::FindClient(const std::string& client_id) const {
  auto it = clients_.find(client_id);
  return it == clients_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------- metadata

v1::ServerMetadata AuthorizationServer::GetServerMetadata() const {
  v1::ServerMetadata m;
  m.set_issuer(issuer_);
  m.set_authorization_endpoint(issuer_ + "/authorize");
  m.set_token_endpoint(issuer_ + "/token");
  m.set_introspection_endpoint(issuer_ + "/introspect");
  m.set_revocation_endpoint(issuer_ + "/revoke");
  m.add_response_types_supported("code");
  m.add_response_modes_supported("query");
  bool any_public = false;
  for (const char* grant : {"authorization_code", "refresh_token", "client_credentials"}) {
    bool used = false;
    for (const ClientConfig& c : options_.clients) used = used || Contains(c.grant_types, grant);
    if (used) m.add_grant_types_supported(grant);
  }
  for (const ClientConfig& c : options_.clients) any_public = any_public || c.is_public();
  m.add_code_challenge_methods_supported("S256");
  for (const char* method : {"client_secret_basic", "client_secret_post"}) {
    m.add_token_endpoint_auth_methods_supported(method);
    m.add_introspection_endpoint_auth_methods_supported(method);
    m.add_revocation_endpoint_auth_methods_supported(method);
  }
  if (any_public) {
    m.add_token_endpoint_auth_methods_supported("none");
    m.add_revocation_endpoint_auth_methods_supported("none");
  }
  for (const std::string& s : options_.scopes_supported) m.add_scopes_supported(s);
  m.set_authorization_response_iss_parameter_supported(true);
  return m;
}

v1::ProtectedResourceMetadata AuthorizationServer::GetProtectedResourceMetadata() const {
  v1::ProtectedResourceMetadata m;
  m.set_resource(options_.canonical_resource());
  m.add_authorization_servers(issuer_);
  for (const std::string& s : options_.scopes_supported) m.add_scopes_supported(s);
  m.add_bearer_methods_supported("header");
  m.set_resource_name("MCP Server with Static OAuth Client");
  return m;
}

// ---------------------------------------------------- authorization request

absl::Status AuthorizationServer::CheckResources(
    const google::protobuf::RepeatedPtrField<std::string>& resources,
    const std::string& expected) const {
  if (static_cast<size_t>(resources.size()) > kMaxResources) {
    return MakeOAuthError(400, "invalid_target", "Too many resource parameters");
  }
  for (const std::string& resource : resources) {
    if (resource.size() > kMaxUriLength) {
      return MakeOAuthError(400, "invalid_target", "resource is too long");
    }
    auto normalized = NormalizeResource(resource);
    if (!normalized.ok() || *normalized != expected) {
      return MakeOAuthError(400, "invalid_target",
                            absl::StrCat("Unknown resource; this server issues tokens for ",
                                         options_.canonical_resource()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::StartAuthorizationResponse> AuthorizationServer::StartAuthorization(
    const v1::StartAuthorizationRequest& request) {
  absl::Time now = clock_->Now();
  RETURN_IF_ERROR(MaybeSweep(now));

  // 0. Per-address rate limit before any work: an accepted request stores a
  // pending authorization, and anyone may send one.
  if (absl::Duration wait =
          authorize_limiter_.Acquire(AddressThrottleKey(request.client_ip()), now);
      wait > absl::ZeroDuration()) {
    int64_t seconds = absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1)));
    return RetryLater(429,
                      absl::StrCat("Too many authorization requests from this address. Try "
                                   "again in ",
                                   std::max<int64_t>(1, seconds), " s."),
                      seconds);
  }

  // 1. The client and its redirect URI; until both are trusted, errors are
  // shown to the user, never redirected.
  if (request.client_id().empty()) return InvalidRequest("Missing client_id");
  const ClientConfig* client =
      request.client_id().size() <= kMaxClientIdLength ? FindClient(request.client_id()) : nullptr;
  if (client == nullptr) return InvalidRequest("Unknown client_id");
  std::string redirect_uri;
  bool redirect_in_request = !request.redirect_uri().empty();
  if (!redirect_in_request) {
    if (client->redirect_uris.size() != 1) return InvalidRequest("Missing redirect_uri");
    redirect_uri = client->redirect_uris.front();
  } else {
    if (request.redirect_uri().size() <= kMaxUriLength &&
        IsValidRedirectUri(request.redirect_uri())) {
      for (const std::string& registered : client->redirect_uris) {
        if (RedirectUriMatches(registered, request.redirect_uri())) {
          redirect_uri = request.redirect_uri();
          break;
        }
      }
    }
    if (redirect_uri.empty()) {
      return InvalidRequest("redirect_uri is not registered for this client");
    }
  }

  // 2. Everything else goes back to the client by redirect.
  bool state_ok = request.state().size() <= kMaxStateLength;
  auto redirect_error = [&](const std::string& error, const std::string& description) {
    std::vector<std::pair<std::string, std::string>> params = {{"error", error},
                                                               {"error_description", description}};
    if (state_ok && !request.state().empty()) params.emplace_back("state", request.state());
    params.emplace_back("iss", issuer_);
    v1::OAuthError e;
    e.set_error(error);
    e.set_error_description(description);
    e.set_http_status(302);
    e.set_redirect_to(AppendQueryParameters(redirect_uri, params));
    return OAuthErrorStatus(absl::StatusCode::kInvalidArgument, e);
  };
  if (request.has_duplicate_parameters()) {
    return redirect_error("invalid_request", "A parameter was repeated");
  }
  if (!state_ok) return redirect_error("invalid_request", "state is too long");
  if (request.response_type().empty()) {
    return redirect_error("invalid_request", "Missing response_type");
  }
  if (request.response_type() != "code") {
    return redirect_error("unsupported_response_type", "Only response_type=code is supported");
  }
  if (!Contains(client->grant_types, "authorization_code")) {
    return redirect_error("unauthorized_client",
                          "This client may not use the authorization_code grant");
  }
  if (request.code_challenge().empty()) {
    return redirect_error("invalid_request", "code_challenge is required (PKCE with S256)");
  }
  if (request.code_challenge_method() != "S256") {
    return redirect_error("invalid_request", "code_challenge_method must be S256");
  }
  if (!IsValidCodeChallenge(request.code_challenge())) {
    return redirect_error("invalid_request",
                          "code_challenge must be 43 base64url characters (S256)");
  }
  if (request.scope().size() > kMaxScopeLength) {
    return redirect_error("invalid_scope", "scope is too long");
  }
  std::vector<std::string> scopes = ParseScopes(request.scope());
  for (const std::string& scope : scopes) {
    if (!Contains(client->allowed_scopes, scope)) {
      return redirect_error("invalid_scope",
                            absl::StrCat("Scope not allowed: ", ScopeForDescription(scope)));
    }
  }
  if (scopes.empty()) {
    scopes.push_back(Contains(client->allowed_scopes, options_.default_scope)
                         ? options_.default_scope
                         : client->allowed_scopes.front());
  }
  absl::Status resources = CheckResources(request.resource(), resource_);
  if (!resources.ok()) {
    return redirect_error("invalid_target", std::string(resources.message()));
  }

  std::string id = crypto::RandomToken(32);
  PendingAuthorization pending;
  pending.id_hash = Hash(id);
  pending.client_id = client->client_id;
  pending.redirect_uri = redirect_uri;
  pending.redirect_uri_in_request = redirect_in_request;
  pending.scopes = scopes;
  pending.state = request.state();
  pending.code_challenge = request.code_challenge();
  pending.resource = resource_;
  pending.csrf_token = crypto::RandomToken(32);
  pending.created_at = now;
  pending.expires_at = now + options_.pending_authorization_ttl;
  absl::Status put = store_->PutPendingAuthorization(pending, options_.max_pending_authorizations);
  if (absl::IsResourceExhausted(put)) {
    return RetryLater(503,
                      "Too many sign-ins are in progress on this server. Try again in a minute.",
                      kPendingFullRetrySeconds);
  }
  if (!put.ok()) return put;

  v1::StartAuthorizationResponse response;
  response.set_authorization_id(id);
  response.set_expires_in(
      static_cast<int32_t>(absl::ToInt64Seconds(options_.pending_authorization_ttl)));
  return response;
}

absl::StatusOr<v1::DescribeAuthorizationResponse> AuthorizationServer::DescribeAuthorization(
    const v1::DescribeAuthorizationRequest& request) {
  absl::Time now = clock_->Now();
  std::optional<PendingAuthorization> pending;
  if (!request.authorization_id().empty() && request.authorization_id().size() <= kMaxTokenLength) {
    ASSIGN_OR_RETURN(pending,
                     store_->GetPendingAuthorization(Hash(request.authorization_id()), now));
  }
  if (!pending) {
    v1::OAuthError e;
    e.set_error("invalid_request");
    e.set_error_description(kExpiredAuthorization);
    e.set_http_status(400);
    return OAuthErrorStatus(absl::StatusCode::kNotFound, e);
  }
  const ClientConfig* client = FindClient(pending->client_id);
  v1::DescribeAuthorizationResponse response;
  response.set_client_id(pending->client_id);
  response.set_client_name(client != nullptr ? client->client_name : pending->client_id);
  response.set_redirect_host(HostAndPort(pending->redirect_uri));
  for (const std::string& s : pending->scopes) response.add_scopes(s);
  response.set_csrf_token(pending->csrf_token);
  response.set_password_login(!users_.empty());
  if (upstream_) {
    for (const IdentityProviderConfig& p : options_.identity_providers) {
      v1::IdentityProvider* provider = response.add_identity_providers();
      provider->set_id(p.id);
      provider->set_display_name(p.display_name);
    }
  }
  return response;
}

// ------------------------------------------------------------------ sign-in

absl::StatusOr<v1::CompleteLoginResponse> AuthorizationServer::CompleteLogin(
    const v1::CompleteLoginRequest& request) {
  absl::Time now = clock_->Now();
  RETURN_IF_ERROR(MaybeSweep(now));
  auto expired = [] {
    v1::OAuthError e;
    e.set_error("invalid_request");
    e.set_error_description(kExpiredAuthorization);
    e.set_http_status(400);
    return OAuthErrorStatus(absl::StatusCode::kNotFound, e);
  };
  if (request.authorization_id().empty() || request.authorization_id().size() > kMaxTokenLength) {
    return expired();
  }
  std::string id_hash = Hash(request.authorization_id());
  ASSIGN_OR_RETURN(std::optional<PendingAuthorization> pending,
                   store_->GetPendingAuthorization(id_hash, now));
  if (!pending) return expired();
  if (!crypto::ConstantTimeEquals(request.csrf_token(), pending->csrf_token)) {
    return MakeOAuthError(403, "access_denied",
                          "The sign-in form was not submitted from this server (CSRF check "
                          "failed). Reload the page and try again.");
  }

  // Throttle before any password work (see AuthOptions). Hard limits: per
  // user from one address, and per address over all users. Per user over all
  // addresses nothing is refused: past its limit each address gets one failed
  // try for that user per window, so a guesser needs a new address per guess
  // while the right password from an address that has not failed still works.
  const std::string username = request.username().substr(0, kMaxUsernameLength);
  const std::string address = AddressThrottleKey(request.client_ip());
  const ThrottleKey user_total{"user:" + username, options_.max_login_failures_per_user};
  int per_address_limit = options_.max_login_failures;
  if (user_total.max_failures > 0 && per_address_limit > 1) {
    ASSIGN_OR_RETURN(std::vector<ThrottleState> user_states,
                     store_->ReadLoginFailures({user_total.key}, now));
    if (!user_states.empty() && user_states.front().failures >= user_total.max_failures) {
      per_address_limit = 1;
    }
  }
  std::vector<ThrottleKey> throttle_keys = {
      {absl::StrCat("login:", address.size(), ":", address, "|", username), per_address_limit}};
  if (!request.client_ip().empty()) {
    throttle_keys.push_back({"ip:" + address, options_.max_login_failures_per_ip});
  }
  if (absl::Status throttled =
          CheckThrottle(throttle_keys, now, "Too many failed sign-in attempts. Try again later.");
      !throttled.ok()) {
    return throttled;
  }

  const UserConfig* user = nullptr;
  if (request.username().size() <= kMaxUsernameLength &&
      request.password().size() <= kMaxPasswordLength) {
    auto it = users_.find(request.username());
    if (it != users_.end()) user = &it->second;
  }
  // Unknown users are checked against a dummy hash so that timing is similar.
  bool verified = VerifySecret(request.password().substr(0, kMaxPasswordLength),
                               user != nullptr ? user->password_hash : dummy_password_hash_);
  if (user == nullptr || !verified) {
    throttle_keys.push_back(user_total);
    RETURN_IF_ERROR(RecordFailure(throttle_keys, now, options_.login_failure_window));
    return MakeOAuthError(401, "access_denied", kInvalidCredentials);
  }
  // Only this address's count for this user is forgiven: the count over all
  // addresses stays, or the user signing in would hand an attacker a fresh
  // budget.
  RETURN_IF_ERROR(store_->ResetLoginFailures(throttle_keys.front().key));
  auto redirect_to =
      IssueCode(*pending, id_hash, user->subject.empty() ? user->username : user->subject,
                user->username, now);
  if (!redirect_to.ok()) return redirect_to.status();
  v1::CompleteLoginResponse response;
  response.set_redirect_to(*redirect_to);
  return response;
}

absl::Status AuthorizationServer::ExpiredAuthorizationError() {
  v1::OAuthError e;
  e.set_error("invalid_request");
  e.set_error_description(kExpiredAuthorization);
  e.set_http_status(400);
  return OAuthErrorStatus(absl::StatusCode::kNotFound, e);
}

absl::StatusOr<std::string> AuthorizationServer::IssueCode(const PendingAuthorization& pending_ref,
                                                           const std::string& id_hash,
                                                           const std::string& subject,
                                                           const std::string& username,
                                                           absl::Time now) {
  const PendingAuthorization* pending = &pending_ref;
  auto expired = [] { return ExpiredAuthorizationError(); };
  std::string code = crypto::RandomToken(32);
  AuthorizationCode record;
  record.code_hash = Hash(code);
  record.client_id = pending->client_id;
  record.redirect_uri = pending->redirect_uri;
  record.redirect_uri_in_request = pending->redirect_uri_in_request;
  record.scopes = pending->scopes;
  record.code_challenge = pending->code_challenge;
  record.resource = pending->resource;
  record.subject = subject;
  record.username = username;
  record.family_id = crypto::HexEncode(crypto::RandomBytes(16));
  record.issued_at = now;
  record.expires_at = now + options_.code_ttl;
  absl::Status completed = store_->CompleteAuthorization(id_hash, now, record);
  if (absl::IsNotFound(completed)) return expired();
  if (!completed.ok()) return completed;

  std::vector<std::pair<std::string, std::string>> params = {{"code", code}};
  if (!pending->state.empty()) params.emplace_back("state", pending->state);
  params.emplace_back("iss", issuer_);
  return AppendQueryParameters(pending->redirect_uri, params);
}

// ----------------------------------------------------------- client auth

std::string AuthorizationServer::VerifiedSecretKey(const ClientConfig& client,
                                                   const std::string& secret) const {
  return cache_key_.Sign(absl::StrCat(client.client_id.size(), ":", client.client_id,
                                      client.secret_hash.size(), ":", client.secret_hash, secret));
}

bool AuthorizationServer::VerifyClientSecret(const ClientConfig& client,
                                             const std::string& secret) {
  std::string key = VerifiedSecretKey(client, secret);
  {
    absl::ReaderMutexLock lock(&cache_mu_);
    if (verified_secrets_.contains(key)) return true;
  }
  if (!VerifySecret(secret, client.secret_hash)) return false;
  absl::MutexLock lock(&cache_mu_);
  if (verified_secrets_.size() >= kMaxVerifiedSecrets) verified_secrets_.clear();
  verified_secrets_.insert(std::move(key));
  return true;
}

// Mirrors where AuthenticateClient calls VerifySecret.
bool AuthorizationServer::NeedsSecretHashing(const v1::ClientCredentials& credentials) {
  const std::string& secret = credentials.client_secret();
  if (secret.empty() || secret.size() > kMaxPasswordLength) return false;
  const ClientConfig* client = credentials.client_id().size() <= kMaxClientIdLength
                                   ? FindClient(credentials.client_id())
                                   : nullptr;
  if (client == nullptr) return true;  // the dummy hash
  if (client->is_public() || credentials.method() == v1::ClientCredentials::NONE) return false;
  std::string key = VerifiedSecretKey(*client, secret);
  absl::ReaderMutexLock lock(&cache_mu_);
  return !verified_secrets_.contains(key);
}

absl::Status AuthorizationServer::CheckThrottle(const std::vector<ThrottleKey>& keys,
                                                absl::Time now,
                                                const std::string& description) const {
  // One store read for all the keys.
  std::vector<std::string> names;
  std::vector<int> limits;
  for (const ThrottleKey& key : keys) {
    if (key.max_failures <= 0) continue;
    names.push_back(key.key);
    limits.push_back(key.max_failures);
  }
  if (names.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<ThrottleState> states, store_->ReadLoginFailures(names, now));
  for (size_t i = 0; i < states.size() && i < limits.size(); ++i) {
    const ThrottleState& state = states[i];
    if (state.failures >= limits[i]) {
      v1::OAuthError e;
      e.set_error("temporarily_unavailable");
      e.set_error_description(description);
      e.set_http_status(429);
      e.set_retry_after_seconds(static_cast<int32_t>(std::max<int64_t>(
          1, absl::ToInt64Seconds(absl::Ceil(state.window_end - now, absl::Seconds(1))))));
      return OAuthErrorStatus(e);
    }
  }
  return absl::OkStatus();
}

absl::Status AuthorizationServer::RecordFailure(const std::vector<ThrottleKey>& keys,
                                                absl::Time now, absl::Duration window) const {
  for (const ThrottleKey& key : keys) {
    if (key.max_failures > 0) {
      RETURN_IF_ERROR(store_->RecordLoginFailure(key.key, now, window).status());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<const ClientConfig*> AuthorizationServer::AuthenticateClient(
    const v1::ClientCredentials& credentials, bool allow_public) {
  using Method = v1::ClientCredentials;
  Method::Method method = credentials.method();
  if (method == Method::METHOD_UNSPECIFIED) {
    method = credentials.client_secret().empty() ? Method::NONE : Method::CLIENT_SECRET_POST;
  }
  const ClientConfig* client = credentials.client_id().size() <= kMaxClientIdLength
                                   ? FindClient(credentials.client_id())
                                   : nullptr;
  // Failed authentications are throttled before any secret work: per client
  // id from this address (configured ids only, so the keys stay bounded by
  // clients x addresses) and over all client ids from this address.
  absl::Time now = clock_->Now();
  const std::string ip = AddressThrottleKey(credentials.client_ip());
  std::vector<ThrottleKey> throttle_keys = {
      {"client-auth-ip:" + ip, options_.max_client_auth_failures_per_ip}};
  if (client != nullptr) {
    throttle_keys.push_back({absl::StrCat("client-auth:", ip, "|", client->client_id),
                             options_.max_client_auth_failures});
  }
  if (absl::Status throttled = CheckThrottle(
          throttle_keys, now,
          "Too many failed client authentications from this address. Try again later.");
      !throttled.ok()) {
    return throttled;
  }
  auto fail = [&](const std::string& description) -> absl::Status {
    RETURN_IF_ERROR(RecordFailure(throttle_keys, now, options_.client_auth_failure_window));
    v1::OAuthError e;
    e.set_error("invalid_client");
    e.set_error_description(description);
    e.set_http_status(401);
    if (method == Method::CLIENT_SECRET_BASIC) {
      e.set_www_authenticate(absl::StrCat("Basic realm=\"", issuer_, "\""));
    }
    return OAuthErrorStatus(e);
  };
  const std::string& secret = credentials.client_secret();
  if (client == nullptr) {
    if (!secret.empty() && secret.size() <= kMaxPasswordLength) {
      VerifySecret(secret, dummy_client_secret_hash_);  // Similar timing.
    }
    return fail("Client authentication failed");
  }
  if (client->is_public()) {
    if (!allow_public) return fail("This endpoint requires a confidential client");
    if (method != Method::NONE || !secret.empty()) {
      return fail("Client authentication failed");
    }
    return client;
  }
  if (method == Method::NONE || secret.empty()) {
    return fail("Client authentication required");
  }
  if (secret.size() > kMaxPasswordLength || !VerifyClientSecret(*client, secret)) {
    return fail("Client authentication failed");
  }
  return client;
}

// ------------------------------------------------------------------ tokens

struct AuthorizationServer::IssuedTokens {
  std::string access_token;
  AccessTokenRecord access;
  std::string refresh_token;
  RefreshTokenRecord refresh;
};

namespace {

// Fills a token record; it expires after `ttl` but never after `grant_end`.
// Fills what a token's record says about its grant (all but token_hash and
// jti).
template <typename Record>
void FillGrant(Record& r, const std::string& family_id, const std::string& client_id,
               const std::string& subject, const std::string& username,
               const std::vector<std::string>& scopes, const std::string& audience, absl::Time now,
               absl::Duration ttl, absl::Time grant_end) {
  r.family_id = family_id;
  r.client_id = client_id;
  r.subject = subject;
  r.username = username;
  r.scopes = scopes;
  r.audience = audience;
  r.issued_at = now;
  r.expires_at = std::min(now + ttl, grant_end);
}

constexpr size_t kJtiBytes = 16;
constexpr size_t kAccessTokenBytes = 32;

// Gives the record of the token `raw` its digest and a jti made of
// `jti_random` (kJtiBytes random bytes).
template <typename Record>
void Identify(Record& r, const std::string& raw, std::string_view jti_random) {
  r.token_hash = crypto::Sha256(raw);
  r.jti = crypto::HexEncode(jti_random);
}

// Gives the record of the token `raw` its digest and a new jti.
template <typename Record>
void Identify(Record& r, const std::string& raw) {
  Identify(r, raw, crypto::RandomBytes(kJtiBytes));
}

template <typename Record>
void FillRecord(Record& r, const std::string& raw, const std::string& family_id,
                const std::string& client_id, const std::string& subject,
                const std::string& username, const std::vector<std::string>& scopes,
                const std::string& audience, absl::Time now, absl::Duration ttl,
                absl::Time grant_end) {
  Identify(r, raw);
  FillGrant(r, family_id, client_id, subject, username, scopes, audience, now, ttl, grant_end);
}

v1::TokenResponse MakeTokenResponse(const std::string& access_token,
                                    const std::string& refresh_token,
                                    const std::vector<std::string>& scopes,
                                    const AccessTokenRecord& access) {
  v1::TokenResponse response;
  response.set_access_token(access_token);
  response.set_token_type("Bearer");
  response.set_expires_in(absl::ToInt64Seconds(access.expires_at - access.issued_at));
  response.set_refresh_token(refresh_token);
  response.set_scope(absl::StrJoin(scopes, " "));
  return response;
}

}  // namespace

absl::Status AuthorizationServer::CheckGrantAllowed(const std::string& client_id,
                                                    const std::string& subject,
                                                    const std::vector<std::string>& scopes) const {
  const ClientConfig* client = FindClient(client_id);
  if (client == nullptr) {
    return absl::FailedPreconditionError("The client of this grant is no longer configured");
  }
  for (const std::string& scope : scopes) {
    if (!Contains(client->allowed_scopes, scope)) {
      return absl::FailedPreconditionError(
          absl::StrCat("The client may no longer use scope ", ScopeForDescription(scope)));
    }
  }
  if (!subjects_.Exists(subject)) {
    return absl::FailedPreconditionError("The subject of this grant no longer exists");
  }
  return absl::OkStatus();
}

absl::Time AuthorizationServer::GrantEnd(absl::Time created) const {
  return created + options_.grant_lifetime;
}

template <typename Record>
absl::StatusOr<bool> AuthorizationServer::GrantUsable(const Record& record, absl::Time now) {
  if (!CheckGrantAllowed(record.client_id, record.subject, record.scopes).ok()) {
    RETURN_IF_ERROR(store_->RevokeFamily(record.family_id));
    return false;
  }
  return GrantEnd(record.grant_created_at) > now;
}

absl::StatusOr<v1::TokenResponse> AuthorizationServer::Token(const v1::TokenRequest& request) {
  absl::Time now = clock_->Now();
  RETURN_IF_ERROR(MaybeSweep(now));
  auto client_or = AuthenticateClient(request.client(), /*allow_public=*/true);
  if (!client_or.ok()) return client_or.status();
  const ClientConfig& client = **client_or;
  // Charged after authentication, so that nobody but the client itself (or,
  // for a public client, whoever presents its id) can use up its budget.
  if (absl::Duration wait = token_limiter_.Acquire(client.client_id, now);
      wait > absl::ZeroDuration()) {
    int64_t seconds =
        std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
    v1::OAuthError e;
    e.set_error("temporarily_unavailable");
    e.set_error_description(
        absl::StrCat("Too many token requests for this client; retry after ", seconds, " s"));
    e.set_http_status(429);
    e.set_retry_after_seconds(static_cast<int32_t>(std::min<int64_t>(seconds, 86400)));
    return OAuthErrorStatus(e);
  }
  const std::string& grant = request.grant_type();
  if (grant.empty()) return InvalidRequest("Missing grant_type");
  if (grant != "authorization_code" && grant != "refresh_token" && grant != "client_credentials") {
    return MakeOAuthError(400, "unsupported_grant_type",
                          "grant_type must be authorization_code, refresh_token or "
                          "client_credentials");
  }
  if (!Contains(client.grant_types, grant)) {
    return MakeOAuthError(400, "unauthorized_client",
                          absl::StrCat("This client may not use the ", grant, " grant"));
  }
  if (grant == "authorization_code") return AuthorizationCodeGrant(client, request, now);
  if (grant == "refresh_token") return RefreshTokenGrant(client, request, now);
  return ClientCredentialsGrant(client, request, now);
}

absl::StatusOr<v1::TokenResponse> AuthorizationServer::AuthorizationCodeGrant(
    const ClientConfig& client, const v1::TokenRequest& request, absl::Time now) {
  if (request.code().empty()) return InvalidRequest("Missing code");
  if (request.code_verifier().empty()) return InvalidRequest("Missing code_verifier (PKCE)");
  if (!IsValidCodeVerifier(request.code_verifier())) {
    return InvalidRequest("code_verifier must be 43-128 characters of [A-Za-z0-9-._~]");
  }
  absl::Status resources = CheckResources(request.resource(), resource_);
  if (!resources.ok()) return resources;
  if (request.code().size() > kMaxTokenLength) {
    return InvalidGrant("Invalid or expired authorization code");
  }

  // Every binding is checked before the code is consumed (inside the
  // store's transaction): a redemption failing one leaves the code to its
  // rightful client, and only a replay passing all of them revokes.
  auto check_bindings = [&](const AuthorizationCode& code) -> absl::Status {
    if (code.client_id != client.client_id) {
      return InvalidGrant("Authorization code was issued to another client");
    }
    bool redirect_ok =
        code.redirect_uri_in_request
            ? request.redirect_uri() == code.redirect_uri
            : request.redirect_uri().empty() || request.redirect_uri() == code.redirect_uri;
    if (!redirect_ok) return InvalidGrant("redirect_uri does not match the authorization request");
    std::string computed = crypto::Base64UrlEncode(crypto::Sha256(request.code_verifier()));
    if (!crypto::ConstantTimeEquals(computed, code.code_challenge)) {
      return InvalidGrant("code_verifier does not match code_challenge");
    }
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(ConsumeCodeResult consumed,
                   store_->ConsumeCode(Hash(request.code()), now, check_bindings));
  switch (consumed.outcome) {
    case ConsumeCodeOutcome::kConsumed:
      break;
    case ConsumeCodeOutcome::kRejected:
      return consumed.rejection;
    case ConsumeCodeOutcome::kAlreadyUsed:
      return InvalidGrant(
          "Authorization code was already used; tokens issued for it have been revoked");
    case ConsumeCodeOutcome::kNotFound:
      return InvalidGrant("Invalid or expired authorization code");
  }
  const AuthorizationCode& code = consumed.code;
  // The user may have been removed (or the client's scopes narrowed) since
  // signing in.
  if (absl::Status allowed = CheckGrantAllowed(client.client_id, code.subject, code.scopes);
      !allowed.ok()) {
    RETURN_IF_ERROR(store_->RevokeFamily(code.family_id));
    return InvalidGrant(std::string(allowed.message()));
  }
  // The grant's lifetime counts from the sign-in.
  const absl::Time grant_end = GrantEnd(code.issued_at);
  if (grant_end <= now) return InvalidGrant("The sign-in has expired; sign in again");

  IssuedTokens t;
  t.access_token = crypto::RandomToken(32);
  FillRecord(t.access, t.access_token, code.family_id, client.client_id, code.subject,
             code.username, code.scopes, code.resource, now, options_.access_token_ttl, grant_end);
  std::optional<RefreshTokenRecord> refresh;
  if (Contains(client.grant_types, "refresh_token")) {
    const std::string chain_id = NewRefreshChainId();
    t.refresh_token = MakeRefreshToken(chain_id, 0);
    FillRecord(t.refresh, t.refresh_token, code.family_id, client.client_id, code.subject,
               code.username, code.scopes, code.resource, now, options_.refresh_token_ttl,
               grant_end);
    t.refresh.chain_hash = Hash(chain_id);
    t.refresh.generation = 0;
    refresh = t.refresh;
  }
  TokenFamily family;
  family.family_id = code.family_id;
  family.client_id = client.client_id;
  family.subject = code.subject;
  family.username = code.username;
  family.created_at = code.issued_at;
  absl::Status issued = store_->IssueTokens(family, t.access, refresh);
  // FAILED_PRECONDITION: a replay of this code, arriving between our consume
  // and this issue, revoked the family first. We still redeemed the code
  // first, so we answer as in the sequential case (tokens issued, then
  // revoked by the replay): exactly one redemption succeeds, and what it got
  // is already dead (RFC 6749 §4.1.2).
  if (!issued.ok() && !absl::IsFailedPrecondition(issued)) return issued;
  return MakeTokenResponse(t.access_token, t.refresh_token, code.scopes, t.access);
}

absl::StatusOr<v1::TokenResponse> AuthorizationServer::RefreshTokenGrant(
    const ClientConfig& client, const v1::TokenRequest& request, absl::Time now) {
  if (request.refresh_token().empty()) return InvalidRequest("Missing refresh_token");
  if (request.refresh_token().size() > kMaxTokenLength) {
    return InvalidGrant("Invalid or expired refresh token");
  }
  const ParsedRefreshToken presented = ParseRefreshToken(request.refresh_token());
  // The successors are minted (random, digests) before the store's
  // transaction, which then only decides and writes. The next generation of
  // the token's chain; a token minted before chains starts one.
  const bool chained = !presented.chain_id.empty();
  const std::string chain_id = chained ? presented.chain_id : NewRefreshChainId();
  const int64_t generation = chained ? presented.key.generation + 1 : 0;
  // All the random bytes at once: each RAND_bytes call costs a getpid()
  // syscall (OpenSSL's fork check).
  const std::string random =
      crypto::RandomBytes(kAccessTokenBytes + kRefreshSecretBytes + 2 * kJtiBytes);
  std::string_view rest = random;
  auto take = [&rest](size_t n) {
    std::string_view part = rest.substr(0, n);
    rest.remove_prefix(n);
    return part;
  };
  IssuedTokens t;
  t.access_token = crypto::Base64UrlEncode(take(kAccessTokenBytes));
  Identify(t.access, t.access_token, take(kJtiBytes));
  std::string_view secret = take(kRefreshSecretBytes);
  t.refresh_token =
      MakeRefreshToken(chain_id, generation, absl::string_view(secret.data(), secret.size()));
  Identify(t.refresh, t.refresh_token, take(kJtiBytes));
  t.refresh.chain_hash = chained ? presented.key.chain_hash : Hash(chain_id);
  t.refresh.generation = generation;
  std::vector<std::string> scopes;

  constexpr char kSignInExpired[] =
      "The sign-in behind this refresh token has expired; sign in again";
  constexpr char kReused[] =
      "Refresh token was already used; all tokens of this grant have been revoked";
  // Runs inside the store's transaction: only in-memory checks.
  auto decide = [&](const RefreshTokenRecord& old) {
    RefreshVerdict verdict;
    auto reject = [&verdict](absl::Status status, bool revoke_family = false) {
      verdict.status = std::move(status);
      verdict.revoke_family = revoke_family;
      return verdict;
    };
    if (old.revoked) return reject(InvalidGrant("Invalid or expired refresh token"));
    const absl::Time grant_end = GrantEnd(old.grant_created_at);
    if (old.expires_at <= now) {
      // Refresh tokens expire at the latest when their grant ends: say which.
      return reject(
          InvalidGrant(grant_end <= now ? kSignInExpired : "Invalid or expired refresh token"));
    }
    if (old.client_id != client.client_id) {
      return reject(InvalidGrant("Refresh token was issued to another client"));
    }
    if (old.rotated) return reject(InvalidGrant(kReused), /*revoke_family=*/true);
    // A grant whose user is gone, or whose scopes the client may no longer
    // have, dies whole; one past its absolute lifetime just ends.
    if (absl::Status allowed = CheckGrantAllowed(client.client_id, old.subject, old.scopes);
        !allowed.ok()) {
      return reject(InvalidGrant(absl::StrCat(allowed.message(),
                                              "; all tokens of this grant have been revoked")),
                    /*revoke_family=*/true);
    }
    if (grant_end <= now) return reject(InvalidGrant(kSignInExpired));
    if (absl::Status resources = CheckResources(request.resource(), old.audience);
        !resources.ok()) {
      return reject(std::move(resources));
    }
    if (request.scope().size() > kMaxScopeLength) {
      return reject(MakeOAuthError(400, "invalid_scope", "scope is too long"));
    }
    scopes = ParseScopes(request.scope());
    for (const std::string& scope : scopes) {
      if (!Contains(old.scopes, scope)) {
        return reject(MakeOAuthError(
            400, "invalid_scope",
            absl::StrCat("Scope exceeds the original grant: ", ScopeForDescription(scope))));
      }
    }
    if (scopes.empty()) scopes = old.scopes;
    FillGrant(verdict.access, old.family_id, client.client_id, old.subject, old.username, scopes,
              old.audience, now, options_.access_token_ttl, grant_end);
    // RFC 6749 §6: the new refresh token keeps the scope of the old one. It
    // never reaches past the grant's end, so rotating does not extend it.
    FillGrant(verdict.refresh, old.family_id, client.client_id, old.subject, old.username,
              old.scopes, old.audience, now, options_.refresh_token_ttl, grant_end);
    verdict.access.token_hash = t.access.token_hash;
    verdict.access.jti = t.access.jti;
    verdict.refresh.token_hash = t.refresh.token_hash;
    verdict.refresh.jti = t.refresh.jti;
    verdict.refresh.chain_hash = t.refresh.chain_hash;
    verdict.refresh.generation = t.refresh.generation;
    t.access.issued_at = verdict.access.issued_at;
    t.access.expires_at = verdict.access.expires_at;
    return verdict;
  };
  ASSIGN_OR_RETURN(RedeemRefreshResult redeemed,
                   store_->RedeemRefreshToken(presented.key, now, decide));
  switch (redeemed.outcome) {
    case RotateOutcome::kRotated:
      return MakeTokenResponse(t.access_token, t.refresh_token, scopes, t.access);
    case RotateOutcome::kRejected:
      return redeemed.rejection;
    case RotateOutcome::kReused:
      return InvalidGrant(kReused);
    case RotateOutcome::kNotFound:
      break;
  }
  return InvalidGrant("Invalid or expired refresh token");
}

absl::StatusOr<v1::TokenResponse> AuthorizationServer::ClientCredentialsGrant(
    const ClientConfig& client, const v1::TokenRequest& request, absl::Time now) {
  absl::Status resources = CheckResources(request.resource(), resource_);
  if (!resources.ok()) return resources;
  if (request.scope().size() > kMaxScopeLength) {
    return MakeOAuthError(400, "invalid_scope", "scope is too long");
  }
  std::vector<std::string> scopes = ParseScopes(request.scope());
  for (const std::string& scope : scopes) {
    if (!Contains(client.allowed_scopes, scope)) {
      return MakeOAuthError(400, "invalid_scope",
                            absl::StrCat("Scope not allowed: ", ScopeForDescription(scope)));
    }
  }
  if (scopes.empty()) {
    scopes.push_back(Contains(client.allowed_scopes, options_.default_scope)
                         ? options_.default_scope
                         : client.allowed_scopes.front());
  }
  IssuedTokens t;
  t.access_token = crypto::RandomToken(32);
  std::string family_id = crypto::HexEncode(crypto::RandomBytes(16));
  // A machine identity: "client:<id>", never the bare client id, so no user
  // (whose subject may be any string without that prefix) can share it.
  const std::string subject = MachineSubject(client.client_id);
  FillRecord(t.access, t.access_token, family_id, client.client_id, subject, "", scopes, resource_,
             now, options_.access_token_ttl, GrantEnd(now));
  TokenFamily family;
  family.family_id = family_id;
  family.client_id = client.client_id;
  family.subject = subject;
  family.created_at = now;
  absl::Status issued = store_->IssueTokens(family, t.access, std::nullopt);
  if (!issued.ok()) return issued;
  return MakeTokenResponse(t.access_token, "", scopes, t.access);
}

// ------------------------------------------------ introspection, revocation

namespace {

// RFC 7662 §2.2: what an active access or refresh token's record says.
template <typename TokenRecord>
void FillActive(const TokenRecord& r, const char* token_type, const std::string& issuer,
                v1::IntrospectResponse* response) {
  response->set_active(true);
  response->set_scope(absl::StrJoin(r.scopes, " "));
  response->set_client_id(r.client_id);
  response->set_username(r.username);
  response->set_sub(r.subject);
  response->set_token_type(token_type);
  response->set_exp(absl::ToUnixSeconds(r.expires_at));
  response->set_iat(absl::ToUnixSeconds(r.issued_at));
  response->set_aud(r.audience);
  response->set_iss(issuer);
  response->set_jti(r.jti);
}

}  // namespace

absl::StatusOr<v1::IntrospectResponse> AuthorizationServer::Introspect(
    const v1::IntrospectRequest& request) {
  auto client_or = AuthenticateClient(request.client(), /*allow_public=*/false);
  if (!client_or.ok()) return client_or.status();
  if (request.token().empty()) return InvalidRequest("Missing token");
  v1::IntrospectResponse response;
  response.set_active(false);
  if (request.token().size() > kMaxTokenLength) return response;
  absl::Time now = clock_->Now();
  std::string hash = Hash(request.token());

  // Each returns whether it found the token active (and filled `response`).
  auto from_access = [&]() -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(std::optional<AccessTokenRecord> r, store_->GetAccessToken(hash));
    if (!r || r->revoked || r->expires_at <= now) return false;
    ASSIGN_OR_RETURN(bool usable, GrantUsable(*r, now));
    if (!usable) return false;
    FillActive(*r, "Bearer", issuer_, &response);
    return true;
  };
  auto from_refresh = [&]() -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(std::optional<RefreshTokenRecord> r,
                     store_->GetRefreshToken(ParseRefreshToken(request.token()).key));
    if (!r || r->revoked || r->rotated || r->expires_at <= now) return false;
    ASSIGN_OR_RETURN(bool usable, GrantUsable(*r, now));
    if (!usable) return false;
    FillActive(*r, "refresh_token", issuer_, &response);
    return true;
  };
  const bool refresh_first = request.token_type_hint() == "refresh_token";
  ASSIGN_OR_RETURN(bool found, refresh_first ? from_refresh() : from_access());
  if (!found) RETURN_IF_ERROR((refresh_first ? from_access() : from_refresh()).status());
  // RFC 7662 §4: the token's own client, or a resource server configured to
  // introspect any token; to everyone else the token is simply not active.
  if (response.active() && !(*client_or)->may_introspect(response.client_id())) {
    response.Clear();
    response.set_active(false);
  }
  return response;
}

absl::StatusOr<v1::RevokeResponse> AuthorizationServer::Revoke(const v1::RevokeRequest& request) {
  auto client_or = AuthenticateClient(request.client(), /*allow_public=*/true);
  if (!client_or.ok()) return client_or.status();
  const ClientConfig& client = **client_or;
  if (request.token().empty()) return InvalidRequest("Missing token");
  if (request.token().size() > kMaxTokenLength) return v1::RevokeResponse();
  std::string hash = Hash(request.token());

  // Tokens of other clients are left alone (RFC 7009 §2.1), and unknown
  // tokens are a success, so the answer reveals nothing.
  // Each returns whether it found the token.
  auto revoke_refresh = [&]() -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(std::optional<RefreshTokenRecord> r,
                     store_->GetRefreshToken(ParseRefreshToken(request.token()).key));
    if (!r) return false;
    if (r->client_id == client.client_id) {
      RETURN_IF_ERROR(store_->RevokeFamily(r->family_id));
    }
    return true;
  };
  auto revoke_access = [&]() -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(std::optional<AccessTokenRecord> r, store_->GetAccessToken(hash));
    if (!r) return false;
    if (r->client_id == client.client_id) RETURN_IF_ERROR(store_->RevokeAccessToken(hash));
    return true;
  };
  const bool access_first = request.token_type_hint() == "access_token";
  ASSIGN_OR_RETURN(bool found, access_first ? revoke_access() : revoke_refresh());
  if (!found) RETURN_IF_ERROR((access_first ? revoke_refresh() : revoke_access()).status());
  return v1::RevokeResponse();
}

absl::Status AuthorizationServer::Register(const v1::RegisterRequest& /*request*/) {
  std::string client_id =
      options_.clients.empty() ? std::string() : options_.clients.front().client_id;
  return MakeOAuthError(403, "access_denied",
                        absl::StrCat("Dynamic client registration is not supported. This server "
                                     "uses pre-registered client credentials. Use client_id: ",
                                     client_id));
}

// -------------------------------------------------------- resource server

absl::StatusOr<v1::ValidateAccessTokenResponse> AuthorizationServer::ValidateAccessToken(
    const v1::ValidateAccessTokenRequest& request) {
  const std::string& token = request.access_token();
  if (token.empty()) return InvalidToken("Missing access token");
  if (token.size() > kMaxTokenLength) return InvalidToken("Invalid access token");
  ASSIGN_OR_RETURN(std::optional<AccessTokenRecord> record, store_->GetAccessToken(Hash(token)));
  if (!record) return InvalidToken("Invalid access token");
  if (record->revoked) return InvalidToken("Access token was revoked");
  absl::Time now = clock_->Now();
  if (record->expires_at <= now) return InvalidToken("Access token expired");
  // The configuration may have changed since the token was issued (a user
  // removed, a scope taken from its client): then the whole grant dies.
  if (absl::Status allowed = CheckGrantAllowed(record->client_id, record->subject, record->scopes);
      !allowed.ok()) {
    RETURN_IF_ERROR(store_->RevokeFamily(record->family_id));
    return InvalidToken(absl::StrCat("Access token was revoked: ", allowed.message()));
  }
  if (GrantEnd(record->grant_created_at) <= now) {
    return InvalidToken("Access token expired: the sign-in is older than the grant lifetime");
  }

  const std::string& wanted = request.resource();
  bool audience_ok;
  if (wanted.empty() || wanted == resource_) {
    audience_ok = record->audience == resource_;
  } else {
    auto normalized = NormalizeResource(wanted);
    audience_ok = normalized.ok() && *normalized == record->audience;
  }
  if (!audience_ok) return InvalidToken("Access token was not issued for this resource");

  for (const std::string& scope : request.required_scopes()) {
    if (!Contains(record->scopes, scope)) {
      return MakeOAuthError(403, "insufficient_scope",
                            absl::StrCat("The access token lacks the required scope: ", scope));
    }
  }
  v1::ValidateAccessTokenResponse response;
  identity::v1::Principal* principal = response.mutable_principal();
  principal->set_subject(record->subject);
  principal->set_username(record->username);
  principal->set_client_id(record->client_id);
  for (const std::string& s : record->scopes) principal->add_scopes(s);
  principal->set_expires_at(absl::ToUnixSeconds(record->expires_at));
  return response;
}

// -------------------------------------------------------------- sweeping

absl::StatusOr<int64_t> AuthorizationServer::SweepExpired() { return store_->Sweep(clock_->Now()); }

bool AuthorizationServer::SweepDue() const {
  return absl::ToUnixNanos(clock_->Now()) >= next_sweep_unix_nanos_.load(std::memory_order_relaxed);
}

absl::Status AuthorizationServer::MaybeSweep(absl::Time now) {
  int64_t now_nanos = absl::ToUnixNanos(now);
  int64_t next = next_sweep_unix_nanos_.load(std::memory_order_relaxed);
  if (now_nanos < next) return absl::OkStatus();
  int64_t new_next = absl::ToUnixNanos(now + options_.sweep_interval);
  if (!next_sweep_unix_nanos_.compare_exchange_strong(next, new_next)) return absl::OkStatus();
  if (next == 0) return absl::OkStatus();  // The very first call: nothing to sweep yet.
  return store_->Sweep(now).status();
}

}  // namespace mcp_oauth::auth
