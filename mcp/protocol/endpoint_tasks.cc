// The MCP tasks extension (io.modelcontextprotocol/tasks, SEP-2663) on
// 2026-07-28 requests: negotiation (per request, in
// _meta.clientCapabilities.extensions), the CreateTaskResult of a tools/call
// whose tool runs as a task, and tasks/get, tasks/update, tasks/cancel. The
// task machinery itself is mcp/tasks (TaskManager, TaskStore).
#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"
#include "mcp/protocol/stateless_era.h"

namespace mcp_oauth::mcp {

json TaskReply(const json& id, const absl::StatusOr<json>& result) {
  if (result.ok()) return RpcResult(id, *result);
  switch (result.status().code()) {
    case absl::StatusCode::kNotFound:
      return RpcError(id, kInvalidParams, "Invalid params: unknown taskId");
    case absl::StatusCode::kInvalidArgument:
      return RpcError(id, kInvalidParams,
                      absl::StrCat("Invalid params: ", result.status().message()));
    default:
      log::Warning(absl::StrCat("tasks: ", result.status().ToString()));
      return RpcError(id, kInternalError, "Internal error");
  }
}

json MissingTasksCapability(const json& id, const std::string& what) {
  json error =
      RpcError(id, kMissingClientCapability, "Missing required client capability: " + what);
  error["error"]["data"] = {
      {"requiredCapabilities", {{"extensions", {{kTasksExtension, json::object()}}}}}};
  return error;
}

std::shared_ptr<tasks::TaskManager> McpEndpoint::Impl::MakeTaskManager(
    const McpOptions& options, const std::shared_ptr<client::ToolClient>& tools) {
  if (options.task_store == nullptr || tools == nullptr) return nullptr;
  tasks::TaskManagerOptions task_options;
  task_options.render_result = [](const CallToolResponse& response) {
    json result = CallResultToJson(response);
    result["resultType"] = "complete";
    return result;
  };
  auto manager =
      std::make_shared<tasks::TaskManager>(options.task_store, tools, std::move(task_options));
  manager->StartBackground();
  return manager;
}

void McpEndpoint::Impl::HandleTaskMethod(const std::string& method, const json& id,
                                         const json& params, const Principal& principal,
                                         Reply reply) {
  if (!tool_calls_.TasksNegotiated(params)) {
    reply(tasks_ == nullptr ? RpcError(id, kMethodNotFound, "Method not found: " + method)
                            : MissingTasksCapability(id, method + " needs the tasks extension"));
    return;
  }
  auto task_id = params.find("taskId");
  if (task_id == params.end() || !task_id->is_string() ||
      task_id->get_ref<const std::string&>().empty()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: taskId must be a non-empty string"));
    return;
  }
  std::string owner = tasks::TaskOwner(principal.subject, principal.client_id);
  auto done = [id, reply = std::move(reply)](absl::StatusOr<json> result) {
    reply(TaskReply(id, result));
  };
  if (method == "tasks/get") {
    tasks_->Get(*task_id, std::move(owner), std::move(done));
  } else if (method == "tasks/cancel") {
    tasks_->Cancel(*task_id, std::move(owner), std::move(done));
  } else {
    auto responses = params.find("inputResponses");
    if (responses == params.end() || !responses->is_object()) {
      done(absl::InvalidArgumentError("inputResponses must be an object"));
      return;
    }
    tasks_->Update(*task_id, std::move(owner), *responses, std::move(done));
  }
}

}  // namespace mcp_oauth::mcp
