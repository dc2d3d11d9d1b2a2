// libFuzzer target: the gateway's HTTP request path, bytes in -> response.
//
// The bytes go through a Beast request parser with the limits of the gateway's
// gateway's default limits (each route's own body limit, asked of the Router
// once the header is in, as gateway/http_server.cc does with
// gateway::ApplyBodyLimit) and the same conversion (gateway/http_codec.h), up
// to four pipelined requests per input (each header block first scanned and
// its framing checked as the server does: gateway::ScanHeaderBlock and
// gateway::FramingError), each dispatched through a Router with the
// real OAuthRoutes, McpRoute and /healthz over an in-process gRPC server that
// hosts the real AuthServiceImpl and ToolServiceImpl (built once, in
// LLVMFuzzerInitialize). Each response is awaited with a timeout and checked
// (no 500/501, no CR/LF/NUL in header fields); SSE bodies are started and
// stopped.
//
// After parsing, these placeholders in the target, header values and body are
// replaced with live values minted through the authorization server, so that
// inputs get past authentication: $TOKEN (access token), $REFRESH (refresh
// token), $CODE and $VERIFIER (an unused authorization code and its PKCE
// verifier), $AUTHZ_ID and $CSRF (a pending authorization and its login CSRF
// token), $SESSION (an MCP session of $TOKEN's user). The client is
// static-mcp-client-001 with secret "fuzz-secret" (HTTP Basic:
// c3RhdGljLW1jcC1jbGllbnQtMDAxOmZ1enotc2VjcmV0); the user demo_user has
// password demo_password.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "auth/auth_service.h"
#include "auth/authorization_server.h"
#include "auth/clock.h"
#include "auth/memory_store.h"
#include "auth/secret_hash.h"
#include "client/auth_client.h"
#include "client/local_auth_client.h"
#include "common/crypto.h"
#include "gateway/bearer_auth.h"
#include "gateway/health.h"
#include "gateway/http_codec.h"
#include "gateway/http_server.h"
#include "gateway/http_types.h"
#include "gateway/mcp_route.h"
#include "gateway/oauth_routes.h"
#include "gateway/router.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/tool_registry.h"
#include "mcp/tool_service.h"
#include "mcp/tools/builtin_tools.h"
#include "tests/fuzz/fuzz_wait.h"

namespace {

namespace auth = mcp_oauth::auth;
namespace gw = mcp_oauth::gateway;
namespace mcp = mcp_oauth::mcp;
namespace v1 = mcp_oauth::auth::v1;
namespace http = boost::beast::http;
using mcp_oauth::fuzz::AnswerSlot;
using mcp_oauth::fuzz::ReplaceAll;

constexpr char kPublicUrl[] = "http://localhost:9003";
constexpr char kClientId[] = "static-mcp-client-001";
constexpr char kRedirectUri[] = "http://localhost:9003/callback";
// Tokens are minted for this user, whom the seeds never sign in as, so that
// fuzzed failed logins (throttled per username) cannot block the minting.
constexpr char kMintUser[] = "mint_user";
constexpr char kMintPassword[] = "mint-password";
constexpr char kMcpPath[] = "/mcp";
constexpr int kMaxPipelined = 4;
constexpr absl::Duration kAnswerTimeout = absl::Seconds(30);

void Fail(const std::string& what) {
  std::fprintf(stderr, "http_fuzzer: %s\n", what.c_str());
  std::abort();
}

struct Fixture {
  std::shared_ptr<auth::AuthorizationServer> core;
  std::unique_ptr<auth::AuthServiceImpl> auth_service;
  std::unique_ptr<mcp::ToolServiceImpl> tool_service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<gw::HealthRoute> health;
  std::unique_ptr<gw::OAuthRoutes> oauth_routes;
  std::unique_ptr<gw::McpRoute> mcp_route;
  gw::Router router;
  // The gateway's default header and per-route body limits.
  gw::HttpServerOptions http;

