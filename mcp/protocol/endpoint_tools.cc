// tools/list of both eras.
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

}  // namespace mcp_oauth::mcp
