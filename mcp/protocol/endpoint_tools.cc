#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"

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
                        log::Warning(absl::StrCat(request_id::LogPrefix(request_id),
                                                  "ListTools failed: ", status.error_code(), " ",
                                                  status.error_message()));
                        reply(RpcErrorForStatus(id, status, ""));
                        return;
                      }
                      json tools = json::array();
                      for (const auto& tool : response.tools()) tools.push_back(ToolToJson(tool));
                      json result = {{"tools", std::move(tools)}};
                      if (!response.next_page_token().empty())
                        result["nextCursor"] = response.next_page_token();
                      reply(RpcResult(id, std::move(result)));
                    });
}
bool McpEndpoint::Impl::TrackCall(const std::shared_ptr<Session>& session, const json& id,
                                  const std::shared_ptr<client::Cancellation>& call,
                                  const Reply& reply) {
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
    reply(RpcError(id, kInvalidRequest,
                   "Invalid Request: a request with this id is already in progress"));
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
void McpEndpoint::Impl::CallTool(const std::shared_ptr<Session>& session, const json& id,
                                 const json& params, const Principal& principal,
                                 const std::string& request_id, Reply reply,
                                 std::shared_ptr<PostResponder> post) {
  CallToolRequest request;
  const json* arguments = nullptr;
  if (std::optional<json> error = tool_calls_.Read(id, params, principal, &request, &arguments)) {
    reply(*std::move(error));
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
  if (absl::StatusOr<google::protobuf::Struct> caps = JsonToStruct(client_capabilities);
      caps.ok()) {
    request.mutable_client_capabilities()->Swap(&*caps);
  }
  CallToolRound(session, id, std::move(request), *arguments, request_id, std::move(reply),
                std::move(post), 0, events);
}

void McpEndpoint::Impl::CallToolRound(const std::shared_ptr<Session>& session, const json& id,
                                      CallToolRequest request, json arguments,
                                      const std::string& request_id, Reply reply,
                                      std::shared_ptr<PostResponder> post, int round,
                                      const ToolCallEvents& events) {
  auto call = std::make_shared<client::Cancellation>();
  if (!TrackCall(session, id, call, reply)) return;
  // Kept for the next round when the tool asks for input.
  struct Kept {
    CallToolRequest request;
    json arguments;
  };
  auto kept = std::make_shared<Kept>(Kept{std::move(request), std::move(arguments)});
  std::weak_ptr<Impl> weak_self = weak_from_this();
  tool_calls_.Run(
      kept->request, kept->arguments, events, tool_calls_.Options(request_id, call), post,
      [weak_self, session, key = id.dump(), call, kept, id, request_id, reply = std::move(reply),
       post, round](const grpc::Status& status, client::ToolClient::JsonResult* result) {
        auto self = weak_self.lock();
        if (self) self->UntrackCall(session, key, call);
        if (status.ok() && result->response.has_input_required()) {
          if (!self) {
            reply(RpcError(id, kInternalError, "Internal error: server shutting down"));
            return;
          }
          // Later rounds are unary: their events are not streamed. The
          // round keeps the arguments in the request (converted once:
          // Read checked that they convert).
          CallToolRequest next = std::move(kept->request);
          if (absl::StatusOr<google::protobuf::Struct> args = JsonToStruct(kept->arguments);
              args.ok()) {
            next.mutable_arguments()->Swap(&*args);
          }
          self->AskForInput(session, id, std::move(next), result->response.input_required(),
                            request_id, reply, post, round);
          return;
        }
        reply(ToolCallRunner::Answer(id, ProtocolEra::kSessions, status, result,
                                     kept->request.name(), json()));
      });
}

}  // namespace mcp_oauth::mcp
