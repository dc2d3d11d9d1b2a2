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

json CallResultToJson(const CallToolResponse& response) {
  json content = json::array();
  for (const auto& block : response.content()) content.push_back(StructToJson(block));
  json out = {{"content", std::move(content)}, {"isError", response.is_error()}};
  if (response.has_structured_content()) out["structuredContent"] = StructToJson(response.structured_content());
  return out;
}
}  // namespace

void McpEndpoint::Impl::ListTools(const json& id, const json& params, const std::string& request_id,
                                  Reply reply) {
  auto call = std::make_shared<ListCall>();
  if (auto cursor = params.find("cursor"); cursor != params.end() && !cursor->is_null()) {
    if (!cursor->is_string()) {
      reply(RpcError(id, kInvalidParams, "Invalid params: cursor must be a string"));
      return;
    }
    call->request.set_page_token(cursor->get<std::string>());
  }
  auto* async = tools_ ? tools_->async() : nullptr;
  if (async == nullptr) {
    reply(RpcError(id, kInternalError, "Internal error"));
    return;
  }
  call->context.set_deadline(DeadlineAfter(options_.list_tools_timeout));
  AddRequestId(call->context, request_id);
  async->ListTools(&call->context, &call->request, &call->response,
                   [call, id, request_id, started = absl::Now(), reply = std::move(reply)](grpc::Status status) {
                     ObserveLatency("ToolService/ListTools", started);
                     if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
                       reply(RpcError(id, kInvalidParams, "Invalid params: invalid cursor"));
                       return;
                     }
                     if (!status.ok()) {
                       log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "ListTools failed: ",
                                                 status.error_code(), " ",
                                                 status.error_message()));
                       reply(RpcErrorForStatus(id, status, ""));
                       return;
                     }
                     json tools = json::array();
                     for (const auto& tool : call->response.tools()) tools.push_back(ToolToJson(tool));
                     json result = {{"tools", std::move(tools)}};
                     if (!call->response.next_page_token().empty()) {
                       result["nextCursor"] = call->response.next_page_token();
                     }
                     reply(RpcResult(id, std::move(result)));
                   });
}
void McpEndpoint::Impl::CallTool(const std::shared_ptr<Session>& session, const json& id, const json& params,
                                 const Principal& principal, const std::string& request_id, Reply reply) {
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
  auto* async = tools_ ? tools_->async() : nullptr;
  if (async == nullptr) {
    reply(RpcError(id, kInternalError, "Internal error"));
    return;
  }
  auto call = std::make_shared<ToolCall>();
  call->request.set_name(tool_name);
  *call->request.mutable_arguments() = *std::move(args);
  auto* caller = call->request.mutable_caller();
  caller->set_subject(principal.subject);
  caller->set_username(principal.username);
  caller->set_client_id(principal.client_id);
  for (const std::string& scope : principal.scopes) caller->add_scopes(scope);
  call->context.set_deadline(DeadlineAfter(options_.tool_call_timeout));
  AddRequestId(call->context, request_id);

  const std::string key = id.dump();
  bool ended = false;
  bool duplicate = false;
  {
    absl::MutexLock lock(&mu_);
    ended = session->ended;
    duplicate = !ended && !session->in_flight.emplace(key, call).second;
  }
  if (ended) {
    reply(RpcError(id, kInternalError, "Internal error: session ended"));
    return;
  }
  if (duplicate) {
    reply(RpcError(id, kInvalidRequest, "Invalid Request: a request with this id is already in progress"));
    return;
  }
  std::weak_ptr<Impl> weak_self = weak_from_this();
  async->CallTool(&call->context, &call->request, &call->response,
                  [weak_self, session, key, call, id, tool_name, request_id, started = absl::Now(),
                   reply = std::move(reply)](grpc::Status status) {
                    ObserveLatency("ToolService/CallTool", started);
                    if (auto self = weak_self.lock()) {
                      absl::MutexLock lock(&self->mu_);
                      auto it = session->in_flight.find(key);
                      if (it != session->in_flight.end() && it->second == call) session->in_flight.erase(it);
                    }
                    if (!status.ok()) {
                      if (status.error_code() != grpc::StatusCode::NOT_FOUND &&
                          status.error_code() != grpc::StatusCode::CANCELLED) {
                        log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "CallTool '", tool_name,
                                                  "' failed: ", status.error_code(),
                                                  " ", status.error_message()));
                      }
                      reply(RpcErrorForStatus(id, status, tool_name));
                      return;
                    }
                    reply(RpcResult(id, CallResultToJson(call->response)));
                  });
}

}  // namespace mcp_oauth::mcp
