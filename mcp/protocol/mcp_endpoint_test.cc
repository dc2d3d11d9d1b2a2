// Drives McpEndpoint with plain requests against a real in-process
// ToolService (builtin tools plus test tools), as the gateway would.
#include "mcp/protocol/mcp_endpoint.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/local_tool_client.h"
#include "client/remote_tool_client.h"
#include "mcp/tool_service.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";
constexpr int kExtraTools = 60;  // enough for two tools/list pages of 50

ToolDefinition TestTool(const std::string& name, ToolHandler handler) {
  ToolDefinition tool;
  tool.name = name;
  tool.description = "test tool " + name;
  tool.input_schema = {{"type", "object"}};
  tool.handler = std::move(handler);
  return tool;
}

Principal Alice() {
  Principal p;
  p.subject = "alice";
  p.username = "alice";
  p.client_id = "static-client";
  p.scopes = {"user"};
  return p;
}

Principal Bob() {
  Principal p = Alice();
  p.subject = "bob";
  p.username = "bob";
  return p;
}

// Collects what the endpoint writes to an SSE stream.
class SseCapture {
 public:
  std::function<bool(std::string_view)> Write() {
    return [this](std::string_view bytes) {
      absl::MutexLock lock(&mu_);
      data_.append(bytes.data(), bytes.size());
      return true;
    };
  }
  std::function<void()> Close() {
    return [this] {
      absl::MutexLock lock(&mu_);
      closed_ = true;
    };
  }
  std::string data() {
    absl::MutexLock lock(&mu_);
    return data_;
  }
  bool closed() {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

 private:
  absl::Mutex mu_;
  std::string data_;
  bool closed_ = false;
};

// One ToolService server for the whole binary: Debian's gRPC 1.51 can trip an
// internal refcount assertion (grpc_cq_internal_unref) when callback servers
// are destroyed and created in quick succession, as per-test servers would be.
struct SharedToolServer {
  std::unique_ptr<ToolServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<tools::v1::ToolService::StubInterface> stub;
};

SharedToolServer* StartToolServer() {
  auto registry = std::make_shared<ToolRegistry>();
  EXPECT_TRUE(RegisterBuiltinTools(registry.get()).ok());
  EXPECT_TRUE(
      registry
          ->Register(TestTool("slow",
                              [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
                                while (!ctx.Cancelled()) {
                                  std::this_thread::sleep_for(std::chrono::milliseconds(5));
                                }
                                return json{{"late", true}};
                              }))
          .ok());
  EXPECT_TRUE(
      registry
          ->Register(TestTool("reporting",
                              [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
                                ctx.ReportProgress(1, 2, "half");
                                ctx.ReportProgress(2, 2);
                                ctx.Log("info", "hello");
                                ctx.Log("warning", json{{"careful", true}}, "tests");
                                return json{{"ok", true}};
                              }))
          .ok());
  // Reports once, then runs until cancelled.
  EXPECT_TRUE(
      registry
          ->Register(TestTool("slow_reporting",
                              [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
                                ctx.ReportProgress(1);
                                while (!ctx.Cancelled()) {
                                  std::this_thread::sleep_for(std::chrono::milliseconds(5));
                                }
                                return json{{"late", true}};
                              }))
          .ok());
  // Asks for the user's name (an input-required result), then greets.
  ToolDefinition asks_name;
  asks_name.name = "asks_name";
  asks_name.description = "test tool asks_name";
  asks_name.input_schema = {{"type", "object"}};
  asks_name.content_handler = [](const json&,
                                 const CallContext& ctx) -> absl::StatusOr<ToolContent> {
    ToolContent out;
    const json* answer = ctx.input().Response("name");
    if (answer == nullptr) {
      out.input_required.requests["name"] = ElicitationRequest(
          "Your name?", {{"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}});
      return out;
    }
    out.blocks.push_back(
        json{{"type", "text"}, {"text", "Hello, " + answer->at("content").value("name", "?")}});
    return out;
  };
  EXPECT_TRUE(registry->Register(std::move(asks_name)).ok());
  for (int i = 0; i < kExtraTools; ++i) {
    EXPECT_TRUE(
        registry
            ->Register(TestTool(absl::StrCat("extra_", i),
                                [](const json&, const CallContext&) -> absl::StatusOr<json> {
                                  return json::object();
                                }))
            .ok());
  }
  auto* shared = new SharedToolServer;
  ToolServiceOptions service_options;
  service_options.default_call_timeout = absl::Seconds(20);
  shared->service = std::make_unique<ToolServiceImpl>(registry, service_options);
  grpc::ServerBuilder builder;
  builder.RegisterService(shared->service.get());
  shared->server = builder.BuildAndStart();
  EXPECT_NE(shared->server, nullptr);
  shared->stub = std::shared_ptr<tools::v1::ToolService::StubInterface>(
      tools::v1::ToolService::NewStub(shared->server->InProcessChannel(grpc::ChannelArguments())));
  return shared;
}

class McpEndpointTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = StartToolServer(); }

  static void TearDownTestSuite() {
    // Clients first, then the server, then the service it points to.
    shared_->stub.reset();
    shared_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    shared_->server.reset();
    shared_->service.reset();
    delete shared_;
    shared_ = nullptr;
  }

  void SetUp() override {
    stub_ = shared_->stub;
    endpoint_ = MakeEndpoint(DefaultOptions());
  }

  void TearDown() override { endpoint_.reset(); }

  McpOptions DefaultOptions() {
    McpOptions options;
    options.client_id = "static-client";
    options.server_version = "9.9.9";
    options.public_url = "https://mcp.example.com";
    options.session_key = kKey;
    options.clock = [this] { return absl::Now() + absl::Seconds(clock_offset_seconds_.load()); };
    return options;
  }

  std::unique_ptr<McpEndpoint> MakeEndpoint(McpOptions options) {
#ifdef MCP_ENDPOINT_TEST_LOCAL
    // mcp_endpoint_local_test: the same tests through the in-process client.
    McpBackends backends;
    backends.tool_client = client::MakeLocalToolClient(
        shared_->service.get(), client::MakeUnmeteredRemoteToolClient(stub_));
    return std::make_unique<McpEndpoint>(std::move(options), std::move(backends));
#else
    return std::make_unique<McpEndpoint>(std::move(options), stub_);
#endif
  }

  // Runs one request and waits for its response (done may fire on a gRPC thread).
  McpResponse Send(McpRequest request, McpEndpoint* endpoint = nullptr) {
    if (endpoint == nullptr) endpoint = endpoint_.get();
    absl::Notification finished;
    McpResponse response;
    int calls = 0;
    endpoint->Handle(std::move(request), [&](McpResponse r) {
      response = std::move(r);
      ++calls;
      finished.Notify();
    });
    EXPECT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(calls, 1);
    return response;
  }

  static McpRequest Post(const std::string& body, const std::string& session = "",
                         const std::string& version = "") {
    McpRequest request;
    request.method = "POST";
    request.headers = {{"Host", "localhost:9003"},
                       {"Accept", "application/json, text/event-stream"},
                       {"Content-Type", "application/json"}};
    if (!session.empty()) request.headers.Set("Mcp-Session-Id", session);
    if (!version.empty()) request.headers.Set("MCP-Protocol-Version", version);
    request.body = body;
    request.principal = Alice();
    return request;
  }

  static std::string Rpc(const json& id, const std::string& method,
                         const json& params = json::object()) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
  }

  static json Body(const McpResponse& response) {
    json body = json::parse(response.body, nullptr, false);
    EXPECT_FALSE(body.is_discarded()) << response.body;
    return body;
  }

  // Initializes a session with `version`; returns its id.
  std::string Initialize(const std::string& version = "2025-11-25",
                         McpEndpoint* endpoint = nullptr) {
    McpResponse r = Send(Post(Rpc(1, "initialize",
                                  {{"protocolVersion", version},
                                   {"capabilities", json::object()},
                                   {"clientInfo", {{"name", "test"}, {"version", "1"}}}})),
                         endpoint);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Header("Mcp-Session-Id").value_or("");
  }

  // Sends a request in an initialized session; returns the JSON-RPC response.
  json Call(const std::string& session, const std::string& method,
            const json& params = json::object(), const json& id = 7) {
    McpResponse r = Send(Post(Rpc(id, method, params), session, "2025-11-25"));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json");
    return Body(r);
  }

  McpRequest Get(const std::string& session, const std::string& last_event_id = "") {
    McpRequest request;
    request.method = "GET";
    request.headers = {{"Host", "localhost"}, {"Accept", "text/event-stream"}};
    if (!session.empty()) request.headers.Set("Mcp-Session-Id", session);
    if (!last_event_id.empty()) request.headers.Set("Last-Event-ID", last_event_id);
    request.principal = Alice();
    return request;
  }

  static SharedToolServer* shared_;
  std::atomic<int64_t> clock_offset_seconds_{0};
  std::shared_ptr<tools::v1::ToolService::StubInterface> stub_;
  std::unique_ptr<McpEndpoint> endpoint_;
};

SharedToolServer* McpEndpointTest::shared_ = nullptr;

// --- initialize and lifecycle ----------------------------------------------

TEST_F(McpEndpointTest, InitializeReturnsSessionAndServerInfo) {
  McpResponse r = Send(Post(Rpc(1, "initialize", {{"protocolVersion", "2025-06-18"}})));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type").value_or(""), "application/json");
  const std::string session = r.Header("Mcp-Session-Id").value_or("");
  ASSERT_FALSE(session.empty());
  for (char c : session) EXPECT_TRUE(c >= 0x21 && c <= 0x7E);
  const json body = Body(r);
  EXPECT_EQ(body["jsonrpc"], "2.0");
  EXPECT_EQ(body["id"], 1);
  const json& result = body["result"];
  EXPECT_EQ(result["protocolVersion"], "2025-06-18");
  EXPECT_EQ(result["serverInfo"]["name"], "MCP Server with Static OAuth Client");
  EXPECT_EQ(result["serverInfo"]["version"], "9.9.9");
  EXPECT_EQ(result["capabilities"]["tools"]["listChanged"], true);
  EXPECT_TRUE(result["capabilities"]["logging"].is_object());
  // No tool_names source: no tools named (never a hard-coded list).
  EXPECT_EQ(result["instructions"],
            "This server uses a pre-registered static OAuth client (client_id: static-client).");
}

TEST_F(McpEndpointTest, InstructionsNameTheToolsServedNow) {
  absl::Mutex mu;
  std::vector<std::string> names = {"get_time", "echo"};
  McpOptions options = DefaultOptions();
  options.tool_names = [&] {
    absl::MutexLock lock(&mu);
    return names;
  };
  std::unique_ptr<McpEndpoint> endpoint = MakeEndpoint(std::move(options));
  auto instructions = [&] {
    McpResponse r =
        Send(Post(Rpc(1, "initialize", {{"protocolVersion", "2025-11-25"}})), endpoint.get());
    return Body(r)["result"]["instructions"].get<std::string>();
  };
  EXPECT_EQ(instructions(),
            "This server uses a pre-registered static OAuth client (client_id: static-client). "
            "Tools: get_time, echo.");
  {
    absl::MutexLock lock(&mu);
    names.push_back("reverse");
  }
  EXPECT_EQ(instructions(),
            "This server uses a pre-registered static OAuth client (client_id: static-client). "
            "Tools: get_time, echo, "
            "reverse.");

  McpOptions fixed = DefaultOptions();
  fixed.instructions = "Ask for the time.";
  fixed.tool_names = [] { return std::vector<std::string>{"get_time"}; };
  endpoint = MakeEndpoint(std::move(fixed));
  EXPECT_EQ(instructions(), "Ask for the time.");
}

TEST_F(McpEndpointTest, NegotiatesVersions) {
  for (const std::string v : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    McpResponse r = Send(Post(Rpc(1, "initialize", {{"protocolVersion", v}})));
    EXPECT_EQ(Body(r)["result"]["protocolVersion"], v);
  }
  McpResponse r = Send(Post(Rpc("a", "initialize", {{"protocolVersion", "1999-01-01"}})));
  EXPECT_EQ(Body(r)["result"]["protocolVersion"], "2025-11-25");
  EXPECT_EQ(Body(r)["id"], "a");
}

TEST_F(McpEndpointTest, InitializeWithoutVersionIsInvalidParams) {
  McpResponse r = Send(Post(Rpc(1, "initialize", json::object())));
  EXPECT_EQ(Body(r)["error"]["code"], -32602);
  EXPECT_FALSE(r.Header("Mcp-Session-Id").has_value());
}

TEST_F(McpEndpointTest, NotificationsAndResponsesGet202) {
  const std::string session = Initialize();
  McpResponse r = Send(
      Post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session, "2025-11-25"));
  EXPECT_EQ(r.status, 202);
  EXPECT_TRUE(r.body.empty());
  r = Send(Post(R"({"jsonrpc":"2.0","id":99,"result":{}})", session, "2025-11-25"));
  EXPECT_EQ(r.status, 202);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(McpEndpointTest, Ping) {
  const std::string session = Initialize();
  json r = Call(session, "ping", json::object(), "p1");
  EXPECT_EQ(r["id"], "p1");
  EXPECT_EQ(r["result"], json::object());
}

// --- HTTP-level checks -------------------------------------------------------

TEST_F(McpEndpointTest, PostNeedsBothAcceptTypes) {
  McpRequest request = Post(Rpc(1, "initialize", {{"protocolVersion", "2025-11-25"}}));
  request.headers.Set("Accept", "application/json");
  EXPECT_EQ(Send(request).status, 406);
  request.headers.Set("Accept", "text/event-stream");
  EXPECT_EQ(Send(request).status, 406);
  request.headers.Remove("Accept");
  EXPECT_EQ(Send(request).status, 406);
  request.headers.Set("Accept", "*/*");
  EXPECT_EQ(Send(request).status, 200);
}

TEST_F(McpEndpointTest, PostNeedsJsonContentType) {
  McpRequest request = Post(Rpc(1, "initialize", {{"protocolVersion", "2025-11-25"}}));
  request.headers.Set("Content-Type", "text/plain");
  EXPECT_EQ(Send(request).status, 415);
  request.headers.Remove("Content-Type");
  EXPECT_EQ(Send(request).status, 415);
  request.headers.Set("Content-Type", "application/json; charset=utf-8");
  EXPECT_EQ(Send(request).status, 200);
}

TEST_F(McpEndpointTest, BodyLimit) {
  McpOptions options = DefaultOptions();
  options.max_body_bytes = 100;
  auto small = MakeEndpoint(options);
  McpRequest request = Post(
      Rpc(1, "initialize", {{"protocolVersion", "2025-11-25"}, {"pad", std::string(200, 'x')}}));
  EXPECT_EQ(Send(request, small.get()).status, 413);
  EXPECT_EQ(
      Send(Post(Rpc(1, "initialize", {{"protocolVersion", "2025-11-25"}})), small.get()).status,
      200);
}

TEST_F(McpEndpointTest, DepthLimit) {
  const std::string session = Initialize();
  std::string deep = std::string(100, '[') + std::string(100, ']');
  McpResponse r =
      Send(Post(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":)" + deep + "}}", session,
                "2025-11-25"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["error"]["code"], -32600);
  // Brackets inside strings do not count.
  r = Send(Post(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":")" + deep + "\"}}",
                session, "2025-11-25"));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(McpEndpointTest, MalformedJsonIsParseError) {
  const std::string session = Initialize();
  McpResponse r = Send(Post("{\"jsonrpc\": \"2.0\", ", session, "2025-11-25"));
  EXPECT_EQ(r.status, 400);
  json body = Body(r);
  EXPECT_EQ(body["error"]["code"], -32700);
  EXPECT_TRUE(body["id"].is_null());
  // Also without a session: parsing comes first.
  EXPECT_EQ(Body(Send(Post("not json")))["error"]["code"], -32700);
}

TEST_F(McpEndpointTest, InvalidJsonRpcIsInvalidRequest) {
  const std::string session = Initialize();
  for (const std::string body : {
           R"({"id":1,"method":"ping"})",                        // no jsonrpc
           R"({"jsonrpc":"1.0","id":1,"method":"ping"})",        // wrong version
           R"({"jsonrpc":"2.0","id":null,"method":"ping"})",     // null id
           R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})",      // fractional id
           R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})",  // object id
           R"({"jsonrpc":"2.0","id":1,"method":5})",             // method not a string
           R"({"jsonrpc":"2.0","id":1})",                        // neither request nor response
           R"("just a string")",
       }) {
    McpResponse r = Send(Post(body, session, "2025-11-25"));
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(Body(r)["error"]["code"], -32600) << body;
  }
  McpResponse r = Send(Post(R"({"id":5,"method":"ping"})", session, "2025-11-25"));
  EXPECT_EQ(Body(r)["id"], 5);  // the id is echoed when it is valid
}

