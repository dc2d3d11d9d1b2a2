// libFuzzer target: the authorization request validator
// (AuthorizationServer::StartAuthorization). The input is split on '\n' into
// response_type, client_id, redirect_uri, scope, state, code_challenge,
// code_challenge_method, then any number of resource values; a first byte of
// '!' sets has_duplicate_parameters. An accepted request is then described and
// completed with a wrong password, as the login page would.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "auth/authorization_server.h"
#include "auth/clock.h"
#include "auth/memory_store.h"
#include "auth/oauth_error.h"
#include "auth/secret_hash.h"
#include "auth/url.h"

namespace {

namespace auth = mcp_oauth::auth;
namespace v1 = mcp_oauth::auth::v1;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "authorize_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

struct Fixture {
  std::shared_ptr<auth::FakeClock> clock = std::make_shared<auth::FakeClock>();
  std::unique_ptr<auth::AuthorizationServer> server;

  Fixture() {
    auth::AuthOptions options;
    options.public_url = "http://localhost:9003";
    options.scopes_supported = {"user", "admin"};
    auth::ClientConfig confidential;
    confidential.client_id = "static-mcp-client-001";
    confidential.secret_hash = auth::HashSecret("secret", 1);
    confidential.redirect_uris = {"http://localhost:9003/callback", "http://127.0.0.1/cb",
                                  "https://app.example/cb?x=1"};
    confidential.allowed_scopes = {"user", "admin"};
    auth::ClientConfig native;
    native.client_id = "native";
    native.token_endpoint_auth_method = "none";
    native.redirect_uris = {"http://[::1]:3000/cb", "com.example.app:/oauth"};
    native.allowed_scopes = {"user"};
    options.clients = {confidential, native};
    // Low iteration counts: the fuzzer is after parsing bugs, not KDF cost.
    options.users = {{"demo_user", "demo_user", auth::HashSecret("demo_password", 1)}};
    server = std::make_unique<auth::AuthorizationServer>(
        options, std::make_shared<auth::MemoryStore>(), clock);
  }
};

Fixture* fixture = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture = new Fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  v1::StartAuthorizationRequest request;
  if (!input.empty() && input[0] == '!') {
    request.set_has_duplicate_parameters(true);
    input.remove_prefix(1);
  }
  std::vector<std::string> fields;
  while (true) {
    size_t newline = input.find('\n');
    fields.emplace_back(input.substr(0, newline));
    if (newline == std::string_view::npos) break;
    input.remove_prefix(newline + 1);
  }
  fields.resize(std::max<size_t>(fields.size(), 7));
  request.set_response_type(fields[0]);
  request.set_client_id(fields[1]);
  request.set_redirect_uri(fields[2]);
  request.set_scope(fields[3]);
  request.set_state(fields[4]);
  request.set_code_challenge(fields[5]);
  request.set_code_challenge_method(fields[6]);
  for (size_t i = 7; i < fields.size(); ++i) request.add_resource(fields[i]);

  // Every pending authorization from earlier inputs expires and is swept, so
  // the store stays small over long runs.
  fixture->clock->Advance(absl::Minutes(11));
  auto started = fixture->server->StartAuthorization(request);
  if (!started.ok()) {
    auto error = auth::GetOAuthError(started.status());
    if (!error.has_value()) {
      std::fprintf(stderr, "status: %s\n", started.status().ToString().c_str());
      Check(false, "StartAuthorization failed without an OAuthError");
    }
    if (!error->redirect_to().empty()) {
      // Errors are only ever redirected to a registered redirect URI.
      Check(error->http_status() == 302, "redirect_to without 302");
      Check(auth::IsValidRedirectUri(error->redirect_to()), "redirect_to is not a valid URI");
      Check(error->redirect_to().rfind(request.redirect_uri(), 0) == 0,
            "redirect_to does not start with the requested redirect_uri");
    }
    return 0;
  }
  Check(!started->authorization_id().empty(), "empty authorization_id");
  Check(request.response_type() == "code", "accepted a response_type other than code");
  Check(request.code_challenge_method() == "S256", "accepted without S256");
  Check(!request.has_duplicate_parameters(), "accepted duplicate parameters");

  v1::DescribeAuthorizationRequest describe;
  describe.set_authorization_id(started->authorization_id());
  auto described = fixture->server->DescribeAuthorization(describe);
  Check(described.ok(), "a fresh authorization cannot be described");

  v1::CompleteLoginRequest login;
  login.set_authorization_id(started->authorization_id());
  login.set_username("demo_user");
  login.set_password(request.state());
  login.set_csrf_token(described->csrf_token());
  login.set_client_ip("192.0.2.1");
  auto completed = fixture->server->CompleteLogin(login);
  if (completed.ok()) {
    Check(request.state() == "demo_password", "signed in with a wrong password");
    Check(completed->redirect_to().rfind(request.redirect_uri(), 0) == 0,
          "code sent somewhere other than the redirect_uri");
  }
  return 0;
}
