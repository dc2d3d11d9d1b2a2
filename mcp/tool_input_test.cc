// ToolService with a multi-round tool: InputRequired out, answers and the
// sealed requestState back in, tampering refused.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "mcp/json_struct.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::ToolService;
using nlohmann::json;

// Asks for a name, then (state "asked-name") for a colour, then greets.
absl::StatusOr<ToolContent> TwoQuestions(const json&, const CallContext& ctx) {
  const ToolInput& input = ctx.input();
  ToolContent out;
  if (input.state().empty()) {
    const json* name = input.Response("name");
    if (name == nullptr || !name->contains("content")) {
      if (!input.ClientSupports("elicitation"))
        return absl::FailedPreconditionError("needs elicitation");
      out.input_required.requests["name"] = ElicitationRequest(
          "Your name?", {{"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}});
      return out;
    }
    out.input_required.requests["colour"] = ElicitationRequest("Colour?", {{"type", "object"}});
    out.input_required.state = "name=" + name->at("content").value("name", "");
    return out;
  }
  const json* colour = input.Response("colour");
  if (colour == nullptr) return absl::InvalidArgumentError("colour missing");
  out.blocks.push_back(
      {{"type", "text"},
       {"text", input.state() + ";colour=" + colour->at("content").value("colour", "")}});
  return out;
}

class ToolInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto registry = std::make_shared<ToolRegistry>();
    ToolDefinition tool;
    tool.name = "two_questions";
    tool.description = "asks twice";
    tool.input_schema = {{"type", "object"}};
    tool.content_handler = &TwoQuestions;
    ASSERT_TRUE(registry->Register(std::move(tool)).ok());
    ToolServiceOptions options;
    options.request_state_key = std::string(32, 'k');
    service_ = new ToolServiceImpl(registry, options);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart().release();
    ASSERT_NE(server_, nullptr);
    stub_ = ToolService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                     grpc::InsecureChannelCredentials()))
                .release();
  }

  static void TearDownTestSuite() {
    delete stub_;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    delete server_;
    delete service_;
  }

  static CallToolRequest Request(const std::string& subject = "alice", json args = json::object()) {
    CallToolRequest request;
    request.set_name("two_questions");
    request.mutable_caller()->set_subject(subject);
    request.mutable_caller()->set_client_id("client-1");
    *request.mutable_arguments() = *JsonToStruct(args);
    *request.mutable_client_capabilities() = *JsonToStruct(json{{"elicitation", json::object()}});
    return request;
  }

  static grpc::Status Call(const CallToolRequest& request, CallToolResponse* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return stub_->CallTool(&ctx, request, response);
  }

  static void Answer(CallToolRequest* request, const std::string& key, json content) {
    (*request->mutable_input_responses())[key] =
        *JsonToStruct(json{{"action", "accept"}, {"content", content}});
  }

  // Runs rounds one and two; returns round two's response.
  static CallToolResponse SecondRound(const std::string& subject = "alice") {
    CallToolRequest request = Request(subject);
    Answer(&request, "name", {{"name", "Alice"}});
    CallToolResponse response;
    EXPECT_TRUE(Call(request, &response).ok());
    return response;
  }

  static ToolServiceImpl* service_;
  static grpc::Server* server_;
  static ToolService::Stub* stub_;
};

ToolServiceImpl* ToolInputTest::service_ = nullptr;
grpc::Server* ToolInputTest::server_ = nullptr;
ToolService::Stub* ToolInputTest::stub_ = nullptr;

TEST_F(ToolInputTest, FirstRoundAsksWithoutState) {
  CallToolResponse response;
  ASSERT_TRUE(Call(Request(), &response).ok());
  ASSERT_TRUE(response.has_input_required());
  EXPECT_EQ(response.content_size(), 0);
  const auto& requests = response.input_required().input_requests();
  ASSERT_EQ(requests.count("name"), 1u);
  EXPECT_EQ(requests.at("name").method(), "elicitation/create");
  EXPECT_EQ(StructToJson(requests.at("name").params())["message"], "Your name?");
  EXPECT_TRUE(response.input_required().request_state().empty());
}

TEST_F(ToolInputTest, ToolSeesClientCapabilities) {
  CallToolRequest request = Request();
  request.clear_client_capabilities();
  CallToolResponse response;
  ASSERT_TRUE(Call(request, &response).ok());
  EXPECT_FALSE(response.has_input_required());
  EXPECT_TRUE(response.is_error());
}

TEST_F(ToolInputTest, ThreeRoundsWithSealedState) {
  CallToolResponse second = SecondRound();
  ASSERT_TRUE(second.has_input_required());
  const std::string state = second.input_required().request_state();
  ASSERT_FALSE(state.empty());
  EXPECT_EQ(state.find("Alice"), std::string::npos) << "state is base64url-encoded, not raw";

  CallToolRequest third = Request();
  Answer(&third, "colour", {{"colour", "blue"}});
  Answer(&third, "ignored_extra", {{"x", 1}});
  third.set_request_state(state);
  CallToolResponse done;
  ASSERT_TRUE(Call(third, &done).ok());
  ASSERT_FALSE(done.has_input_required());
  ASSERT_EQ(done.content_size(), 1);
  EXPECT_EQ(done.content(0).fields().at("text").string_value(), "name=Alice;colour=blue");
}

TEST_F(ToolInputTest, TamperedStateIsInvalidArgument) {
  const std::string state = SecondRound().input_required().request_state();
  CallToolRequest third = Request();
  Answer(&third, "colour", {{"colour", "blue"}});
  third.set_request_state(state + "-TAMPERED");
  CallToolResponse response;
  grpc::Status status = Call(third, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "invalid or expired requestState");
}

TEST_F(ToolInputTest, StateOfAnotherCallerOrArgumentsIsRefused) {
  const std::string state = SecondRound().input_required().request_state();
  for (CallToolRequest third : {Request("mallory"), Request("alice", json{{"other", 1}})}) {
    Answer(&third, "colour", {{"colour", "blue"}});
    third.set_request_state(state);
    CallToolResponse response;
    EXPECT_EQ(Call(third, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(ToolInputTest, ForgedStateIsRefusedEvenWellFormed) {
  CallToolRequest third = Request();
  third.set_request_state("rs1.bmFtZT1FdmU.99999999999.AAAA");
  CallToolResponse response;
  EXPECT_EQ(Call(third, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace mcp_oauth::mcp