TEST_F(McpEndpointTest, UnknownMethodAndBadParams) {
  const std::string session = Initialize();
  EXPECT_EQ(Call(session, "resources/list")["error"]["code"], -32601);
  McpResponse r =
      Send(Post(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]})", session, "2025-11-25"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["error"]["code"], -32602);
}

TEST_F(McpEndpointTest, OtherMethodsAre405) {
  McpRequest request = Post("");
  request.method = "PUT";
  McpResponse r = Send(request);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow").value_or(""), "GET, POST, DELETE");
}

TEST_F(McpEndpointTest, OriginValidation) {
  McpRequest request = Post(Rpc(1, "initialize", {{"protocolVersion", "2025-11-25"}}));
  request.headers.Set("Origin", "https://evil.example.com");
  EXPECT_EQ(Send(request).status, 403);
  request.headers.Set("Origin", "null");
  EXPECT_EQ(Send(request).status, 403);
  request.headers.Set("Origin", "http://localhost:6274");
  EXPECT_EQ(Send(request).status, 200);
  request.headers.Set("Origin", "https://mcp.example.com");
  EXPECT_EQ(Send(request).status, 200);
}

TEST_F(McpEndpointTest, HostValidation) {
  McpRequest request = Post(Rpc(1, "initialize", {{"protocolVersion", "2025-11-25"}}));
  request.headers.Set("Host", "evil.example.com");
  EXPECT_EQ(Send(request).status, 403);
  request.headers.Set("Host", "evil.example.com:9003");
  EXPECT_EQ(Send(request).status, 403);
  for (const std::string host :
       {"localhost", "localhost:9003", "127.0.0.1:1234", "[::1]:9003", "mcp.example.com"}) {
    request.headers.Set("Host", host);
    EXPECT_EQ(Send(request).status, 200) << host;
  }
  McpRequest get = Get("");
  get.headers.Set("Host", "evil.example.com");
  EXPECT_EQ(Send(get).status, 403);
}

