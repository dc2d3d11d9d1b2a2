#include "mcp/protocol/endpoint_internal.h"

#include "mcp/json_struct.h"

namespace mcp_oauth::mcp {

namespace {

json ToolToJson(const mcp_oauth::tools::v1::Tool& tool) {
  json out = {{"name", tool.name()}, {"description", tool.description()}};
  if (!tool.title().empty()) out["title"] = tool.title();
  out["inputSchema"] = StructToJson(tool.input_schema());
  if (!out["inputSchema"].contains("type")) out["inputSchema"]["type"] = "object";
  if (tool.has_output_schema()) out["outputSchema"] = StructToJson(tool.output_schema());
  if (!tool.task_support().empty()) out["execution"] = {{"taskSupport", tool.task_support()}};
  return out;
}
}  // namespace

void McpEndpoint::Impl::ListTools(const json& id, const json& params, const std::string& request_id,
                                  Reply reply) {
  ListToolsRequest request;
  if (auto cursor = params.find("cursor"); cursor != params.end() && !cursor->is_null()) {
    if (!cursor->is_string()) {
      reply(RpcError(id, kInvalidParams, "Invalid params: cursor must be a string"));
      return;
    }
    request.set_page_token(cursor->get<std::string>());
  }
  if (tools_ == nullptr) {
    reply(RpcError(id, kInternalError, "Internal error"));
    return;
  }
  client::CallOptions options;
  options.request_id = request_id;
  options.timeout = options_.list_tools_timeout;
  tools_->ListTools(options, request,
                    [id, request_id, reply = std::move(reply)](const grpc::Status& status,
                                                               ListToolsResponse& response) {
                      if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
                        reply(RpcError(id, kInvalidParams, "Invalid params: invalid cursor"));
                        return;
                      }
                      if (!status.ok()) {
                        log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "ListTools failed: ",
                                                  status.error_code(), " ", status.error_message()));
                        reply(RpcErrorForStatus(id, status, ""));
                        return;
                      }
                      json tools = json::array();
                      for (const auto& tool : response.tools()) tools.push_back(ToolToJson(tool));
                      json result = {{"tools", std::move(tools)}};
                      if (!response.next_page_token().empty()) result["nextCursor"] = response.next_page_token();
                      reply(RpcResult(id, std::move(result)));
                    });
}
bool McpEndpoint::Impl::TrackCall(const std::shared_ptr<Session>& session, const json& id,
                                  const std::shared_ptr<client::Cancellation>& call, const Reply& reply) {
  bool ended = false;
  bool duplicate = false;
  {
    absl::MutexLock lock(&mu_);
    ended = session->ended;
    duplicate = !ended && !session->in_flight.emplace(id.dump(), call).second;
  }
  if (ended) {
    reply(RpcError(id, kInternalError, "Internal error: session ended"));
    return false;
  }
  if (duplicate) {
    reply(RpcError(id, kInvalidRequest, "Invalid Request: a request with this id is already in progress"));
    return false;
  }
  return true;
}
void McpEndpoint::Impl::UntrackCall(const std::shared_ptr<Session>& session, const std::string& key,
                                    const std::shared_ptr<client::Cancellation>& call) {
  absl::MutexLock lock(&mu_);
  auto it = session->in_flight.find(key);
  if (it != session->in_flight.end() && it->second == call) session->in_flight.erase(it);
}
namespace {

json Notification(const char* method, json params) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

// Sends a tool's progress (when the client gave a progressToken) and log
// events as notifications on the POST's stream.
client::ToolClient::EventFn NotificationsOn(std::shared_ptr<PostResponder> post, json progress_token) {
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
      log::Warning(absl::StrCat(request_id::LogPrefix(request_id), rpc, " '", tool, "' failed: ", status.error_code(),
                                " ", status.error_message()));
  }
}

}  // namespace

std::optional<json> ReadToolCall(const json& id, const json& params, const Principal& principal,
                                 CallToolRequest* request) {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return RpcError(id, kInvalidParams, "Invalid params: name must be a non-empty string");
  }
  // Read in place: the arguments are converted once, never copied as JSON.
  static const json* const kNoArguments = new json(json::object());
  const json* arguments = kNoArguments;
  if (auto it = params.find("arguments"); it != params.end() && !it->is_null()) arguments = &*it;
  if (!arguments->is_object()) return RpcError(id, kInvalidParams, "Invalid params: arguments must be an object");
  absl::StatusOr<google::protobuf::Struct> args = JsonToStruct(*arguments);
  if (!args.ok()) return RpcError(id, kInvalidParams, "Invalid params: arguments nested too deeply");
  request->set_name(name->get_ref<const std::string&>());
  request->mutable_arguments()->Swap(&*args);
  FillCaller(request->mutable_caller(), principal);
  return std::nullopt;
}

