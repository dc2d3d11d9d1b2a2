// The server side of ToolService.CallToolMux over loopback TCP, driven by a
// raw stub: the optional features (tools.proto) are advertised, used only
// with a client that advertised them, and a client that advertises nothing
// gets plain messages.
#include "mcp/tool_call_mux.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "mcp/json_struct.h"
#include "mcp/tool_registry.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::tools::v1::CallToolMuxRequest;
using mcp_oauth::tools::v1::CallToolMuxResponse;
using mcp_oauth::tools::v1::ToolService;
using nlohmann::json;

// One server for the binary (see tool_service_test.cc on gRPC 1.51).
class ToolCallMuxServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto registry = std::make_shared<ToolRegistry>();
    ToolDefinition shout;
    shout.name = "shout";
    shout.input_schema = {{"type", "object"}};
    shout.runs_inline = true;
    // The number shows what the tool sees: 5 stays an integer, 2^60 becomes
    // the double a google.protobuf.Value carries.
    shout.handler = [](const json& args, const CallContext& ctx) -> absl::StatusOr<json> {
      return json{{"text", args.value("text", "") + "!"},
                  {"subject", ctx.caller().subject},
                  {"n", args.value("n", json())}};
    };
    ASSERT_TRUE(registry->Register(shout).ok());
    service_ = new ToolServiceImpl(registry);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart().release();
    stub_ = ToolService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                     grpc::InsecureChannelCredentials()))
                .release();
  }
  static void TearDownTestSuite() {
    service_->EndStreams();
    server_->Shutdown();
    service_->Shutdown();
    delete stub_;
    delete server_;
    delete service_;
  }

  static ToolServiceImpl* service_;
  static grpc::Server* server_;
  static ToolService::Stub* stub_;
};

ToolServiceImpl* ToolCallMuxServerTest::service_ = nullptr;
grpc::Server* ToolCallMuxServerTest::server_ = nullptr;
ToolService::Stub* ToolCallMuxServerTest::stub_ = nullptr;

// Call `id` of "shout" with {"text": text} as JSON text, or as a Struct.
CallToolMuxRequest Shout(uint64_t id, const std::string& text, bool json_text) {
  CallToolMuxRequest request;
  request.set_call_id(id);
  request.mutable_call()->set_name("shout");
  request.mutable_call()->mutable_caller()->set_subject("alice");
  const json arguments = {{"text", text}, {"n", 5}};
  if (json_text) {
    request.set_arguments_json(arguments.dump());
  } else {
    *request.mutable_call()->mutable_arguments() = *JsonToStruct(arguments);
  }
  return request;
}

// Reads answers until `count` calls are answered; returns them by id and
// counts the messages they came in.
std::map<uint64_t, CallToolMuxResponse> ReadAnswers(
    grpc::ClientReaderWriter<CallToolMuxRequest, CallToolMuxResponse>* stream, size_t count,
    int* messages) {
  std::map<uint64_t, CallToolMuxResponse> answers;
  CallToolMuxResponse message;
  while (answers.size() < count && stream->Read(&message)) {
    ++*messages;
    for (const CallToolMuxResponse& more : message.more()) {
      EXPECT_EQ(more.more_size(), 0);
      answers[more.call_id()] = more;
    }
    message.clear_more();
    answers[message.call_id()] = message;
  }
  return answers;
}

std::string ServerFeatures(const grpc::ClientContext& context) {
  auto it = context.GetServerInitialMetadata().find("tool-mux-features");
  if (it == context.GetServerInitialMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

TEST_F(ToolCallMuxServerTest, AnswersABatchInOneMessageWithJsonForJsonCalls) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context.AddMetadata("tool-mux-features", "batch");
  auto stream = stub_->CallToolMux(&context);
  CallToolMuxRequest batch = Shout(1, "a", /*json_text=*/true);
  *batch.add_more() = Shout(2, "b", /*json_text=*/false);
  *batch.add_more() = Shout(3, "c", /*json_text=*/true);
  CallToolMuxRequest* bad = batch.add_more();
  bad->set_call_id(4);
  bad->mutable_call()->set_name("shout");
  bad->set_arguments_json("[1, 2");
  ASSERT_TRUE(stream->Write(batch));
  int messages = 0;
  std::map<uint64_t, CallToolMuxResponse> answers = ReadAnswers(stream.get(), 4, &messages);
  EXPECT_EQ(ServerFeatures(context), "json,batch");
  ASSERT_EQ(answers.size(), 4u);
  // Calls answered inline while one request message is handled: one write.
  EXPECT_EQ(messages, 1);
  for (uint64_t id : {1, 3}) {
    const CallToolMuxResponse& answer = answers[id];
    ASSERT_EQ(answer.code(), 0) << answer.message();
    EXPECT_EQ(answer.result().content_size(), 0);
    EXPECT_FALSE(answer.result().has_structured_content());
    const json structured = json::parse(answer.structured_content_json());
    EXPECT_EQ(structured["text"], id == 1 ? "a!" : "c!");
    EXPECT_EQ(structured["subject"], "alice");
    EXPECT_TRUE(structured["n"].is_number_integer());
    const json content = json::parse(answer.content_json());
    ASSERT_TRUE(content.is_array());
    ASSERT_EQ(content.size(), 1u);
    EXPECT_EQ(content[0]["type"], "text");
  }
  const CallToolMuxResponse& plain = answers[2];
  ASSERT_EQ(plain.code(), 0) << plain.message();
  EXPECT_TRUE(plain.content_json().empty());
  EXPECT_TRUE(plain.structured_content_json().empty());
  EXPECT_EQ(plain.result().structured_content().fields().at("text").string_value(), "b!");
  EXPECT_EQ(plain.result().content_size(), 1);
  EXPECT_EQ(answers[4].code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ToolCallMuxServerTest, AClientThatAdvertisesNothingGetsOneAnswerPerMessage) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto stream = stub_->CallToolMux(&context);
  CallToolMuxRequest batch = Shout(1, "a", /*json_text=*/false);
  *batch.add_more() = Shout(2, "b", /*json_text=*/false);
  *batch.add_more() = Shout(3, "c", /*json_text=*/false);
  ASSERT_TRUE(stream->Write(batch));
  int messages = 0;
  std::map<uint64_t, CallToolMuxResponse> answers = ReadAnswers(stream.get(), 3, &messages);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(messages, 3);
  for (const auto& [id, answer] : answers) {
    EXPECT_EQ(answer.code(), 0) << answer.message();
    EXPECT_TRUE(answer.content_json().empty());
    EXPECT_EQ(answer.result().content_size(), 1);
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ToolCallMuxServerTest, JsonArgumentsReachTheToolAsAStructWouldCarryThem) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto stream = stub_->CallToolMux(&context);
  CallToolMuxRequest request = Shout(1, "a", /*json_text=*/true);
  request.set_arguments_json(R"({"text": "a", "n": 1152921504606846977})");  // 2^60 + 1
  ASSERT_TRUE(stream->Write(request));
  int messages = 0;
  std::map<uint64_t, CallToolMuxResponse> answers = ReadAnswers(stream.get(), 1, &messages);
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_EQ(answers[1].code(), 0) << answers[1].message();
  const json structured = json::parse(answers[1].structured_content_json());
  EXPECT_TRUE(structured["n"].is_number_float()) << structured["n"];
  EXPECT_EQ(structured["n"].get<double>(), 1152921504606846976.0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace mcp_oauth::mcp