// --- sessions -------------------------------------------------------------

TEST_F(McpEndpointTest, MissingSessionIs400) {
  McpResponse r = Send(Post(Rpc(1, "ping"), "", "2025-11-25"));
  EXPECT_EQ(r.status, 400);
  McpRequest del = Post("");
  del.method = "DELETE";
  EXPECT_EQ(Send(del).status, 400);
  EXPECT_EQ(Send(Get("")).status, 400);
}

TEST_F(McpEndpointTest, SessionOfAnotherPrincipalIs404) {
  const std::string session = Initialize();
  McpRequest request = Post(Rpc(1, "ping"), session, "2025-11-25");
  request.principal = Bob();
  McpResponse r = Send(request);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Body(r)["error"]["code"], -32001);
  Principal other_client = Alice();
  other_client.client_id = "other";
  request.principal = other_client;
  EXPECT_EQ(Send(request).status, 404);
  // The owner can still use it.
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25")).status, 200);
}

TEST_F(McpEndpointTest, BadSignatureIs404) {
  const std::string session = Initialize();
  std::string forged = session;
  forged[forged.size() - 2] = forged[forged.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), forged, "2025-11-25")).status, 404);
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), "not-a-session", "2025-11-25")).status, 404);
}

TEST_F(McpEndpointTest, DeleteEndsSession) {
  const std::string session = Initialize();
  McpRequest del = Post("", session, "2025-11-25");
  del.method = "DELETE";
  McpRequest bob_del = del;
  bob_del.principal = Bob();
  EXPECT_EQ(Send(bob_del).status, 404);  // cannot end someone else's session
  EXPECT_EQ(Send(del).status, 200);
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25")).status, 404);
  EXPECT_EQ(Send(del).status, 404);
  // No other spelling of the id revives it.
  for (char c : std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")) {
    std::string variant = session;
    variant.back() = c;
    EXPECT_EQ(Send(Post(Rpc(1, "ping"), variant, "2025-11-25")).status, 404) << c;
  }
}