json ProgressTokenOf(const json& params) {
  auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object()) return json();
  auto token = meta->find("progressToken");
  if (token == meta->end() || !(token->is_string() || token->is_number_integer())) return json();
  return *token;
}

void McpEndpoint::Impl::RunToolCall(const CallToolRequest& request, const ToolCallEvents& events,
                                    const client::CallOptions& options, std::shared_ptr<PostResponder> post,
                                    ToolCallDone done) {
  // The streaming RPC only when its events can reach a client that asked
  // for them; everything else keeps the cheaper unary call.
  if (post == nullptr || (events.progress_token.is_null() && events.min_log_level.empty())) {
    tools_->CallTool(options, request,
                     [name = request.name(), request_id = options.request_id, done = std::move(done)](
                         const grpc::Status& status, CallToolResponse& response) {
                       LogToolCallFailure("CallTool", request_id, name, status);
                       done(status, status.ok() ? &response : nullptr);
                     });
    return;
  }
  mcp_oauth::tools::v1::CallToolStreamRequest stream_request;
  *stream_request.mutable_call() = request;
  stream_request.set_progress(!events.progress_token.is_null());
  stream_request.set_min_log_level(events.min_log_level);
  tools_->CallToolStream(options, stream_request, NotificationsOn(std::move(post), events.progress_token),
                         [name = request.name(), request_id = options.request_id, done = std::move(done)](
                             const grpc::Status& status, CallToolResponse* result) {
                           LogToolCallFailure("CallToolStream", request_id, name, status);
                           done(status, status.ok() ? result : nullptr);
                         });
}

void McpEndpoint::Impl::CallTool(const std::shared_ptr<Session>& session, const json& id, const json& params,
                                 const Principal& principal, const std::string& request_id, Reply reply,
                                 std::shared_ptr<PostResponder> post) {
  CallToolRequest request;
  if (std::optional<json> error = ReadToolCall(id, params, principal, &request)) {
    reply(*std::move(error));
    return;
  }
  if (tools_ == nullptr) {
    reply(RpcError(id, kInternalError, "Internal error"));
    return;
  }
  // Events when the client asked for them: a progressToken, or a logging
  // level the session set.
  ToolCallEvents events;
  events.progress_token = ProgressTokenOf(params);
  json client_capabilities;
  {
    absl::MutexLock lock(&mu_);
    client_capabilities = session->client_capabilities;
    if (session->log_level_set) events.min_log_level = session->log_level;
  }
  if (absl::StatusOr<google::protobuf::Struct> caps = JsonToStruct(client_capabilities); caps.ok()) {
    request.mutable_client_capabilities()->Swap(&*caps);
  }
  CallToolRound(session, id, std::move(request), request_id, std::move(reply), std::move(post), 0, events);
}

void McpEndpoint::Impl::CallToolRound(const std::shared_ptr<Session>& session, const json& id,
                                      CallToolRequest request, const std::string& request_id, Reply reply,
                                      std::shared_ptr<PostResponder> post, int round, const ToolCallEvents& events) {
  auto call = std::make_shared<client::Cancellation>();
  if (!TrackCall(session, id, call, reply)) return;
  client::CallOptions options;
  options.request_id = request_id;
  options.timeout = options_.tool_call_timeout;
  options.cancellation = call;
  // Kept for the next round when the tool asks for input.
  auto kept = std::make_shared<CallToolRequest>(std::move(request));
  std::weak_ptr<Impl> weak_self = weak_from_this();
  RunToolCall(*kept, events, options, post,
              [weak_self, session, key = id.dump(), call, kept, id, request_id, reply = std::move(reply), post,
               round](const grpc::Status& status, CallToolResponse* response) {
                auto self = weak_self.lock();
                if (self) self->UntrackCall(session, key, call);
                if (!status.ok()) {
                  reply(RpcErrorForStatus(id, status, kept->name()));
                  return;
                }
                if (response->has_input_required()) {
                  if (!self) {
                    reply(RpcError(id, kInternalError, "Internal error: server shutting down"));
                    return;
                  }
                  // Later rounds are unary: their events are not streamed.
                  self->AskForInput(session, id, std::move(*kept), response->input_required(), request_id, reply,
                                    post, round);
                  return;
                }
                reply(RpcResult(id, CallResultToJson(*response)));
              });
}

}  // namespace mcp_oauth::mcp
