#include "gateway/bearer_auth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "client/auth_client.h"
#include "common/crypto.h"
#include "common/principal_proto.h"
#include "gateway/status_mapping.h"
#include "proto/auth/v1/auth.pb.h"

namespace mcp_oauth::gateway {
namespace {

namespace v1 = auth::v1;

// Quotes a value for an auth-param (RFC 7235 quoted-string).
std::string Quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Returns the token of an `Authorization: Bearer <token>` header, or "".
std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
bool IsB64Token(std::string_view token) {
  size_t end = token.find_last_not_of('=');
  if (end == std::string_view::npos) return false;
  for (char c : token.substr(0, end + 1)) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

using Clock = std::chrono::steady_clock;

// Recently validated tokens (by SHA-256 digest) and who they belong to.
class ValidationCache {
 public:
  ValidationCache(std::chrono::milliseconds ttl, size_t capacity)
      : ttl_(ttl), capacity_(capacity) {}

  bool enabled() const { return ttl_.count() > 0; }

  std::optional<Principal> Find(const std::string& digest) {
    absl::ReaderMutexLock lock(&mu_);
    auto it = entries_.find(digest);
    if (it == entries_.end() || it->second.valid_until <= Clock::now()) return std::nullopt;
    return it->second.principal;
  }

  // `token_expires_at` is the token's own expiry (Unix seconds).
  void Add(const std::string& digest, const Principal& principal, int64_t token_expires_at) {
    auto valid_until = Clock::now() + ttl_;
    auto seconds_left = std::chrono::seconds(
        token_expires_at - std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
    if (seconds_left <= std::chrono::seconds(0)) return;
    valid_until = std::min(valid_until, Clock::now() + seconds_left);
    absl::MutexLock lock(&mu_);
    if (entries_.size() >= capacity_) entries_.clear();
    entries_[digest] = Entry{principal, valid_until};
  }

 private:
  struct Entry {
    Principal principal;
    Clock::time_point valid_until;
  };
  const std::chrono::milliseconds ttl_;
  const size_t capacity_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

class BearerAuthenticator::Impl {
 public:
  Impl(std::shared_ptr<client::AuthClient> auth, BearerAuthOptions options)
      : auth_(std::move(auth)),
        options_(std::move(options)),
        cache_(options_.cache_ttl, options_.cache_capacity) {
    for (const auto& scope : options_.required_scopes) {
      if (!scopes_.empty()) scopes_ += ' ';
      scopes_ += scope;
    }
  }

  void Authenticate(const HttpRequest& request, std::function<void(Principal)> on_success,
                    Responder respond) {
    std::string_view token = BearerToken(request.headers.First("authorization"));
    if (token.empty()) {
      return respond(Challenge(401, "", "authorization required: send a bearer access token"));
    }
    // Bytes no issued token contains (e.g. invalid UTF-8, which would make
    // the RPC fail to serialize) are refused here, as invalid_token.
    if (!IsB64Token(token)) return respond(Challenge(401, "invalid_token", "malformed token"));
    std::string digest = cache_.enabled() ? crypto::Sha256(token) : std::string();
    if (cache_.enabled()) {
      if (std::optional<Principal> cached = cache_.Find(digest)) {
        return on_success(std::move(*cached));
      }
    }
    v1::ValidateAccessTokenRequest validate;
    validate.set_access_token(std::string(token));
    validate.set_resource(options_.resource);
    for (const auto& scope : options_.required_scopes) validate.add_required_scopes(scope);
    client::CallOptions call;
    call.request_id = request.request_id;
    auth_->ValidateAccessToken(
        call, validate,
        [this, digest = std::move(digest), on_success = std::move(on_success),
         respond = std::move(respond)](const grpc::Status& status,
                                       v1::ValidateAccessTokenResponse& validated) {
          if (status.ok()) {
            Principal principal = PrincipalFromProto(validated.principal());
            if (cache_.enabled()) cache_.Add(digest, principal, validated.principal().expires_at());
            return on_success(std::move(principal));
          }
          v1::OAuthError error = OAuthErrorFromStatus(status);
          if (error.http_status() == 401 || error.http_status() == 403) {
            std::string code =
                error.error().empty()
                    ? (error.http_status() == 403 ? "insufficient_scope" : "invalid_token")
                    : error.error();
            return respond(Challenge(error.http_status(), code, error.error_description()));
          }
          respond(OAuthJsonError(error));
        });
  }

 private:
  HttpResponse Challenge(int status, const std::string& error, const std::string& description) {
    std::string challenge = "Bearer ";
    if (!error.empty()) {
      challenge += "error=" + Quoted(error) + ", ";
      if (!description.empty()) challenge += "error_description=" + Quoted(description) + ", ";
    }
    challenge += "resource_metadata=" + Quoted(options_.resource_metadata_url);
    if (!scopes_.empty()) challenge += ", scope=" + Quoted(scopes_);
    nlohmann::json body = {{"error", error.empty() ? "unauthorized" : error},
                           {"error_description", description}};
    HttpResponse response =
        JsonResponse(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    response.SetHeader("WWW-Authenticate", challenge);
    return response;
  }

  const std::shared_ptr<client::AuthClient> auth_;
  BearerAuthOptions options_;
  std::string scopes_;
  ValidationCache cache_;
};

BearerAuthenticator::BearerAuthenticator(std::shared_ptr<client::AuthClient> auth,
                                         BearerAuthOptions options)
    : impl_(std::make_unique<Impl>(std::move(auth), std::move(options))) {}

BearerAuthenticator::~BearerAuthenticator() = default;

void BearerAuthenticator::Authenticate(const HttpRequest& request,
                                       std::function<void(Principal)> on_success,
                                       Responder respond) {
  impl_->Authenticate(request, std::move(on_success), std::move(respond));
}

}  // namespace mcp_oauth::gateway