TEST_F(McpEndpointTest, EndedSessionsDoNotFillTheTable) {
  McpOptions options = DefaultOptions();
  options.max_sessions = 3;
  options.max_sessions_per_principal = 0;
  auto endpoint = MakeEndpoint(std::move(options));
  // Churn: each session is ended at once, leaving a tombstone. Without the
  // tombstones giving way, the 4th initialize would answer 503.
  for (int i = 0; i < 10; ++i) {
    const std::string session = Initialize("2025-11-25", endpoint.get());
    ASSERT_FALSE(session.empty()) << "round " << i;
    McpRequest del = Post("", session, "2025-11-25");
    del.method = "DELETE";
    EXPECT_EQ(Send(del, endpoint.get()).status, 200);
  }
  // Live sessions still count: the table holds 3 of them, then refuses.
  for (int i = 0; i < 3; ++i) Initialize("2025-11-25", endpoint.get());
  McpResponse refused = Send(Post(Rpc(1, "initialize",
                                      {{"protocolVersion", "2025-11-25"},
                                       {"capabilities", json::object()},
                                       {"clientInfo", {{"name", "test"}, {"version", "1"}}}})),
                             endpoint.get());
  EXPECT_EQ(refused.status, 503) << refused.body;
}

TEST_F(McpEndpointTest, IdleSessionsExpire) {
  const std::string session = Initialize();
  clock_offset_seconds_ = 50 * 60;
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25")).status, 200);  // refreshes last use
  clock_offset_seconds_ = 100 * 60;
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25")).status, 200);
  clock_offset_seconds_ = 161 * 60 + 1;
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25")).status, 404);
  clock_offset_seconds_ = 0;  // an ended session stays ended
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25")).status, 404);
}

TEST_F(McpEndpointTest, SessionsHaveAMaximumLifetime) {
  const std::string session = Initialize();
  // Used every 50 minutes (never idle for an hour) for 23h20m.
  for (int step = 1; step <= 28; ++step) {
    clock_offset_seconds_ = step * 50 * 60;
    ASSERT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25")).status, 200) << step;
  }
  clock_offset_seconds_ = 24 * 3600 + 5;
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25")).status, 404);
}

TEST_F(McpEndpointTest, ReplicasSharingTheKeyAcceptSessions) {
  const std::string session = Initialize();
  auto replica = MakeEndpoint(DefaultOptions());
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25"), replica.get()).status, 200);
  // Once known to the replica, the session stays bound to its principal.
  McpRequest bob = Post(Rpc(2, "ping"), session, "2025-11-25");
  bob.principal = Bob();
  EXPECT_EQ(Send(bob, replica.get()).status, 404);
  EXPECT_EQ(Send(Post(Rpc(3, "ping"), session, "2025-11-25"), replica.get()).status, 200);
  McpOptions other_key = DefaultOptions();
  other_key.session_key = std::string(32, 'z');
  auto stranger = MakeEndpoint(other_key);
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25"), stranger.get()).status, 404);
}

