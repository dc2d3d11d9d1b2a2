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
void McpEndpoint::Impl::CallTool(const std::shared_ptr<Session>& session, const json& id, const json& params,
                                 const Principal& principal, const std::string& request_id, Reply reply,
                                 std::shared_ptr<PostResponder> post) {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: name must be a non-empty string"));
    return;
  }
  const std::string tool_name = name->get<std::string>();
  json arguments = params.value("arguments", json::object());
  if (arguments.is_null()) arguments = json::object();
  if (!arguments.is_object()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: arguments must be an object"));
    return;
  }
  absl::StatusOr<google::protobuf::Struct> args = JsonToStruct(arguments);
  if (!args.ok()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: arguments nested too deeply"));
    return;
  }
  if (tools_ == nullptr) {
    reply(RpcError(id, kInternalError, "Internal error"));
    return;
  }
  CallToolRequest request;
  request.set_name(tool_name);
  *request.mutable_arguments() = *std::move(args);
  FillCaller(request.mutable_caller(), principal);
  json client_capabilities;
  {
    absl::MutexLock lock(&mu_);
    client_capabilities = session->client_capabilities;
  }
  if (absl::StatusOr<google::protobuf::Struct> caps = JsonToStruct(client_capabilities); caps.ok()) {
    *request.mutable_client_capabilities() = *std::move(caps);
  }

  // The streaming RPC only when its events can reach a client that asked for
  // them: a progressToken, or a logging level the session set. Everything
  // else keeps the cheaper unary call.
  json progress_token;
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    auto token = meta->find("progressToken");
    if (token != meta->end() && (token->is_string() || token->is_number_integer())) progress_token = *token;
  }
  std::string min_log_level;
  {
    absl::MutexLock lock(&mu_);
    if (session->log_level_set) min_log_level = session->log_level;
  }
  if (post != nullptr && (!progress_token.is_null() || !min_log_level.empty())) {
    CallToolStreaming(session, id, std::move(request), progress_token, min_log_level, request_id,
                      std::move(reply), std::move(post));
    return;
  }

  CallToolRound(session, id, std::move(request), request_id, std::move(reply), std::move(post), 0);
}
void McpEndpoint::Impl::CallToolRound(const std::shared_ptr<Session>& session, const json& id,
                                      CallToolRequest request, const std::string& request_id, Reply reply,
                                      std::shared_ptr<PostResponder> post, int round) {
  auto call = std::make_shared<client::Cancellation>();
  if (!TrackCall(session, id, call, reply)) return;
  client::CallOptions options;
  options.request_id = request_id;
  options.timeout = options_.tool_call_timeout;
  options.cancellation = call;
  // Kept for the next round when the tool asks for input.
  auto kept = std::make_shared<CallToolRequest>(std::move(request));
  std::weak_ptr<Impl> weak_self = weak_from_this();
  tools_->CallTool(
      options, *kept,
      [weak_self, session, key = id.dump(), call, kept, id, request_id, reply = std::move(reply),
       post = std::move(post), round](const grpc::Status& status, CallToolResponse& response) {
        auto self = weak_self.lock();
        if (self) self->UntrackCall(session, key, call);
        if (!status.ok()) {
          if (status.error_code() != grpc::StatusCode::NOT_FOUND &&
              status.error_code() != grpc::StatusCode::CANCELLED) {
            log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "CallTool '", kept->name(),
                                      "' failed: ", status.error_code(), " ", status.error_message()));
          }
          reply(RpcErrorForStatus(id, status, kept->name()));
          return;
        }
        if (response.has_input_required()) {
          if (!self) {
            reply(RpcError(id, kInternalError, "Internal error: server shutting down"));
            return;
          }
          self->AskForInput(session, id, std::move(*kept), response.input_required(), request_id, reply, post,
                            round);
          return;
        }
        reply(RpcResult(id, CallResultToJson(response)));
      });
}

namespace {

json Notification(const char* method, json params) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

}  // namespace

void McpEndpoint::Impl::CallToolStreaming(const std::shared_ptr<Session>& session, const json& id,
                                          CallToolRequest call, const json& progress_token,
                                          const std::string& min_log_level, const std::string& request_id,
                                          Reply reply, std::shared_ptr<PostResponder> post) {
  const std::string tool_name = call.name();
  auto first_request = std::make_shared<CallToolRequest>(call);  // for the rounds after an input request
  auto on_event = [post, progress_token](const mcp_oauth::tools::v1::CallToolEvent& event) {
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
  auto call_cancel = std::make_shared<client::Cancellation>();
  if (!TrackCall(session, id, call_cancel, reply)) return;
  std::weak_ptr<Impl> weak_self = weak_from_this();
  client::CallOptions options;
  options.request_id = request_id;
  options.timeout = options_.tool_call_timeout;
  options.cancellation = call_cancel;
  mcp_oauth::tools::v1::CallToolStreamRequest stream_request;
  *stream_request.mutable_call() = std::move(call);
  stream_request.set_progress(!progress_token.is_null());
  stream_request.set_min_log_level(min_log_level);
  tools_->CallToolStream(
      options, stream_request, std::move(on_event),
      [weak_self, session, key = id.dump(), call_cancel, id, tool_name, request_id, reply, post,
       first_request](const grpc::Status& status, CallToolResponse* result) {
        auto self = weak_self.lock();
        if (self) self->UntrackCall(session, key, call_cancel);
        if (!status.ok()) {
          if (status.error_code() != grpc::StatusCode::NOT_FOUND &&
              status.error_code() != grpc::StatusCode::CANCELLED) {
            log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "CallToolStream '", tool_name,
                                      "' failed: ", status.error_code(), " ", status.error_message()));
          }
          reply(RpcErrorForStatus(id, status, tool_name));
          return;
        }
        if (result->has_input_required() && self) {
          // Later rounds are unary: their progress is not streamed.
          self->AskForInput(session, id, std::move(*first_request), result->input_required(), request_id, reply,
                            post, 0);
          return;
        }
        reply(RpcResult(id, CallResultToJson(*result)));
      });
}

}  // namespace mcp_oauth::mcp
