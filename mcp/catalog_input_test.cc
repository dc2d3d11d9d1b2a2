// Prompts and resources that ask the client for input (multi round-trip
// requests) through PromptService and ResourceService over real in-process
// gRPC: the input-required answer, the retry with the answers, and the
// sealed requestState's bindings (caller, prompt or URI, arguments, kind).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "mcp/prompt_service.h"
#include "mcp/resource_service.h"
#include "mcp/testing/catalog_server.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;
namespace rv1 = mcp_oauth::resources::v1;
namespace pv1 = mcp_oauth::prompts::v1;

// The name elicited under "name" once the state "asked" came back, or "".
std::string AnsweredName(const ToolInput& input) {
  const json* answer = input.Response("name");
  if (answer == nullptr || input.state() != "asked" || !answer->contains("content")) return "";
  return answer->at("content").value("name", "");
}

InputRequired AskName() {
  InputRequired required;
  required.requests["name"] = ElicitationRequest("Name?", {{"type", "object"}});
  required.state = "asked";
  return required;
}

std::shared_ptr<PromptRegistry> Prompts() {
  auto registry = std::make_shared<PromptRegistry>();
  PromptDefinition ask;
  ask.name = "ask";
  ask.arguments = {{"topic", "", false, nullptr}};
  ask.render_with_input = [](const std::map<std::string, std::string>& args,
                             const CallContext& ctx) -> absl::StatusOr<PromptOutput> {
    PromptOutput out;
    const std::string name = AnsweredName(ctx.input());
    if (name.empty()) {
      out.input_required = AskName();
      return out;
    }
    const std::string topic = args.count("topic") ? args.at("topic") : "nothing";
    out.messages.push_back(
        {"user", json{{"type", "text"}, {"text", name + " asks about " + topic}}});
    return out;
  };
  EXPECT_TRUE(registry->Register(ask).ok());
  return registry;
}

std::shared_ptr<ResourceRegistry> Resources() {
  auto registry = std::make_shared<ResourceRegistry>();
  ResourceDefinition ask;
  ask.uri = "test://ask";
  ask.name = "ask";
  ask.read_with_input = [](const CallContext& ctx) -> absl::StatusOr<ResourceOutput> {
    ResourceOutput out;
    const std::string name = AnsweredName(ctx.input());
    if (name.empty()) {
      out.input_required = AskName();
      return out;
    }
    out.contents.push_back(ResourceContent::Text("test://ask", "text/plain", "for " + name));
    return out;
  };
  EXPECT_TRUE(registry->Register(ask).ok());
  ResourceTemplateDefinition item;
  item.uri_template = "test://ask/{id}";
  item.name = "item";
  item.read_with_input = [](const std::string& uri, const std::map<std::string, std::string>& vars,
                            const CallContext& ctx) -> absl::StatusOr<ResourceOutput> {
    ResourceOutput out;
    const std::string name = AnsweredName(ctx.input());
    if (name.empty()) {
      out.input_required = AskName();
      return out;
    }
    out.contents.push_back(
        ResourceContent::Text(uri, "text/plain", "item " + vars.at("id") + " for " + name));
    return out;
  };
  EXPECT_TRUE(registry->RegisterTemplate(item).ok());
  return registry;
}

google::protobuf::Struct NameAnswer(const std::string& name) {
  google::protobuf::Struct answer;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                  json{{"action", "accept"}, {"content", {{"name", name}}}}.dump(), &answer)
                  .ok());
  return answer;
}

template <typename Request>
void SetCaller(Request* request, const std::string& subject) {
  request->mutable_caller()->set_subject(subject);
  request->mutable_caller()->set_client_id("client");
}

class CatalogInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CatalogServiceOptions options;
    options.request_state_key = std::string(32, 'k');
    server_ = new testing::CatalogServer(Resources(), Prompts(), options);
  }
  static void TearDownTestSuite() { delete server_; }

  static grpc::Status GetPrompt(const pv1::GetPromptRequest& request,
                                pv1::GetPromptResponse* response) {
    return server_->prompts().GetPrompt(server_->Context().get(), request, response);
  }
  static grpc::Status Read(const rv1::ReadResourceRequest& request,
                           rv1::ReadResourceResponse* response) {
    return server_->resources().ReadResource(server_->Context().get(), request, response);
  }

  // The first round of prompt "ask" about `topic` for `subject`: its state.
  static std::string AskPrompt(const std::string& subject, const std::string& topic) {
    pv1::GetPromptRequest request;
    request.set_name("ask");
    (*request.mutable_arguments())["topic"] = topic;
    SetCaller(&request, subject);
    pv1::GetPromptResponse response;
    EXPECT_TRUE(GetPrompt(request, &response).ok());
    return response.input_required().request_state();
  }

  static testing::CatalogServer* server_;
};

testing::CatalogServer* CatalogInputTest::server_ = nullptr;