TEST_F(McpEndpointTest, ProtocolVersionHeader) {
  const std::string session = Initialize("2025-06-18");
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-06-18")).status, 200);
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session)).status, 200);  // absent: 2025-03-26 assumed
  McpResponse r = Send(Post(Rpc(1, "ping"), session, "2024-01-01"));
  EXPECT_EQ(r.status, 400);
  McpRequest get = Get(session);
  get.headers.Set("MCP-Protocol-Version", "bogus");
  EXPECT_EQ(Send(get).status, 400);
}

// --- batches --------------------------------------------------------------

TEST_F(McpEndpointTest, BatchesOnlyIn20250326) {
  const std::string old_session = Initialize("2025-03-26");
  const std::string batch =
      "[" + Rpc(1, "ping") + "," +
      Rpc(2, "tools/call", {{"name", "echo"}, {"arguments", {{"message", "hi"}}}}) +
      R"(,{"jsonrpc":"2.0","method":"notifications/initialized"}])";
  McpResponse r = Send(Post(batch, old_session));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = Body(r);
  ASSERT_TRUE(body.is_array());
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0]["id"], 1);
  EXPECT_EQ(body[0]["result"], json::object());
  EXPECT_EQ(body[1]["id"], 2);
  EXPECT_EQ(body[1]["result"]["structuredContent"]["echo"], "hi");

  r = Send(Post(R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])", old_session));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(Send(Post("[]", old_session)).status, 400);
  body = Body(Send(
      Post("[" + Rpc(3, "initialize", {{"protocolVersion", "2025-03-26"}}) + "]", old_session)));
  EXPECT_EQ(body[0]["error"]["code"], -32600);

  const std::string new_session = Initialize("2025-06-18");
  r = Send(Post("[" + Rpc(1, "ping") + "]", new_session, "2025-06-18"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["error"]["code"], -32600);
}

// --- tools ----------------------------------------------------------------

TEST_F(McpEndpointTest, ToolsListPagesWithCursors) {
  const std::string session = Initialize();
  json first = Call(session, "tools/list");
  ASSERT_TRUE(first.contains("result")) << first;
  const json& tools = first["result"]["tools"];
  ASSERT_EQ(tools.size(), 50u);
  EXPECT_EQ(tools[0]["name"], "get_time");
  EXPECT_EQ(tools[0]["title"], "Get current time");
  EXPECT_EQ(tools[0]["inputSchema"]["type"], "object");
  EXPECT_EQ(tools[0]["outputSchema"]["required"].size(), 4u);
  EXPECT_EQ(tools[1]["name"], "echo");
  EXPECT_EQ(tools[1]["inputSchema"]["required"], json::array({"message"}));
  EXPECT_FALSE(tools[2].contains("outputSchema"));  // "slow" declares none
  ASSERT_TRUE(first["result"]["nextCursor"].is_string());

  json second = Call(session, "tools/list", {{"cursor", first["result"]["nextCursor"]}});
  EXPECT_EQ(second["result"]["tools"].size(),
            6u + kExtraTools - 50u);  // builtins, slow, reporting, slow_reporting, asks_name
  EXPECT_FALSE(second["result"].contains("nextCursor"));
  EXPECT_EQ(second["result"]["tools"].back()["name"], absl::StrCat("extra_", kExtraTools - 1));

  EXPECT_EQ(Call(session, "tools/list", {{"cursor", "bogus"}})["error"]["code"], -32602);
  EXPECT_EQ(Call(session, "tools/list", {{"cursor", 5}})["error"]["code"], -32602);
}

TEST_F(McpEndpointTest, ToolsCallEcho) {
  const std::string session = Initialize();
  ::testing::internal::CaptureStderr();
  json r = Call(session, "tools/call",
                {{"name", "echo"}, {"arguments", {{"message", "h\xC3\xA9llo \xF0\x9F\x8C\x8D"}}}});
  // A successful call is not logged as a failure (it once was, once per call).
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_TRUE(r.contains("result")) << r;
  const json& result = r["result"];
  EXPECT_EQ(result["isError"], false);
  EXPECT_EQ(result["structuredContent"]["length"], 7);
  ASSERT_EQ(result["content"].size(), 1u);
  EXPECT_EQ(result["content"][0]["type"], "text");
  EXPECT_EQ(json::parse(result["content"][0]["text"].get<std::string>()),
            result["structuredContent"]);
}

TEST_F(McpEndpointTest, ToolsCallGetTime) {
  const std::string session = Initialize();
  json r = Call(session, "tools/call", {{"name", "get_time"}});
  ASSERT_TRUE(r.contains("result")) << r;
  EXPECT_EQ(r["result"]["structuredContent"]["timezone"], "UTC");
  EXPECT_NEAR(r["result"]["structuredContent"]["timestamp"].get<double>(),
              absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()), 5.0);
}

TEST_F(McpEndpointTest, ToolsCallErrors) {
  const std::string session = Initialize();
  json unknown = Call(session, "tools/call", {{"name", "nope"}});
  EXPECT_EQ(unknown["error"]["code"], -32602);
  EXPECT_EQ(unknown["error"]["message"], "Unknown tool: nope");

  json invalid = Call(session, "tools/call", {{"name", "echo"}, {"arguments", json::object()}});
  ASSERT_TRUE(invalid.contains("result")) << invalid;
  EXPECT_EQ(invalid["result"]["isError"], true);
  EXPECT_NE(invalid["result"]["content"][0]["text"].get<std::string>().find(
                "missing required argument 'message'"),
            std::string::npos);

  EXPECT_EQ(Call(session, "tools/call", {{"arguments", json::object()}})["error"]["code"], -32602);
  EXPECT_EQ(Call(session, "tools/call", {{"name", "echo"}, {"arguments", "x"}})["error"]["code"],
            -32602);
}

