// libFuzzer target: the MCP JSON-RPC dispatcher (mcp::McpEndpoint::Handle)
// over a real in-process ToolService (the built-in tools), created once.
//
// Input: the first line is the HTTP method, then "name: value" header lines up
// to an empty line, then the body. In header values and the body, $SESSION
// becomes a live 2025-11-25 session id and $OLD_SESSION a live 2025-03-26 one
// (batches), both opened in LLVMFuzzerInitialize (and again after a DELETE), so
// inputs reach the methods behind the session check. SSE answers are started and cancelled.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/tool_registry.h"
#include "mcp/tool_service.h"
#include "mcp/tools/builtin_tools.h"
#include "tests/fuzz/fuzz_wait.h"

namespace {

namespace mcp = mcp_oauth::mcp;
using mcp_oauth::fuzz::AnswerSlot;
using mcp_oauth::fuzz::ReplaceAll;

constexpr absl::Duration kAnswerTimeout = absl::Seconds(20);

struct Fixture {
  std::unique_ptr<mcp::ToolServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<mcp::McpEndpoint> endpoint;
  std::string session;
  std::string old_session;
};

Fixture* fixture = nullptr;

mcp_oauth::Principal Alice() {
  mcp_oauth::Principal principal;
  principal.subject = "alice";
  principal.username = "alice";
  principal.client_id = "static-mcp-client-001";
  principal.scopes = {"user"};
  return principal;
}

mcp::McpResponse Send(mcp::McpRequest request) {
  auto slot = std::make_shared<AnswerSlot<mcp::McpResponse>>();
  fixture->endpoint->Handle(std::move(request),
                            [slot](mcp::McpResponse response) { slot->Set(std::move(response)); });
  mcp::McpResponse response = slot->Wait(kAnswerTimeout, "McpEndpoint::Handle");
  if (response.stream) {
    response.stream->Start([](std::string_view) { return true; }, [] {});
    response.stream->Cancel();
  }
  if (response.status < 100 || response.status > 599) {
    std::fprintf(stderr, "mcp_endpoint_fuzzer: bad status %d\n", response.status);
    std::abort();
  }
  return response;
}

std::string OpenSession(const std::string& version) {
  mcp::McpRequest request;
  request.method = "POST";
  request.headers.Add("content-type", "application/json");
  request.headers.Add("accept", "application/json, text/event-stream");
  request.body = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" +
                 version + R"(","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}})";
  request.principal = Alice();
  mcp::McpResponse response = Send(std::move(request));
  auto id = response.Header("Mcp-Session-Id");
  if (response.status != 200 || !id) {
    std::fprintf(stderr, "mcp_endpoint_fuzzer: initialize failed: %d %s\n", response.status,
                 response.body.c_str());
    std::abort();
  }
  return *id;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture = new Fixture();
  auto registry = std::make_shared<mcp::ToolRegistry>();
  if (!mcp::RegisterBuiltinTools(registry.get()).ok()) std::abort();
  mcp::ToolServiceOptions service_options;
  service_options.default_call_timeout = absl::Seconds(5);
  fixture->service = std::make_unique<mcp::ToolServiceImpl>(registry, service_options);
  grpc::ServerBuilder builder;
  builder.RegisterService(fixture->service.get());
  fixture->server = builder.BuildAndStart();
  if (!fixture->server) std::abort();
  std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub =
      mcp_oauth::tools::v1::ToolService::NewStub(
          fixture->server->InProcessChannel(grpc::ChannelArguments()));
  mcp::McpOptions options;
  options.client_id = "static-mcp-client-001";
  options.public_url = "http://localhost:9003";
  options.session_key = "fuzz-session-key-0123456789abcdef0123";
  options.tool_call_timeout = absl::Seconds(5);
  options.list_tools_timeout = absl::Seconds(5);
  // Inputs open sessions (initialize, and the re-opened placeholders after a
  // DELETE) that nothing ends: no per-principal cap, which has its own tests.
  options.max_sessions_per_principal = 0;
  fixture->endpoint = std::make_unique<mcp::McpEndpoint>(std::move(options), std::move(stub));
  fixture->session = OpenSession("2025-11-25");
  fixture->old_session = OpenSession("2025-03-26");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto next_line = [&input]() {
    size_t newline = input.find('\n');
    std::string_view line = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  auto expand = [](std::string_view text) {
    std::string out = ReplaceAll(std::string(text), "$OLD_SESSION", fixture->old_session);
    return ReplaceAll(std::move(out), "$SESSION", fixture->session);
  };

  mcp::McpRequest request;
  request.method = std::string(next_line());
  while (!input.empty()) {
    std::string_view line = next_line();
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.Add(line.substr(0, colon), expand(value));
  }
  request.body = expand(input);
  request.principal = Alice();
  bool ends_session = request.method == "DELETE";
  Send(std::move(request));
  if (ends_session) {  // keep the placeholders pointing at live sessions
    fixture->session = OpenSession("2025-11-25");
    fixture->old_session = OpenSession("2025-03-26");
  }
  return 0;
}