TEST_F(CatalogInputTest, PromptAsksThenRendersWithTheAnswer) {
  pv1::GetPromptRequest request;
  request.set_name("ask");
  (*request.mutable_arguments())["topic"] = "tides";
  SetCaller(&request, "alice");
  pv1::GetPromptResponse first;
  ASSERT_TRUE(GetPrompt(request, &first).ok());
  ASSERT_TRUE(first.has_input_required());
  EXPECT_EQ(first.messages_size(), 0);
  ASSERT_EQ(first.input_required().input_requests().count("name"), 1u);
  EXPECT_EQ(first.input_required().input_requests().at("name").method(), "elicitation/create");
  // Sealed: the state the prompt wrote is not sent as is.
  const std::string& state = first.input_required().request_state();
  EXPECT_EQ(state.rfind("rs1.", 0), 0u) << state;

  (*request.mutable_input_responses())["name"] = NameAnswer("Ann");
  request.set_request_state(state);
  pv1::GetPromptResponse second;
  ASSERT_TRUE(GetPrompt(request, &second).ok());
  EXPECT_FALSE(second.has_input_required());
  ASSERT_EQ(second.messages_size(), 1);
  EXPECT_EQ(second.messages(0).content().fields().at("text").string_value(),
            "Ann asks about tides");
}

TEST_F(CatalogInputTest, PromptStateOpensOnlyForItsOwnCall) {
  const std::string state = AskPrompt("alice", "tides");
  ASSERT_FALSE(state.empty());
  struct Case {
    const char* what;
    std::string subject;
    std::string topic;
    std::string state;
  };
  std::string altered = state;
  altered[5] = altered[5] == 'A' ? 'B' : 'A';
  for (const Case& c : {Case{"another caller", "mallory", "tides", state},
                        Case{"other arguments", "alice", "winds", state},
                        Case{"altered", "alice", "tides", altered},
                        Case{"forged", "alice", "tides", "rs1.YXNrZWQ.9999999999.AAAA"}}) {
    pv1::GetPromptRequest request;
    request.set_name("ask");
    (*request.mutable_arguments())["topic"] = c.topic;
    SetCaller(&request, c.subject);
    (*request.mutable_input_responses())["name"] = NameAnswer("Ann");
    request.set_request_state(c.state);
    pv1::GetPromptResponse response;
    grpc::Status status = GetPrompt(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.what;
    EXPECT_EQ(response.messages_size(), 0) << c.what;
  }
}

TEST_F(CatalogInputTest, ResourceAsksThenReadsWithTheAnswer) {
  for (const std::string uri : {"test://ask", "test://ask/7"}) {
    rv1::ReadResourceRequest request;
    request.set_uri(uri);
    SetCaller(&request, "alice");
    rv1::ReadResourceResponse first;
    ASSERT_TRUE(Read(request, &first).ok()) << uri;
    ASSERT_TRUE(first.has_input_required()) << uri;
    EXPECT_EQ(first.contents_size(), 0);
    (*request.mutable_input_responses())["name"] = NameAnswer("Ann");
    request.set_request_state(first.input_required().request_state());
    rv1::ReadResourceResponse second;
    ASSERT_TRUE(Read(request, &second).ok()) << uri;
    EXPECT_FALSE(second.has_input_required());
    ASSERT_EQ(second.contents_size(), 1);
    EXPECT_EQ(second.contents(0).text(), uri == "test://ask" ? "for Ann" : "item 7 for Ann");
  }
}

TEST_F(CatalogInputTest, StatesDoNotCrossUrisOrKinds) {
  rv1::ReadResourceRequest request;
  request.set_uri("test://ask/1");
  SetCaller(&request, "alice");
  rv1::ReadResourceResponse first;
  ASSERT_TRUE(Read(request, &first).ok());
  const std::string state = first.input_required().request_state();

  // Another URI of the same template.
  request.set_uri("test://ask/2");
  (*request.mutable_input_responses())["name"] = NameAnswer("Ann");
  request.set_request_state(state);
  rv1::ReadResourceResponse other;
  EXPECT_EQ(Read(request, &other).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // A prompt's state for a resource read.
  request.set_uri("test://ask");
  request.set_request_state(AskPrompt("alice", "tides"));
  EXPECT_EQ(Read(request, &other).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(CatalogInputRegistryTest, ExactlyOneRendererOrReader) {
  PromptRegistry prompts;
  PromptDefinition neither;
  neither.name = "neither";
  EXPECT_FALSE(prompts.Register(neither).ok());
  PromptDefinition both = Prompts()->prompts()[0];
  both.render = [](const std::map<std::string, std::string>&,
                   const CallContext&) -> absl::StatusOr<std::vector<PromptMessage>> {
    return std::vector<PromptMessage>();
  };
  EXPECT_FALSE(prompts.Register(both).ok());

  ResourceRegistry resources;
  ResourceDefinition both_reads;
  both_reads.uri = "test://both";
  both_reads.name = "both";
  both_reads.read = [](const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>();
  };
  both_reads.read_with_input = [](const CallContext&) -> absl::StatusOr<ResourceOutput> {
    return ResourceOutput();
  };
  EXPECT_FALSE(resources.Register(both_reads).ok());
  both_reads.read = nullptr;
  EXPECT_TRUE(resources.Register(both_reads).ok());
}

}  // namespace
}  // namespace mcp_oauth::mcp