TEST_F(McpEndpointTest, ToolTimeoutIsGenericInternalError) {
  McpOptions options = DefaultOptions();
  options.tool_call_timeout = absl::Milliseconds(200);
  auto endpoint = MakeEndpoint(options);
  const std::string session = Initialize("2025-11-25", endpoint.get());
  McpResponse r =
      Send(Post(Rpc(1, "tools/call", {{"name", "slow"}}), session, "2025-11-25"), endpoint.get());
  json body = Body(r);
  EXPECT_EQ(body["error"]["code"], -32603);
  EXPECT_EQ(body["error"]["message"].get<std::string>().find("DEADLINE"), std::string::npos);
}

TEST_F(McpEndpointTest, UnavailableToolServiceIsInternalError) {
  auto dead_channel = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  std::shared_ptr<tools::v1::ToolService::StubInterface> dead_stub(
      tools::v1::ToolService::NewStub(dead_channel));
  McpEndpoint endpoint(DefaultOptions(), dead_stub);
  const std::string session = Initialize("2025-11-25", &endpoint);
  json body = Body(Send(Post(Rpc(1, "tools/list"), session, "2025-11-25"), &endpoint));
  EXPECT_EQ(body["error"]["code"], -32603);
  body =
      Body(Send(Post(Rpc(2, "tools/call", {{"name", "echo"}}), session, "2025-11-25"), &endpoint));
  EXPECT_EQ(body["error"]["code"], -32603);
}

TEST_F(McpEndpointTest, CancelledNotificationCancelsInFlightCall) {
  const std::string session = Initialize();
  absl::Notification finished;
  McpResponse response;
  const auto start = std::chrono::steady_clock::now();
  endpoint_->Handle(Post(Rpc("call-1", "tools/call", {{"name", "slow"}}), session, "2025-11-25"),
                    [&](McpResponse r) {
                      response = std::move(r);
                      finished.Notify();
                    });
  EXPECT_FALSE(
      finished.WaitForNotificationWithTimeout(absl::Milliseconds(200)));  // really in flight
  // Cancelling another id changes nothing.
  EXPECT_EQ(
      Send(
          Post(
              R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"other"}})",
              session, "2025-11-25"))
          .status,
      202);
  EXPECT_FALSE(finished.WaitForNotificationWithTimeout(absl::Milliseconds(100)));
  McpResponse cancel = Send(Post(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"call-1","reason":"user"}})",
      session, "2025-11-25"));
  EXPECT_EQ(cancel.status, 202);
  ASSERT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(Body(response)["id"], "call-1");
  EXPECT_EQ(Body(response)["error"]["code"], -32603);
}

// Parses the "data:" lines of SSE events.
std::vector<json> SseMessages(const std::string& sse) {
  std::vector<json> out;
  size_t pos = 0;
  while ((pos = sse.find("data: ", pos)) != std::string::npos) {
    const size_t end = sse.find('\n', pos);
    out.push_back(json::parse(sse.substr(pos + 6, end - pos - 6), nullptr, false));
    pos = end;
  }
  return out;
}