  // Live values for the placeholders.
  std::string token, refresh, code, verifier, authz_id, csrf, session;
};

Fixture* fixture = nullptr;

gw::HttpResponse Dispatch(gw::HttpRequest request) {
  std::string what = request.method + " " + request.target;
  auto slot = std::make_shared<AnswerSlot<gw::HttpResponse>>();
  fixture->router.Handle(std::move(request),
                         [slot](gw::HttpResponse response) { slot->Set(std::move(response)); });
  gw::HttpResponse response = slot->Wait(kAnswerTimeout, what);
  // With an in-memory store nothing may fail inside: a 5xx (e.g. 501 from a
  // request gRPC could not carry) is a bug. 503/504 are left out: a slow
  // machine may hit a deadline.
  if (response.status < 100 || response.status > 599 || response.status == 500 ||
      response.status == 501) {
    Fail("status " + std::to_string(response.status) + " for " + what + ": " + response.body);
  }
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || name.find_first_of(std::string_view("\r\n\0: ", 5)) != std::string::npos ||
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      Fail("unsafe response header '" + name + "' for " + what);
    }
  }
  if (response.stream) {
    response.stream->Start([](std::string) { return true; }, [] {});
    response.stream->Stop();
  }
  return response;
}

// Runs authorize -> login on the core and returns the pending authorization.
bool StartPending(const std::string& challenge, std::string* authz_id, std::string* csrf) {
  v1::StartAuthorizationRequest start;
  start.set_response_type("code");
  start.set_client_id(kClientId);
  start.set_redirect_uri(kRedirectUri);
  start.set_scope("user");
  start.set_state("fuzz");
  start.set_code_challenge(challenge);
  start.set_code_challenge_method("S256");
  auto started = fixture->core->StartAuthorization(start);
  if (!started.ok()) {
    std::fprintf(stderr, "http_fuzzer: starting an authorization: %s\n",
                 started.status().ToString().c_str());
    return false;
  }
  v1::DescribeAuthorizationRequest describe;
  describe.set_authorization_id(started->authorization_id());
  auto described = fixture->core->DescribeAuthorization(describe);
  if (!described.ok()) return false;
  *authz_id = started->authorization_id();
  *csrf = described->csrf_token();
  return true;
}

// Returns a fresh authorization code for `verifier`.
std::string MintCode(const std::string& verifier) {
  std::string authz_id, csrf;
  if (!StartPending(mcp_oauth::crypto::Base64UrlEncode(mcp_oauth::crypto::Sha256(verifier)),
                    &authz_id, &csrf)) {
    return "";
  }
  v1::CompleteLoginRequest login;
  login.set_authorization_id(authz_id);
  login.set_username(kMintUser);
  login.set_password(kMintPassword);
  login.set_csrf_token(csrf);
  login.set_client_ip("192.0.2.10");
  auto completed = fixture->core->CompleteLogin(login);
  if (!completed.ok()) {
    std::fprintf(stderr, "http_fuzzer: minting a code: %s\n",
                 completed.status().ToString().c_str());
    return "";
  }
  const std::string& to = completed->redirect_to();
  size_t at = to.find("code=");
  if (at == std::string::npos) return "";
  return to.substr(at + 5, to.find('&', at) - at - 5);
}

// Refreshes the one-time values ($CODE, $AUTHZ_ID, $CSRF) and, when
// `tokens`, the tokens and the MCP session too.
void Mint(bool tokens) {
  Fixture& f = *fixture;
  f.verifier = mcp_oauth::crypto::RandomToken(32);
  f.code = MintCode(f.verifier);
  StartPending(mcp_oauth::crypto::Base64UrlEncode(
                   mcp_oauth::crypto::Sha256(mcp_oauth::crypto::RandomToken(32))),
               &f.authz_id, &f.csrf);
  if (!tokens) return;
  std::string verifier = mcp_oauth::crypto::RandomToken(32);
  v1::TokenRequest exchange;
  exchange.set_grant_type("authorization_code");
  exchange.mutable_client()->set_method(v1::ClientCredentials::CLIENT_SECRET_BASIC);
  exchange.mutable_client()->set_client_id(kClientId);
  exchange.mutable_client()->set_client_secret("fuzz-secret");
  exchange.set_code(MintCode(verifier));
  exchange.set_redirect_uri(kRedirectUri);
  exchange.set_code_verifier(verifier);
  auto issued = f.core->Token(exchange);
  if (!issued.ok()) Fail("cannot mint tokens: " + issued.status().ToString());
  f.token = issued->access_token();
  f.refresh = issued->refresh_token();

  gw::HttpRequest initialize;
  initialize.method = "POST";
  initialize.target = initialize.path = "/mcp";
  initialize.headers.Add("host", "localhost:9003");
  initialize.headers.Add("authorization", "Bearer " + f.token);
  initialize.headers.Add("content-type", "application/json");
  initialize.headers.Add("accept", "application/json, text/event-stream");
  initialize.body =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
      R"("capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}})";
  initialize.remote_ip = "192.0.2.10";
  gw::HttpResponse answer = Dispatch(std::move(initialize));
  f.session.clear();
  for (const auto& [name, value] : answer.headers) {
    if (name == "Mcp-Session-Id") f.session = value;
  }
  if (answer.status != 200 || f.session.empty()) {
    Fail("cannot open an MCP session: " + std::to_string(answer.status) + " " + answer.body);
  }
}

