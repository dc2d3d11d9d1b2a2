// McpEndpoint's resources/*, prompts/*, completion/complete and content-block
// tools against real in-process ToolService, ResourceService and
// PromptService (one gRPC server for the whole binary).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "mcp/completion.h"
#include "mcp/prompt_service.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/resource_service.h"
#include "mcp/tool_service.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

struct Shared {
  std::shared_ptr<ToolRegistry> tool_registry;
  std::shared_ptr<ResourceRegistry> resource_registry;
  std::unique_ptr<ToolServiceImpl> tools;
  std::unique_ptr<ResourceServiceImpl> resources;
  std::unique_ptr<PromptServiceImpl> prompts;
  std::unique_ptr<grpc::Server> server;
  McpBackends backends;
};

Shared* Start() {
  auto tools = std::make_shared<ToolRegistry>();
  EXPECT_TRUE(RegisterBuiltinTools(tools.get()).ok());
  ToolDefinition image;
  image.name = "image";
  image.description = "returns an image";
  image.input_schema = {{"type", "object"}};
  image.content_handler = [](const json&, const CallContext&) -> absl::StatusOr<ToolContent> {
    ToolContent content;
    content.blocks = {json{{"type", "image"}, {"data", "AAAA"}, {"mimeType", "image/png"}},
                      json{{"type", "text"}, {"text", "an image"}}};
    return content;
  };
  EXPECT_TRUE(tools->Register(image).ok());
  ToolDefinition untyped = image;
  untyped.name = "untyped";
  untyped.content_handler = [](const json&, const CallContext&) -> absl::StatusOr<ToolContent> {
    ToolContent content;
    content.blocks = {json{{"data", "x"}}};
    return content;
  };
  EXPECT_TRUE(tools->Register(untyped).ok());

  auto resources = std::make_shared<ResourceRegistry>();
  ResourceDefinition text;
  text.uri = "test://text";
  text.name = "text";
  text.title = "Text";
  text.mime_type = "text/plain";
  text.read = [](const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{
        ResourceContent::Text("test://text", "text/plain", "hello")};
  };
  EXPECT_TRUE(resources->Register(text).ok());
  ResourceDefinition blob;
  blob.uri = "test://blob";
  blob.name = "blob";
  blob.read = [](const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{
        ResourceContent::Blob("test://blob", "image/png", "\x89PNG")};
  };
  EXPECT_TRUE(resources->Register(blob).ok());
  ResourceTemplateDefinition tmpl;
  tmpl.uri_template = "test://item/{id}";
  tmpl.name = "item";
  tmpl.read = [](const std::string& uri, const std::map<std::string, std::string>& vars,
                 const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{
        ResourceContent::Text(uri, "application/json", json{{"id", vars.at("id")}}.dump())};
  };
  tmpl.completers["id"] = PrefixCompleter({"10", "11", "20"});
  EXPECT_TRUE(resources->RegisterTemplate(tmpl).ok());

  auto prompts = std::make_shared<PromptRegistry>();
  PromptDefinition greet;
  greet.name = "greet";
  greet.description = "greets";
  greet.arguments = {{"who", "whom", true, PrefixCompleter({"world", "wonder", "x"})}};
  greet.render = [](const std::map<std::string, std::string>& args,
                    const CallContext&) -> absl::StatusOr<std::vector<PromptMessage>> {
    return std::vector<PromptMessage>{
        {"user", json{{"type", "text"}, {"text", "Hello, " + args.at("who")}}}};
  };
  EXPECT_TRUE(prompts->Register(greet).ok());

  auto* shared = new Shared;
  shared->tool_registry = tools;
  shared->resource_registry = resources;
  shared->tools = std::make_unique<ToolServiceImpl>(tools);
  shared->resources = std::make_unique<ResourceServiceImpl>(resources);
  shared->prompts = std::make_unique<PromptServiceImpl>(prompts);
  grpc::ServerBuilder builder;
  builder.RegisterService(shared->tools.get());
  builder.RegisterService(shared->resources.get());
  builder.RegisterService(shared->prompts.get());
  shared->server = builder.BuildAndStart();
  EXPECT_NE(shared->server, nullptr);
  auto channel = shared->server->InProcessChannel(grpc::ChannelArguments());
  shared->backends.tools = tools::v1::ToolService::NewStub(channel);
  shared->backends.resources = resources::v1::ResourceService::NewStub(channel);
  shared->backends.prompts = prompts::v1::PromptService::NewStub(channel);
  return shared;
}

class McpEndpointCatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = Start(); }
  static void TearDownTestSuite() {
    shared_->backends = McpBackends();
    shared_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    shared_->server.reset();
    delete shared_;
  }

  static McpOptions Options(bool offer) {
    McpOptions options;
    options.client_id = "c";
    options.session_key = "0123456789abcdef0123456789abcdef";
    options.offer_resources = offer;
    options.offer_prompts = offer;
    options.offer_completions = offer;
    return options;
  }

  void SetUp() override {
    endpoint_ = std::make_unique<McpEndpoint>(Options(true), shared_->backends);
  }

  static McpResponse Send(McpEndpoint& endpoint, const json& message, const std::string& session) {
    McpRequest request;
    request.method = "POST";
    request.headers = {{"Host", "localhost"},
                       {"Accept", "application/json, text/event-stream"},
                       {"Content-Type", "application/json"}};
    if (!session.empty()) {
      request.headers.Set("Mcp-Session-Id", session);
      request.headers.Set("MCP-Protocol-Version", "2025-11-25");
    }
    request.body = message.dump();
    request.principal.subject = "alice";
    request.principal.client_id = "c";
    absl::Notification finished;
    McpResponse response;
    endpoint.Handle(std::move(request), [&](McpResponse r) {
      response = std::move(r);
      finished.Notify();
    });
    EXPECT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return response;
  }

  // Initializes a session on `endpoint`; returns {session id, capabilities}.
  static std::pair<std::string, json> Initialize(McpEndpoint& endpoint) {
    McpResponse r = Send(endpoint,
                         {{"jsonrpc", "2.0"},
                          {"id", 1},
                          {"method", "initialize"},
                          {"params", {{"protocolVersion", "2025-11-25"}}}},
                         "");
    EXPECT_EQ(r.status, 200) << r.body;
    return {r.Header("Mcp-Session-Id").value_or(""), json::parse(r.body)["result"]["capabilities"]};
  }

  json Call(const std::string& method, const json& params) {
    if (session_.empty()) session_ = Initialize(*endpoint_).first;
    McpResponse r =
        Send(*endpoint_, {{"jsonrpc", "2.0"}, {"id", 5}, {"method", method}, {"params", params}},
             session_);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  static Shared* shared_;
  std::unique_ptr<McpEndpoint> endpoint_;
  std::string session_;
};

Shared* McpEndpointCatalogTest::shared_ = nullptr;

TEST_F(McpEndpointCatalogTest, CapabilitiesOnlyWhenOffered) {
  json caps = Initialize(*endpoint_).second;
  EXPECT_EQ(caps["resources"], json({{"subscribe", true}, {"listChanged", false}}));
  EXPECT_EQ(caps["prompts"], json({{"listChanged", false}}));
  EXPECT_EQ(caps["completions"], json::object());

  McpEndpoint plain(Options(false), shared_->backends);
  auto [session, plain_caps] = Initialize(plain);
  EXPECT_FALSE(plain_caps.contains("resources"));
  EXPECT_FALSE(plain_caps.contains("prompts"));
  EXPECT_FALSE(plain_caps.contains("completions"));
  EXPECT_TRUE(plain_caps.contains("tools"));
  for (const char* method :
       {"resources/list", "resources/read", "prompts/list", "prompts/get", "completion/complete",
        "resources/templates/list", "resources/subscribe"}) {
    McpResponse r =
        Send(plain, {{"jsonrpc", "2.0"}, {"id", 2}, {"method", method}, {"params", json::object()}},
             session);
    EXPECT_EQ(json::parse(r.body)["error"]["code"], -32601) << method;
  }
}

// Collects what the endpoint writes to an SSE stream.
class Capture {
 public:
  void Start(const std::shared_ptr<EventStream>& stream) {
    stream->Start(
        [this](std::string_view bytes) {
          absl::MutexLock lock(&mu_);
          data_.append(bytes.data(), bytes.size());
          return true;
        },
        [] {});
  }
  // Waits until the stream holds `needle`.
  bool WaitFor(const std::string& needle) {
    absl::MutexLock lock(&mu_);
    std::pair<std::string*, const std::string*> arg(&data_, &needle);
    return mu_.AwaitWithTimeout(absl::Condition(
                                    +[](std::pair<std::string*, const std::string*>* a) {
                                      return a->first->find(*a->second) != std::string::npos;
                                    },
                                    &arg),
                                absl::Seconds(10));
  }
  std::string data() {
    absl::MutexLock lock(&mu_);
    return data_;
  }

 private:
  absl::Mutex mu_;
  std::string data_;
};

