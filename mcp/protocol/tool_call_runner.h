// ToolCallRunner: tools/call for both protocol eras, in one place: reading
// the params (name, arguments, caller; in 2026-07-28 also Mcp-Param-*
// headers, inputResponses, requestState, client capabilities and the tasks
// negotiation), the ToolClient call (unary, or streaming when the client
// listens for progress or log events), the JSON-RPC answer (result, error,
// InputRequiredResult) and the creation of a task. The eras keep only what
// is theirs: a session tracks its in-flight calls and asks the client for a
// tool's input itself (session_tool_calls.h); a stateless call is cancelled by
// closing its stream.
//
// Internal to //mcp/protocol. Thread safe: immutable after construction.
#ifndef MCP_OAUTH_MCP_PROTOCOL_TOOL_CALL_RUNNER_H_
#define MCP_OAUTH_MCP_PROTOCOL_TOOL_CALL_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "client/call.h"
#include "client/tool_client.h"
#include "common/principal.h"
#include "mcp/protocol/mcp_http.h"
#include "mcp/protocol/reply.h"
#include "mcp/protocol/sse_stream.h"
#include "mcp/protocol/stateless_era.h"
#include "mcp/tasks/task_manager.h"
#include "proto/tools/v1/tools.pb.h"

namespace mcp_oauth::mcp {

// What a tools/call wants streamed back while the tool runs.
struct ToolCallEvents {
  nlohmann::json progress_token;  // null: no progress notifications
  std::string min_log_level;      // "": no log notifications
};

// The end of a tools/call RPC: `result` is set when `status` is OK.
using ToolCallDone =
    std::function<void(const grpc::Status& status, client::ToolClient::JsonResult* result)>;

// Returns params._meta.progressToken (a string or integer), else null.
nlohmann::json ProgressTokenOf(const nlohmann::json& params);

class ToolCallRunner {
 public:
  using CallToolRequest = mcp_oauth::tools::v1::CallToolRequest;
  using CallToolResponse = mcp_oauth::tools::v1::CallToolResponse;

  // `tools` null: every call answers -32603. `tasks` null: the tasks
  // extension is off. `timeout`: each call's deadline.
  ToolCallRunner(std::shared_ptr<client::ToolClient> tools,
                 std::shared_ptr<tasks::TaskManager> tasks, absl::Duration timeout);

  // Reads the name and the caller of `params` into `request` and points
  // `arguments` at its arguments (in `params`, or an empty object). Returns
  // the JSON-RPC error to answer when they are invalid or no ToolService is
  // configured.
  std::optional<nlohmann::json> Read(const nlohmann::json& id, const nlohmann::json& params,
                                     const Principal& principal, CallToolRequest* request,
                                     const nlohmann::json** arguments) const;

  // 2026-07-28, after Read: the Mcp-Param-* headers of `headers` (which
  // ToolService checks against the tool's mirrored parameters),
  // inputResponses, requestState, the client capabilities (also into
  // `capabilities`), and the task mode when the request negotiated tasks.
  // Returns the JSON-RPC error to answer when they are malformed.
  std::optional<nlohmann::json> ReadStateless(const nlohmann::json& id,
                                              const nlohmann::json& params,
                                              const HttpHeaders& headers, CallToolRequest* request,
                                              nlohmann::json* capabilities) const;

  // Returns the options of one call: the request id, the call timeout and
  // `cancellation` (may be null).
  client::CallOptions Options(const std::string& request_id,
                              std::shared_ptr<client::Cancellation> cancellation) const;

  // Calls the tool with `arguments` (read before Run returns): the
  // streaming RPC when `post` can carry the `events` the client asked for,
  // else the unary one (JSON in and out: ToolClient::CallToolJson). Logs
  // failures that are not the client's. `done` runs once, maybe before Run
  // returns.
  void Run(const CallToolRequest& request, const nlohmann::json& arguments,
           const ToolCallEvents& events, const client::CallOptions& options,
           std::shared_ptr<PostResponder> post, ToolCallDone done) const;

  // Returns the JSON-RPC answer to a finished call of `era` (`result` set
  // when `status` is OK, and moved from): the result, rendered (in
  // 2026-07-28 with its resultType, as that era's results carry it); an
  // error, with the 2026-07-28 codes in that era (invalid requestState,
  // Mcp-Param-* mismatch, a task-only tool without the extension); in
  // 2026-07-28 an InputRequiredResult. A session's input-required answer
  // and a start_task answer are the caller's to handle first.
  static RpcReply Answer(const nlohmann::json& id, ProtocolEra era, const grpc::Status& status,
                         client::ToolClient::JsonResult* result, const std::string& tool_name,
                         const nlohmann::json& client_capabilities);

  // True when a 2026-07-28 request's _meta declares the tasks extension
  // (and it is on).
  bool TasksNegotiated(const nlohmann::json& params) const;

  // Creates the task for a call whose tool answered start_task (in a
  // request that negotiated tasks) and answers its CreateTaskResult.
  void StartTask(const nlohmann::json& id, CallToolRequest call, const Principal& principal,
                 const std::string& request_id, std::function<void(nlohmann::json)> answer) const;

  const std::shared_ptr<client::ToolClient>& tools() const { return tools_; }
  const std::shared_ptr<tasks::TaskManager>& tasks() const { return tasks_; }

 private:
  const std::shared_ptr<client::ToolClient> tools_;
  const std::shared_ptr<tasks::TaskManager> tasks_;
  const absl::Duration timeout_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_TOOL_CALL_RUNNER_H_