bool TokenIsLive() {
  v1::ValidateAccessTokenRequest check;
  check.set_access_token(fixture->token);
  check.set_resource(std::string(kPublicUrl) + "/mcp");
  return fixture->core->ValidateAccessToken(check).ok();
}

std::string Expand(std::string text, bool* one_time_used) {
  if (text.find('$') == std::string::npos) return text;
  const Fixture& f = *fixture;
  for (const char* one_time : {"$REFRESH", "$CODE", "$AUTHZ_ID", "$CSRF"}) {
    if (text.find(one_time) != std::string::npos) *one_time_used = true;
  }
  text = ReplaceAll(std::move(text), "$TOKEN", f.token);
  text = ReplaceAll(std::move(text), "$REFRESH", f.refresh);
  text = ReplaceAll(std::move(text), "$CODE", f.code);
  text = ReplaceAll(std::move(text), "$VERIFIER", f.verifier);
  text = ReplaceAll(std::move(text), "$AUTHZ_ID", f.authz_id);
  text = ReplaceAll(std::move(text), "$CSRF", f.csrf);
  return ReplaceAll(std::move(text), "$SESSION", f.session);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture = new Fixture();
  Fixture& f = *fixture;
  f.http.max_body_bytes = gw::kDefaultBodyBytes;
  auth::AuthOptions options;
  options.public_url = kPublicUrl;
  auth::ClientConfig client;
  client.client_id = kClientId;
  client.client_name = "Fuzz Client";
  // Low iteration counts: the fuzzer is after parsing bugs, not KDF cost.
  client.secret_hash = auth::HashSecret("fuzz-secret", 1);
  client.redirect_uris = {kRedirectUri, "http://localhost:3000/cb"};
  client.allowed_scopes = {"user"};
  options.clients = {client};
  // Every input mints its codes and tokens through /authorize from one
  // address: the per-address rate limit and the pending cap would refuse the
  // harness itself after a few inputs (their own tests cover them).
  options.authorize_rate_per_second = 0;
  options.max_pending_authorizations = 0;
  options.users = {{"demo_user", "demo_user", auth::HashSecret("demo_password", 1)},
                   {kMintUser, kMintUser, auth::HashSecret(kMintPassword, 1)}};
  f.core = std::make_shared<auth::AuthorizationServer>(
      options, std::make_shared<auth::MemoryStore>(), std::make_shared<auth::RealClock>());
  f.auth_service = std::make_unique<auth::AuthServiceImpl>(f.core);

  auto registry = std::make_shared<mcp::ToolRegistry>();
  if (!mcp::RegisterBuiltinTools(registry.get()).ok()) Fail("cannot register the tools");
  f.tool_service = std::make_unique<mcp::ToolServiceImpl>(std::move(registry));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.RegisterService(f.auth_service.get());
  builder.RegisterService(f.tool_service.get());
  f.server = builder.BuildAndStart();
  if (!f.server) Fail("cannot start the gRPC server");
  f.server->GetHealthCheckService()->SetServingStatus(gw::kAuthServiceName, true);
  f.server->GetHealthCheckService()->SetServingStatus(gw::kToolServiceName, true);
  std::shared_ptr<grpc::Channel> channel = f.server->InProcessChannel(grpc::ChannelArguments());

  f.health = std::make_unique<gw::HealthRoute>(channel, channel);
  f.router.Add("GET", "/healthz", [](gw::HttpRequest request, gw::Responder respond) {
    fixture->health->Handle(std::move(request), std::move(respond));
  });
  // AuthService through its local client, as the single-process gateway does.
  std::shared_ptr<mcp_oauth::client::AuthClient> auth =
      mcp_oauth::client::MakeLocalAuthClient(f.auth_service.get());
  f.oauth_routes = std::make_unique<gw::OAuthRoutes>(auth);
  f.oauth_routes->Register(f.router);
  gw::BearerAuthOptions bearer;
  bearer.resource = std::string(kPublicUrl) + "/mcp";
  bearer.resource_metadata_url =
      std::string(kPublicUrl) + "/.well-known/oauth-protected-resource/mcp";
  mcp::McpOptions mcp_options;
  mcp_options.public_url = kPublicUrl;
  mcp_options.client_id = kClientId;
  mcp_options.session_key = "fuzz-session-key-0123456789abcdef0123";
  mcp_options.max_body_bytes = gw::kDefaultMcpBodyBytes;
  std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub =
      mcp_oauth::tools::v1::ToolService::NewStub(channel);
  f.mcp_route = std::make_unique<gw::McpRoute>(
      auth, bearer, std::make_shared<mcp::McpEndpoint>(std::move(mcp_options), stub));
  f.mcp_route->Register(f.router, kMcpPath);
  Mint(/*tokens=*/true);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  bool one_time_used = false;
  bool mcp_delete = false;
  for (int served = 0; served < kMaxPipelined && size > 0; ++served) {
    const gw::HttpServerOptions& limits = fixture->http;
    // The server reads the header block first and refuses obsolete line
    // folding with 400, closing the connection.
    size_t scanned = 0;
    if (gw::ScanHeaderBlock({bytes, size}, scanned) == gw::HeaderScan::kObsFold) break;
    gw::BeastRequestParser parser;
    gw::SetRequestLimits(parser, limits.max_header_bytes,
                         std::max(limits.max_body_bytes, fixture->router.LargestBodyLimit()));
    boost::beast::error_code ec;
    size_t consumed = 0;
    // The header first (non-eager put stops after it), then the body under
    // the limit of the request's path, as the server reads them.
    bool limited = false;
    bool refused = false;  // answered 400 for its framing; the connection closes
    while (!parser.is_done() && consumed < size) {
      size_t used = parser.put(boost::asio::buffer(bytes + consumed, size - consumed), ec);
      consumed += used;
      if (ec == http::error::need_more && !parser.is_header_done()) break;
      if (ec && ec != http::error::need_more) break;
      ec = {};
      if (parser.is_header_done() && !limited) {
        limited = true;
        if (!gw::FramingError(parser).empty()) {
          refused = true;
          break;
        }
        boost::beast::string_view target = parser.get().target();
        const size_t limit =
            fixture->router.BodyLimit(gw::TargetPath({target.data(), target.size()}))
                .value_or(limits.max_body_bytes);
        if (!gw::ApplyBodyLimit(parser, limit)) {
          return 0;  // the server answers 413 and closes the connection
        }
        parser.eager(true);
      }
      if (used == 0) break;
    }
    if (refused) break;
    if (ec == http::error::need_more) ec = {};
    if (!ec && !parser.is_done()) parser.put_eof(ec);
    if (ec || !parser.is_done()) break;  // the server answers 4xx or closes
    // A request with a Transfer-Encoding that was not read as chunked framed
    // its body some other way: bytes of it would become the next request.
    if (parser.get().count(http::field::transfer_encoding) > 0 && !parser.chunked()) {
      Fail("a Transfer-Encoding request was not read as chunked");
    }
    bytes += consumed;
    size -= consumed;

    gw::HttpRequest request = gw::ToHttpRequest(parser.release(), "127.0.0.1");
    request.target = Expand(std::move(request.target), &one_time_used);
    request.path = Expand(std::move(request.path), &one_time_used);
    request.query = Expand(std::move(request.query), &one_time_used);
    gw::Headers headers;
    for (const auto& [name, value] : request.headers) {
      headers.Add(name, Expand(std::string(value), &one_time_used));
    }
    request.headers = std::move(headers);
    request.body = Expand(std::move(request.body), &one_time_used);
    mcp_delete = mcp_delete || request.method == "DELETE";
    Dispatch(std::move(request));
  }
  // Keep the placeholders live for the next input.
  bool tokens = !TokenIsLive() || mcp_delete;
  if (one_time_used || tokens) Mint(tokens);
  return 0;
}