McpResponse OpenGet(McpEndpoint& endpoint, const std::string& session) {
  McpRequest request;
  request.method = "GET";
  request.headers = {{"Host", "localhost"},
                     {"Accept", "text/event-stream"},
                     {"Mcp-Session-Id", session},
                     {"MCP-Protocol-Version", "2025-11-25"}};
  request.principal.subject = "alice";
  request.principal.client_id = "c";
  McpResponse response;
  endpoint.Handle(std::move(request), [&](McpResponse r) { response = std::move(r); });
  return response;
}

TEST_F(McpEndpointCatalogTest, ToolListChangesReachOpenStreams) {
  auto [session, caps] = Initialize(*endpoint_);
  EXPECT_EQ(caps["tools"]["listChanged"], true);
  McpResponse get = OpenGet(*endpoint_, session);
  ASSERT_NE(get.stream, nullptr);
  Capture capture;
  capture.Start(get.stream);
  // The watch is asynchronous: wait until the server side listens.
  for (int i = 0; i < 1000 && shared_->tool_registry->changes().listener_count() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(shared_->tool_registry->changes().listener_count(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the first (baseline) event arrives
  EXPECT_EQ(capture.data().find("list_changed"), std::string::npos);

  ToolDefinition added;
  added.name = "added_later";
  added.description = "added at runtime";
  added.input_schema = {{"type", "object"}};
  added.handler = [](const json&, const CallContext&) -> absl::StatusOr<json> {
    return json::object();
  };
  ASSERT_TRUE(shared_->tool_registry->Register(added).ok());
  ASSERT_TRUE(capture.WaitFor(R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"))
      << capture.data();
  ASSERT_TRUE(shared_->tool_registry->Unregister("added_later").ok());
  // The last GET stream closing ends the watch (the endpoint lives on).
  get.stream->Cancel();
  for (int i = 0; i < 1000 && shared_->tool_registry->changes().listener_count() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(shared_->tool_registry->changes().listener_count(), 0u);
}

TEST_F(McpEndpointCatalogTest, ResourceUpdatesReachSubscribersOnly) {
  auto [session, caps] = Initialize(*endpoint_);
  session_ = session;
  auto [other, other_caps] = Initialize(*endpoint_);
  McpResponse get = OpenGet(*endpoint_, session);
  McpResponse other_get = OpenGet(*endpoint_, other);
  ASSERT_NE(get.stream, nullptr);
  ASSERT_NE(other_get.stream, nullptr);
  Capture capture;
  Capture other_capture;
  capture.Start(get.stream);
  other_capture.Start(other_get.stream);

  EXPECT_EQ(Call("resources/subscribe", {{"uri", "test://text"}})["result"], json::object());
  EXPECT_EQ(Call("resources/subscribe", {{"uri", 5}})["error"]["code"], -32602);
  for (int i = 0; i < 1000 && shared_->resource_registry->updates().listener_count() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  shared_->resource_registry->NotifyUpdated("test://blob");  // nobody subscribed
  shared_->resource_registry->NotifyUpdated("test://text");
  ASSERT_TRUE(capture.WaitFor(
      R"({"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"test://text"}})"))
      << capture.data();
  EXPECT_EQ(capture.data().find("test://blob"), std::string::npos);
  EXPECT_EQ(other_capture.data().find("updated"), std::string::npos);

  // After unsubscribing, updates no longer arrive.
  EXPECT_EQ(Call("resources/unsubscribe", {{"uri", "test://text"}})["result"], json::object());
  shared_->resource_registry->NotifyUpdated("test://text");
  EXPECT_TRUE(Call("ping", json::object()).contains("result"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string data = capture.data();
  EXPECT_EQ(data.find("test://text"), data.rfind("test://text"))
      << data;  // still only the first one
  get.stream->Cancel();
  other_get.stream->Cancel();
}

TEST_F(McpEndpointCatalogTest, ListsResourcesAndTemplates) {
  json r = Call("resources/list", json::object());
  ASSERT_TRUE(r.contains("result")) << r;
  EXPECT_EQ(
      r["result"]["resources"],
      json::parse(R"([{"uri":"test://text","name":"text","title":"Text","mimeType":"text/plain"},
                            {"uri":"test://blob","name":"blob"}])"));
  EXPECT_FALSE(r["result"].contains("nextCursor"));
  EXPECT_EQ(Call("resources/list", {{"cursor", "bogus"}})["error"]["code"], -32602);
  EXPECT_EQ(Call("resources/list", {{"cursor", 3}})["error"]["code"], -32602);
  r = Call("resources/templates/list", json::object());
  EXPECT_EQ(r["result"]["resourceTemplates"],
            json::parse(R"([{"uriTemplate":"test://item/{id}","name":"item"}])"));
}

TEST_F(McpEndpointCatalogTest, ReadsTextBlobAndTemplate) {
  json r = Call("resources/read", {{"uri", "test://text"}});
  EXPECT_EQ(r["result"]["contents"],
            json::parse(R"([{"uri":"test://text","mimeType":"text/plain","text":"hello"}])"));
  r = Call("resources/read", {{"uri", "test://blob"}});
  EXPECT_EQ(r["result"]["contents"][0]["blob"], "iVBORw==");  // standard base64 of \x89PNG
  EXPECT_FALSE(r["result"]["contents"][0].contains("text"));
  r = Call("resources/read", {{"uri", "test://item/7"}});
  EXPECT_EQ(r["result"]["contents"][0]["uri"], "test://item/7");
  EXPECT_EQ(r["result"]["contents"][0]["text"], R"({"id":"7"})");
}

TEST_F(McpEndpointCatalogTest, ReadErrors) {
  json r = Call("resources/read", {{"uri", "test://nowhere"}});
  EXPECT_EQ(r["error"]["code"], -32002);
  EXPECT_EQ(r["error"]["data"]["uri"], "test://nowhere");
  EXPECT_EQ(Call("resources/read", json::object())["error"]["code"], -32602);
  EXPECT_EQ(Call("resources/read", {{"uri", 1}})["error"]["code"], -32602);
}

TEST_F(McpEndpointCatalogTest, PromptsListAndGet) {
  json r = Call("prompts/list", json::object());
  EXPECT_EQ(r["result"]["prompts"], json::parse(R"([{"name":"greet","description":"greets",
                             "arguments":[{"name":"who","description":"whom","required":true}]}])"));
  r = Call("prompts/get", {{"name", "greet"}, {"arguments", {{"who", "Bob"}}}});
  EXPECT_EQ(r["result"]["messages"],
            json::parse(R"([{"role":"user","content":{"type":"text","text":"Hello, Bob"}}])"));
  EXPECT_EQ(r["result"]["description"], "greets");
}

TEST_F(McpEndpointCatalogTest, PromptErrors) {
  json r = Call("prompts/get", {{"name", "nope"}});
  EXPECT_EQ(r["error"]["code"], -32602);
  EXPECT_EQ(r["error"]["message"], "Invalid params: unknown prompt: nope");
  r = Call("prompts/get", {{"name", "greet"}});
  EXPECT_EQ(r["error"]["code"], -32602);
  EXPECT_NE(r["error"]["message"].get<std::string>().find("'who'"), std::string::npos);
  EXPECT_EQ(Call("prompts/get", {{"name", "greet"}, {"arguments", {{"who", 1}}}})["error"]["code"],
            -32602);
  EXPECT_EQ(Call("prompts/get", json::object())["error"]["code"], -32602);
}

TEST_F(McpEndpointCatalogTest, CompletesPromptArgumentsAndTemplateVariables) {
  json r = Call("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}},
                                        {"argument", {{"name", "who"}, {"value", "wo"}}}});
  EXPECT_EQ(r["result"]["completion"],
            json::parse(R"({"values":["world","wonder"],"total":2,"hasMore":false})"));
  r = Call("completion/complete", {{"ref", {{"type", "ref/resource"}, {"uri", "test://item/{id}"}}},
                                   {"argument", {{"name", "id"}, {"value", "1"}}},
                                   {"context", {{"arguments", {{"x", "y"}}}}}});
  EXPECT_EQ(r["result"]["completion"]["values"], json::parse(R"(["10","11"])"));
  r = Call("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "nope"}}},
                                   {"argument", {{"name", "who"}, {"value", ""}}}});
  EXPECT_EQ(r["error"]["code"], -32602);
  r = Call("completion/complete",
           {{"ref", {{"type", "ref/other"}}}, {"argument", {{"name", "a"}, {"value", ""}}}});
  EXPECT_EQ(r["error"]["code"], -32602);
  EXPECT_EQ(Call("completion/complete", json::object())["error"]["code"], -32602);
}

TEST_F(McpEndpointCatalogTest, ContentToolsReturnTheirBlocks) {
  json r = Call("tools/call", {{"name", "image"}, {"arguments", json::object()}});
  EXPECT_EQ(
      r["result"]["content"],
      json::parse(
          R"([{"type":"image","data":"AAAA","mimeType":"image/png"},{"type":"text","text":"an image"}])"));
  EXPECT_EQ(r["result"]["isError"], false);
  EXPECT_FALSE(r["result"].contains("structuredContent"));
  r = Call("tools/call", {{"name", "untyped"}, {"arguments", json::object()}});
  EXPECT_EQ(r["error"]["code"], -32603);
}

}  // namespace
}  // namespace mcp_oauth::mcp