// Starts `stream` and waits until the endpoint closes it; returns its messages.
std::vector<json> DrainStream(const std::shared_ptr<EventStream>& stream) {
  SseCapture capture;
  stream->Start(capture.Write(), capture.Close());
  for (int i = 0; i < 1000 && !capture.closed(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(capture.closed());
  return SseMessages(capture.data());
}

TEST_F(McpEndpointTest, ProgressTokenStreamsProgressThenTheResult) {
  const std::string session = Initialize();
  McpResponse r = Send(
      Post(Rpc(5, "tools/call", {{"name", "reporting"}, {"_meta", {{"progressToken", "tok"}}}}),
           session, "2025-11-25"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "text/event-stream");
  ASSERT_NE(r.stream, nullptr);
  std::vector<json> messages = DrainStream(r.stream);
  // No logging level was set: progress only.
  ASSERT_EQ(messages.size(), 3u) << json(messages).dump();
  EXPECT_EQ(
      messages[0],
      (json{{"jsonrpc", "2.0"},
            {"method", "notifications/progress"},
            {"params",
             {{"progressToken", "tok"}, {"progress", 1}, {"total", 2}, {"message", "half"}}}}));
  EXPECT_EQ(messages[1]["params"], (json{{"progressToken", "tok"}, {"progress", 2}, {"total", 2}}));
  EXPECT_EQ(messages[2]["id"], 5);
  EXPECT_EQ(messages[2]["result"]["structuredContent"], (json{{"ok", true}}));
}

TEST_F(McpEndpointTest, SessionLogLevelFiltersToolLogs) {
  const std::string session = Initialize();
  // Without a progressToken or a level set: one JSON answer, no stream.
  json plain = Call(session, "tools/call", {{"name", "reporting"}});
  EXPECT_EQ(plain["result"]["structuredContent"], (json{{"ok", true}}));

  ASSERT_EQ(Call(session, "logging/setLevel", {{"level", "warning"}})["result"], json::object());
  McpResponse r = Send(Post(Rpc(6, "tools/call", {{"name", "reporting"}}), session, "2025-11-25"));
  ASSERT_NE(r.stream, nullptr) << r.body;
  std::vector<json> messages = DrainStream(r.stream);
  ASSERT_EQ(messages.size(), 2u)
      << json(messages).dump();  // the info log and progress are not sent
  EXPECT_EQ(messages[0],
            (json{{"jsonrpc", "2.0"},
                  {"method", "notifications/message"},
                  {"params",
                   {{"level", "warning"}, {"logger", "tests"}, {"data", {{"careful", true}}}}}}));
  EXPECT_EQ(messages[1]["id"], 6);
  EXPECT_EQ(messages[1]["result"]["isError"], false);
}

TEST_F(McpEndpointTest, CancelledNotificationCancelsStreamingCall) {
  const std::string session = Initialize();
  McpResponse r = Send(Post(
      Rpc("s-1", "tools/call", {{"name", "slow_reporting"}, {"_meta", {{"progressToken", 9}}}}),
      session, "2025-11-25"));
  ASSERT_NE(r.stream, nullptr) << r.body;  // answered by the first progress event
  SseCapture capture;
  r.stream->Start(capture.Write(), capture.Close());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(capture.closed());  // still running
  EXPECT_EQ(
      Send(
          Post(
              R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"s-1"}})",
              session, "2025-11-25"))
          .status,
      202);
  for (int i = 0; i < 1000 && !capture.closed(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(capture.closed());  // well before the tool's 20 s deadline
  std::vector<json> messages = SseMessages(capture.data());
  ASSERT_EQ(messages.size(), 2u) << capture.data();
  EXPECT_EQ(messages[0]["params"], (json{{"progressToken", 9}, {"progress", 1}}));
  EXPECT_EQ(messages[1]["id"], "s-1");
  EXPECT_EQ(messages[1]["error"]["code"], -32603);
}

TEST_F(McpEndpointTest, LoggingSetLevel) {
  const std::string session = Initialize();
  EXPECT_EQ(*endpoint_->SessionLogLevel(session), "info");
  EXPECT_EQ(Call(session, "logging/setLevel", {{"level", "debug"}})["result"], json::object());
  EXPECT_EQ(*endpoint_->SessionLogLevel(session), "debug");
  EXPECT_EQ(Call(session, "logging/setLevel", {{"level", "verbose"}})["error"]["code"], -32602);
  EXPECT_EQ(Call(session, "logging/setLevel", json::object())["error"]["code"], -32602);
  EXPECT_EQ(*endpoint_->SessionLogLevel(session), "debug");
}

// --- SSE GET streams ------------------------------------------------------

TEST_F(McpEndpointTest, GetNeedsEventStreamAccept) {
  const std::string session = Initialize();
  McpRequest get = Get(session);
  get.headers.Set("Accept", "application/json");
  EXPECT_EQ(Send(get).status, 406);
}

TEST_F(McpEndpointTest, GetOpensStreamWithPrimingAndEvents) {
  const std::string session = Initialize("2025-11-25");
  EXPECT_EQ(endpoint_->SendToSession(session, json::object()).code(),
            absl::StatusCode::kFailedPrecondition);
  McpResponse r = Send(Get(session));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "text/event-stream");
  ASSERT_NE(r.stream, nullptr);
  SseCapture capture;
  r.stream->Start(capture.Write(), capture.Close());
  const std::string priming = capture.data();
  ASSERT_EQ(priming.rfind("id: ", 0), 0u) << priming;
  const std::string stream_id = priming.substr(4, priming.find("-0\n") - 4);
  EXPECT_EQ(priming, "id: " + stream_id + "-0\ndata: \n\n");

  const json note = {
      {"jsonrpc", "2.0"}, {"method", "notifications/message"}, {"params", {{"level", "info"}}}};
  ASSERT_TRUE(endpoint_->SendToSession(session, note).ok());
  EXPECT_EQ(capture.data(),
            priming + "id: " + stream_id + "-1\nevent: message\ndata: " + note.dump() + "\n\n");
  r.stream->Cancel();
  EXPECT_EQ(endpoint_->SendToSession(session, note).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(McpEndpointTest, OlderVersionsGetNoPrimingEvent) {
  const std::string session = Initialize("2025-06-18");
  McpResponse r = Send(Get(session));
  ASSERT_EQ(r.status, 200);
  SseCapture capture;
  r.stream->Start(capture.Write(), capture.Close());
  EXPECT_EQ(capture.data(), "");
  r.stream->Cancel();
}

TEST_F(McpEndpointTest, LastEventIdReplaysOnlyThatStream) {
  const std::string session = Initialize("2025-11-25");
  McpResponse a = Send(Get(session));
  ASSERT_EQ(a.status, 200);
  SseCapture capture_a;
  a.stream->Start(capture_a.Write(), capture_a.Close());
  const std::string a_id = capture_a.data().substr(4, capture_a.data().find("-0\n") - 4);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(endpoint_->SendToSession(session, json{{"n", i}}).ok());

  // A second stream gets later messages (the newest open stream is used).
  McpResponse b = Send(Get(session));
  ASSERT_EQ(b.status, 200);
  SseCapture capture_b;
  b.stream->Start(capture_b.Write(), capture_b.Close());
  ASSERT_TRUE(endpoint_->SendToSession(session, json{{"n", 100}}).ok());
  EXPECT_NE(capture_b.data().find("{\"n\":100}"), std::string::npos);
  EXPECT_EQ(capture_a.data().find("{\"n\":100}"), std::string::npos);

  // Stream A drops; the client resumes it after event 1.
  a.stream->Cancel();
  McpResponse resumed = Send(Get(session, a_id + "-1"));
  ASSERT_EQ(resumed.status, 200);
  SseCapture capture_r;
  resumed.stream->Start(capture_r.Write(), capture_r.Close());
  EXPECT_EQ(capture_r.data(), "id: " + a_id + "-2\nevent: message\ndata: {\"n\":2}\n\n" +
                                  "id: " + a_id + "-3\nevent: message\ndata: {\"n\":3}\n\n");
  // An unknown Last-Event-ID opens a fresh stream.
  McpResponse fresh = Send(Get(session, "ffff-3"));
  ASSERT_EQ(fresh.status, 200);
  SseCapture capture_f;
  fresh.stream->Start(capture_f.Write(), capture_f.Close());
  EXPECT_EQ(capture_f.data().find("{\"n\""), std::string::npos);
  EXPECT_EQ(capture_f.data().find(a_id), std::string::npos);
  b.stream->Cancel();
  resumed.stream->Cancel();
  fresh.stream->Cancel();
}

TEST_F(McpEndpointTest, StreamsPerSessionAreCapped) {
  const std::string session = Initialize();
  std::vector<std::shared_ptr<EventStream>> streams;
  for (int i = 0; i < 8; ++i) {
    McpResponse r = Send(Get(session));
    ASSERT_EQ(r.status, 200) << i;
    streams.push_back(r.stream);
  }
  EXPECT_EQ(Send(Get(session)).status, 429);
  streams.back()->Cancel();
  EXPECT_EQ(Send(Get(session)).status, 200);
  // Another session is not affected.
  EXPECT_EQ(Send(Get(Initialize())).status, 200);
}

TEST_F(McpEndpointTest, DeleteClosesStreams) {
  const std::string session = Initialize();
  McpResponse r = Send(Get(session));
  ASSERT_EQ(r.status, 200);
  SseCapture capture;
  r.stream->Start(capture.Write(), capture.Close());
  McpRequest del = Post("", session, "2025-11-25");
  del.method = "DELETE";
  ASSERT_EQ(Send(del).status, 200);
  EXPECT_TRUE(capture.closed());
  EXPECT_EQ(Send(Get(session)).status, 404);
}

TEST_F(McpEndpointTest, OpenStreamKeepsSessionAlive) {
  const std::string session = Initialize();
  McpResponse r = Send(Get(session));
  ASSERT_EQ(r.status, 200);
  SseCapture capture;
  r.stream->Start(capture.Write(), capture.Close());
  clock_offset_seconds_ = 2 * 3600;
  EXPECT_EQ(Send(Post(Rpc(1, "ping"), session, "2025-11-25")).status, 200);
  r.stream->Cancel();
}

// A tool's input-required answer in a 2025 session becomes an
// elicitation/create request on the POST's stream; the client's answer (its
// own POST) makes the endpoint call the tool again, whose result ends it.
TEST_F(McpEndpointTest, InputRequiredBecomesServerToClientRequest) {
  McpResponse init = Send(Post(Rpc(1, "initialize",
                                   {{"protocolVersion", "2025-11-25"},
                                    {"capabilities", {{"elicitation", json::object()}}},
                                    {"clientInfo", {{"name", "test"}, {"version", "1"}}}})));
  const std::string session = init.Header("Mcp-Session-Id").value_or("");
  McpResponse r = Send(Post(Rpc(8, "tools/call", {{"name", "asks_name"}}), session, "2025-11-25"));
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "text/event-stream");
  ASSERT_NE(r.stream, nullptr) << r.body;
  SseCapture capture;
  r.stream->Start(capture.Write(), capture.Close());
  std::vector<json> messages = SseMessages(capture.data());
  ASSERT_EQ(messages.size(), 1u) << capture.data();
  EXPECT_EQ(messages[0]["method"], "elicitation/create");
  EXPECT_EQ(messages[0]["params"]["message"], "Your name?");
  ASSERT_TRUE(messages[0].contains("id"));
  EXPECT_FALSE(capture.closed());  // waiting for the answer

  // An answer to an id the server never sent changes nothing.
  EXPECT_EQ(Send(Post(json{{"jsonrpc", "2.0"}, {"id", 999999}, {"result", json::object()}}.dump(),
                      session, "2025-11-25"))
                .status,
            202);
  EXPECT_FALSE(capture.closed());
  EXPECT_EQ(Send(Post(json{{"jsonrpc", "2.0"},
                           {"id", messages[0]["id"]},
                           {"result", {{"action", "accept"}, {"content", {{"name", "Ada"}}}}}}
                          .dump(),
                      session, "2025-11-25"))
                .status,
            202);
  for (int i = 0; i < 1000 && !capture.closed(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(capture.closed());
  messages = SseMessages(capture.data());
  ASSERT_EQ(messages.size(), 2u) << capture.data();
  EXPECT_EQ(messages[1]["id"], 8);
  EXPECT_EQ(messages[1]["result"]["content"][0]["text"], "Hello, Ada");
}

TEST_F(McpEndpointTest, InputRequiredWithoutTheCapabilityIsAnError) {
  const std::string session = Initialize();  // declares no capabilities
  json reply = Call(session, "tools/call", {{"name", "asks_name"}});
  EXPECT_EQ(reply["error"]["code"], -32021) << reply.dump();
  EXPECT_EQ(reply["error"]["data"]["requiredCapabilities"],
            (json{{"elicitation", json::object()}}));
}

TEST_F(McpEndpointTest, CancelledNotificationEndsAWaitForInput) {
  McpResponse init = Send(Post(Rpc(1, "initialize",
                                   {{"protocolVersion", "2025-11-25"},
                                    {"capabilities", {{"elicitation", json::object()}}},
                                    {"clientInfo", {{"name", "test"}, {"version", "1"}}}})));
  const std::string session = init.Header("Mcp-Session-Id").value_or("");
  McpResponse r =
      Send(Post(Rpc("c-1", "tools/call", {{"name", "asks_name"}}), session, "2025-11-25"));
  ASSERT_NE(r.stream, nullptr) << r.body;
  SseCapture capture;
  r.stream->Start(capture.Write(), capture.Close());
  std::vector<json> messages = SseMessages(capture.data());
  ASSERT_EQ(messages.size(), 1u) << capture.data();
  EXPECT_EQ(
      Send(
          Post(
              R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c-1"}})",
              session, "2025-11-25"))
          .status,
      202);
  for (int i = 0; i < 1000 && !capture.closed(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(capture.closed());
  messages = SseMessages(capture.data());
  ASSERT_EQ(messages.size(), 2u) << capture.data();
  EXPECT_EQ(messages[1]["id"], "c-1");
  EXPECT_EQ(messages[1]["error"]["code"], -32603);
  // A late answer finds nothing waiting.
  EXPECT_EQ(Send(Post(json{{"jsonrpc", "2.0"},
                           {"id", messages[0]["id"]},
                           {"result", {{"action", "cancel"}}}}
                          .dump(),
                      session, "2025-11-25"))
                .status,
            202);
}

}  // namespace
}  // namespace mcp_oauth::mcp
