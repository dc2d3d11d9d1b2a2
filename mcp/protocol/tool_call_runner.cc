#include "mcp/protocol/tool_call_runner.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/principal_proto.h"
#include "common/request_id.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"
#include "mcp/protocol/input_params.h"
#include "mcp/protocol/json_writer.h"

namespace mcp_oauth::mcp {
namespace {

json Notification(const char* method, json params) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

// Sends a tool's progress (when the client gave a progressToken) and log
// events as notifications on the POST's stream.
client::ToolClient::EventFn NotificationsOn(std::shared_ptr<PostResponder> post,
                                            json progress_token) {
  return [post = std::move(post), progress_token = std::move(progress_token)](
             const mcp_oauth::tools::v1::CallToolEvent& event) {
    if (event.has_progress() && !progress_token.is_null()) {
      json params = {{"progressToken", progress_token}, {"progress", event.progress().progress()}};
      if (event.progress().total() > 0) params["total"] = event.progress().total();
      if (!event.progress().message().empty()) params["message"] = event.progress().message();
      post->Send(DumpJson(Notification("notifications/progress", std::move(params))));
    } else if (event.has_log()) {
      json params = {{"level", event.log().level()}, {"data", ValueToJson(event.log().data())}};
      if (!event.log().logger().empty()) params["logger"] = event.log().logger();
      post->Send(DumpJson(Notification("notifications/message", std::move(params))));
    }
  };
}

// Logs a failed tool call RPC, unless the failure is the client's (unknown
// tool, invalid requestState) or it left (cancelled). A successful call logs
// nothing: it is the hot path, and a line per call is a write(2) on an IO
// thread.
void LogToolCallFailure(const char* rpc, const std::string& request_id, const std::string& tool,
                        const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::CANCELLED:
      return;
    default:
      log::Warning(absl::StrCat(request_id::LogPrefix(request_id), rpc, " '", tool,
                                "' failed: ", status.error_code(), " ", status.error_message()));
  }
}

// The errors only 2026-07-28 has words for; nullopt for the others.
std::optional<json> StatelessError(const json& id, const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    // The only INVALID_ARGUMENT of CallTool: a requestState that fails its
    // integrity, binding or expiry check.
    return RpcError(id, kInvalidParams, "Invalid params: invalid or expired requestState");
  }
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      absl::StartsWith(status.error_message(), "Task required:")) {
    // A tool that runs only as a task, from a client without the extension.
    return MissingTasksCapability(id, status.error_message());
  }
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      absl::StartsWith(status.error_message(), "Header mismatch:")) {
    // Mcp-Param-* headers that disagree with the arguments (ToolService
    // checked them against the tool's x-mcp-header parameters).
    return RpcError(id, kHeaderMismatch, status.error_message());
  }
  return std::nullopt;
}

// Returns the JSON-RPC result message of a tools/call result, byte for byte
// what DumpJson gives for its DOM (RpcResult of CallResultToJson's object,
// plus resultType in 2026-07-28): keys in the DOM's (sorted) order.
std::string RenderResult(const json& id, ProtocolEra era, bool is_error, const json& content,
                         const json& structured_content) {
  std::string body;
  body.reserve(256);
  JsonWriter writer(&body);
  writer.Raw("{\"id\":");
  writer.Value(id);
  writer.Raw(",\"jsonrpc\":\"2.0\",\"result\":{\"content\":");
  writer.Value(content);
  writer.Raw(is_error ? ",\"isError\":true" : ",\"isError\":false");
  if (era == ProtocolEra::kStateless) writer.Raw(",\"resultType\":\"complete\"");
  if (!structured_content.is_null()) {
    writer.Raw(",\"structuredContent\":");
    writer.Value(structured_content);
  }
  writer.Raw("}}");
  return body;
}

}  // namespace

json ProgressTokenOf(const json& params) {
  auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object()) return json();
  auto token = meta->find("progressToken");
  if (token == meta->end() || !(token->is_string() || token->is_number_integer())) return json();
  return *token;
}

ToolCallRunner::ToolCallRunner(std::shared_ptr<client::ToolClient> tools,
                               std::shared_ptr<tasks::TaskManager> tasks, absl::Duration timeout)
    : tools_(std::move(tools)), tasks_(std::move(tasks)), timeout_(timeout) {}

std::optional<json> ToolCallRunner::Read(const json& id, const json& params,
                                         const Principal& principal, CallToolRequest* request,
                                         const json** arguments_out) const {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return RpcError(id, kInvalidParams, "Invalid params: name must be a non-empty string");
  }
  static const json* const kNoArguments = new json(json::object());
  const json* arguments = kNoArguments;
  if (auto it = params.find("arguments"); it != params.end() && !it->is_null()) arguments = &*it;
  if (!arguments->is_object())
    return RpcError(id, kInvalidParams, "Invalid params: arguments must be an object");
  // What a google.protobuf.Struct cannot carry (JsonToStruct): checked
  // without building one.
  if (ChangedByStruct(*arguments)) {
    json copy = *arguments;
    if (!NormalizeAsStruct(&copy).ok())
      return RpcError(id, kInvalidParams, "Invalid params: arguments nested too deeply");
  }
  if (tools_ == nullptr) return RpcError(id, kInternalError, "Internal error");
  request->set_name(name->get_ref<const std::string&>());
  *arguments_out = arguments;
  PrincipalToProto(principal, request->mutable_caller());
  return std::nullopt;
}

std::optional<json> ToolCallRunner::ReadStateless(const json& id, const json& params,
                                                  const HttpHeaders& headers,
                                                  CallToolRequest* request,
                                                  json* capabilities) const {
  constexpr char kParamPrefix[] = "mcp-param-";
  auto* mirrored = request->mutable_param_headers()->mutable_values();
  for (const auto& [header, value] : headers) {
    if (header.substr(0, sizeof(kParamPrefix) - 1) != kParamPrefix) continue;
    std::string name(header.substr(sizeof(kParamPrefix) - 1));
    // A repeated header: its values joined with ", " (as HttpHeaders::Get).
    if (auto it = mirrored->find(name); it != mirrored->end()) {
      it->second.append(", ").append(value.data(), value.size());
    } else {
      (*mirrored)[name] = std::string(value);
    }
  }
  if (std::optional<json> error = ReadInputParams(id, params, request, capabilities)) return error;
  if (TasksNegotiated(params)) request->set_task_mode(mcp_oauth::tools::v1::TASK_MODE_ALLOWED);
  return std::nullopt;
}

client::CallOptions ToolCallRunner::Options(
    const std::string& request_id, std::shared_ptr<client::Cancellation> cancellation) const {
  client::CallOptions options;
  options.request_id = request_id;
  options.timeout = timeout_;
  options.cancellation = std::move(cancellation);
  return options;
}

void ToolCallRunner::Run(const CallToolRequest& request, const json& arguments,
                         const ToolCallEvents& events, const client::CallOptions& options,
                         std::shared_ptr<PostResponder> post, ToolCallDone done) const {
  // The streaming RPC only when its events can reach a client that asked
  // for them; everything else keeps the cheaper unary call.
  if (post == nullptr || (events.progress_token.is_null() && events.min_log_level.empty())) {
    tools_->CallToolJson(
        options, request, arguments,
        [name = request.name(), request_id = options.request_id, done = std::move(done)](
            const grpc::Status& status, client::ToolClient::JsonResult& result) {
          LogToolCallFailure("CallTool", request_id, name, status);
          done(status, status.ok() ? &result : nullptr);
        });
    return;
  }
  mcp_oauth::tools::v1::CallToolStreamRequest stream_request;
  *stream_request.mutable_call() = request;
  // Read checked that the arguments convert.
  if (absl::StatusOr<google::protobuf::Struct> args = JsonToStruct(arguments); args.ok()) {
    stream_request.mutable_call()->mutable_arguments()->Swap(&*args);
  }
  stream_request.set_progress(!events.progress_token.is_null());
  stream_request.set_min_log_level(events.min_log_level);
  tools_->CallToolStream(
      options, stream_request, NotificationsOn(std::move(post), events.progress_token),
      [name = request.name(), request_id = options.request_id, done = std::move(done)](
          const grpc::Status& status, CallToolResponse* result) {
        LogToolCallFailure("CallToolStream", request_id, name, status);
        if (!status.ok() || result == nullptr) {
          done(status, nullptr);
          return;
        }
        client::ToolClient::JsonResult converted = client::ToJsonResult(result);
        done(status, &converted);
      });
}

RpcReply ToolCallRunner::Answer(const json& id, ProtocolEra era, const grpc::Status& status,
                                client::ToolClient::JsonResult* result,
                                const std::string& tool_name, const json& client_capabilities) {
  if (!status.ok()) {
    if (era == ProtocolEra::kStateless) {
      if (std::optional<json> error = StatelessError(id, status)) return *std::move(error);
    }
    return RpcErrorForStatus(id, status, tool_name);
  }
  const CallToolResponse& response = result->response;
  if (response.has_input_required()) {
    if (era == ProtocolEra::kStateless)
      return InputRequiredReply(id, response.input_required(), client_capabilities);
    return RpcError(id, kInternalError,
                    "Internal error");  // sessions ask the client first (session_tool_calls.cc)
  }
  return RpcReply::Rendered(
      RenderResult(id, era, response.is_error(), result->content, result->structured_content));
}

bool ToolCallRunner::TasksNegotiated(const json& params) const {
  if (tasks_ == nullptr || !params.is_object()) return false;
  auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object()) return false;
  auto capabilities = meta->find(kMetaClientCapabilities);
  if (capabilities == meta->end() || !capabilities->is_object()) return false;
  auto extensions = capabilities->find("extensions");
  return extensions != capabilities->end() && extensions->is_object() &&
         extensions->contains(kTasksExtension);
}

void ToolCallRunner::StartTask(const json& id, CallToolRequest call, const Principal& principal,
                               const std::string& request_id,
                               std::function<void(json)> answer) const {
  tasks_->Start(std::move(call), tasks::TaskOwner(principal.subject, principal.client_id),
                request_id, [id, answer = std::move(answer)](absl::StatusOr<json> created) {
                  answer(TaskReply(id, created));
                });
}

}  // namespace mcp_oauth::mcp
