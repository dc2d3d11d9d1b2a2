// Internal to //mcp/protocol: what McpEndpoint::Impl's member functions share
// across the files that define them:
//   mcp_endpoint.cc       requests in: Origin/Host checks, POST, initialize, 2025 dispatch
//   stateless_endpoint.cc 2026-07-28 requests (no session), server/discover
//   endpoint_methods.cc   the method table of both eras: name -> eras -> handler
//   endpoint_sessions.cc  session table, GET (SSE streams), DELETE, server-to-client sends
//   endpoint_tools.cc     tools/list
//   endpoint_support.cc   HTTP answers and error mapping
//   endpoint_tasks.cc     the tasks extension: tasks/get, tasks/update, tasks/cancel
// and the parts it owns, each with its own header: endpoint_catalog.h
// (resources/*, prompts/*, completion/complete, capabilities,
// instructions), change_watches.h (tools/list_changed and resource
// subscriptions), tool_call_runner.h (tools/call of both eras),
// session_tool_calls.h (a 2025 session's tools/call: in-flight tracking for
// notifications/cancelled, rounds of input requests), session_table.h; and
// jsonrpc_envelope.h, protocol_versions.h, stateless_era.h, input_params.h,
// session_id.h, principal_sessions.h, sse_stream.h, reply.h.
// Not a public header (listed in srcs): it pulls in gRPC.
#ifndef MCP_OAUTH_MCP_PROTOCOL_ENDPOINT_INTERNAL_H_
#define MCP_OAUTH_MCP_PROTOCOL_ENDPOINT_INTERNAL_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/call.h"
#include "client/remote_catalog_client.h"
#include "client/remote_tool_client.h"
#include "client/tool_client.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/request_id.h"
#include "mcp/protocol/change_watches.h"
#include "mcp/protocol/endpoint_catalog.h"
#include "mcp/protocol/http_checks.h"
#include "mcp/protocol/jsonrpc_envelope.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/protocol/principal_sessions.h"
#include "mcp/protocol/protocol_versions.h"
#include "mcp/protocol/reply.h"
#include "mcp/protocol/session_id.h"
#include "mcp/protocol/session_table.h"
#include "mcp/protocol/session_tool_calls.h"
#include "mcp/protocol/sse_stream.h"
#include "mcp/protocol/tool_call_runner.h"
#include "mcp/tasks/task_manager.h"

namespace mcp_oauth::mcp {

using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::ListToolsRequest;
using mcp_oauth::tools::v1::ListToolsResponse;
using nlohmann::json;

// Transport-level errors, as the TypeScript SDK reports them.
inline constexpr int kTransportError = -32000;
inline constexpr int kSessionNotFound = -32001;

const std::set<std::string>& LogLevels();

McpResponse JsonResponse(int status, const json& body);
// A JSON answer whose body (one JSON text) is already rendered.
McpResponse JsonBodyResponse(int status, std::string body);
McpResponse HttpError(int status, int code, const std::string& message);
McpResponse Accepted();

// Returns true when no array/object in `text` nests deeper than `max_depth`.
// Runs before parsing so hostile input never reaches the parser's recursion.
bool DepthWithin(const std::string& text, int max_depth);
// A JSON-RPC error that means "this was not a valid message" (HTTP 400 when
// it is the only message of a POST).
bool IsEnvelopeError(const json& message);
// Maps a failed ToolService RPC to a JSON-RPC error without leaking details.
json RpcErrorForStatus(const json& id, const grpc::Status& status, const std::string& tool_name);
// The client capability an input request (elicitation/create,
// sampling/createMessage, roots/list) needs, or "" when none is known.
std::string CapabilityFor(const std::string& method);
// A tools/call result (content, isError, structuredContent) of both eras.
json CallResultToJson(const CallToolResponse& response);
// 2026-07-28: the InputRequiredResult of a tool, prompt or resource that
// needs input from the client, or a -32021 error when it asks through a
// capability the client did not declare (endpoint_input_result.cc).
json InputRequiredReply(const json& id, const mcp_oauth::tools::v1::InputRequired& required,
                        const json& client_capabilities);
// The tasks extension's name (capabilities.extensions key).
inline constexpr char kTasksExtension[] = "io.modelcontextprotocol/tasks";
// -32021 naming the tasks extension as the capability `what` needs
// (endpoint_tasks.cc).
json MissingTasksCapability(const json& id, const std::string& what);
// The JSON-RPC answer to a TaskManager outcome (endpoint_tasks.cc).
json TaskReply(const json& id, const absl::StatusOr<json>& result);

// One JSON-RPC request on its way to its method's handler, in either era
// (endpoint_methods.cc). Points into the request, which outlives dispatch.
struct RpcCall {
  RpcCall(ProtocolEra era, const std::string& method, const json& id, const json& params,
          const Principal& principal, const std::string& request_id, Reply reply)
      : era(era),
        method(&method),
        id(&id),
        params(&params),
        principal(&principal),
        request_id(&request_id),
        reply(std::move(reply)) {}

  ProtocolEra era;
  const std::string* method;
  const json* id;
  const json* params;  // an object
  const Principal* principal;
  const std::string* request_id;
  Reply reply;
  // The POST's answer, which a handler may stream ahead of its reply; null
  // for a batched request.
  std::shared_ptr<PostResponder> post;
  // 2025 sessions: the session.
  std::shared_ptr<Session> session;
  // 2026-07-28: the request's headers, and where a streamed tools/call puts
  // its cancellation (closing the stream cancels it).
  const HttpHeaders* headers = nullptr;
  std::shared_ptr<std::shared_ptr<client::Cancellation>> cancel;
};

class McpEndpoint::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(McpOptions options, McpBackends backends)
      : options_(std::move(options)),
        tools_(backends.tool_client        ? std::move(backends.tool_client)
               : backends.tools != nullptr ? client::MakeRemoteToolClient(std::move(backends.tools))
                                           : nullptr),
        codec_(options_.session_key.empty() ? crypto::RandomBytes(32) : options_.session_key),
        hosts_(options_.public_url, options_.allowed_origins, options_.allowed_hosts,
               options_.allow_loopback),
        tasks_(MakeTaskManager(options_, tools_)),
        tool_calls_(tools_, tasks_, options_.tool_call_timeout),
        session_calls_(&tool_calls_, &mu_, options_.tool_call_timeout),
        catalog_(
            options_,
            backends.resources ? client::MakeRemoteResourceClient(backends.resources) : nullptr,
            backends.prompts ? client::MakeRemotePromptClient(backends.prompts) : nullptr),
        sessions_(SessionLimits{options_.session_idle_timeout, options_.session_max_lifetime,
                                options_.max_sessions, options_.max_sessions_per_principal}),
        watches_(tools_, options_.offer_resources ? catalog_.resources() : nullptr, &mu_,
                 &sessions_) {
    if (!options_.clock) options_.clock = [] { return absl::Now(); };
  }

  void Handle(McpRequest request, std::function<void(McpResponse)> done);
  absl::Status SendToSession(const std::string& session_id, const json& message);
  absl::StatusOr<std::string> SessionLogLevel(const std::string& session_id) const;
  size_t ActiveSessionCount() const;
  void Shutdown();

 private:
  absl::Time Now() const { return options_.clock(); }

  void HandlePost(McpRequest& request, std::function<void(McpResponse)> done);
  void HandleGet(const McpRequest& request, std::function<void(McpResponse)> done);
  void HandleDelete(const McpRequest& request, std::function<void(McpResponse)> done);
  void HandleInitialize(const json& message, const McpRequest& request,
                        std::function<void(McpResponse)> done);
  // 2026-07-28 (stateless) requests: stateless_endpoint.cc.
  void HandleStateless(const McpRequest& request, const json& message,
                       std::function<void(McpResponse)> done);
  // `post` answers; `cancel` cancels a streamed call (when the client
  // closes its stream).
  // `headers`: the request's, whose Mcp-Param-* ToolService checks.
  void CallToolStateless(const json& id, const json& params, const Principal& principal,
                         const HttpHeaders& headers, const std::string& request_id, Reply reply,
                         std::shared_ptr<PostResponder> post,
                         std::shared_ptr<std::shared_ptr<client::Cancellation>> cancel);
  json DiscoverResult() const;
  // endpoint_tasks.cc. Null unless options.task_store is set (and a tool
  // client exists).
  static std::shared_ptr<tasks::TaskManager> MakeTaskManager(
      const McpOptions& options, const std::shared_ptr<client::ToolClient>& tools);
  // tasks/get, tasks/update, tasks/cancel.
  void HandleTaskMethod(const std::string& method, const json& id, const json& params,
                        const Principal& principal, Reply reply);

  // Returns the session named by the Mcp-Session-Id header, or nullptr with
  // `error` set (400 when missing, 404 when not usable by this principal).
  std::shared_ptr<Session> RequireSession(const McpRequest& request, McpResponse* error);
  // Returns the live session `id` bound to `principal`, or nullptr.
  std::shared_ptr<Session> LookupSession(const std::string& id, const Principal& principal);
  // Returns false with `error` set when MCP-Protocol-Version is unsupported.
  bool CheckVersionHeader(const McpRequest& request, McpResponse* error) const;

  // Answers `call` with its method's handler, or -32601 when the method does
  // not exist in the call's era or is not offered (endpoint_methods.cc).
  void DispatchMethod(RpcCall& call);
  struct Method;
  // The table: method name -> its eras and handler.
  static const absl::flat_hash_map<std::string, Method>& Methods();
  // The handlers that are more than a call (endpoint_methods.cc).
  bool SetLogLevel(RpcCall& call);
  static bool SubscribeMethod(Impl& self, RpcCall& call);
  static bool TaskMethod(Impl& self, RpcCall& call);
  // `post` (null for batches) lets a handler stream messages ahead of its
  // reply on the POST's answer.
  void Dispatch(const std::shared_ptr<Session>& session, const json& message,
                const Principal& principal, const std::string& request_id, Reply reply,
                std::shared_ptr<PostResponder> post = nullptr);
  void HandleNotification(const std::shared_ptr<Session>& session, const std::string& method,
                          const json& params);
  void ListTools(const json& id, const json& params, const std::string& request_id, Reply reply);

  McpOptions options_;
  const std::shared_ptr<client::ToolClient> tools_;
  const SessionIdCodec codec_;
  const HostPolicy hosts_;
  const std::shared_ptr<tasks::TaskManager> tasks_;
  // tools/call of both eras.
  const ToolCallRunner tool_calls_;
  // A 2025 session's tools/call: tracking, rounds of input requests.
  SessionToolCalls session_calls_;
  // resources/*, prompts/*, completion/complete; capabilities, instructions.
  const EndpointCatalog catalog_;

  mutable absl::Mutex mu_;
  // Also guards the sessions' fields.
  SessionTable sessions_ ABSL_GUARDED_BY(mu_);
  // tools/list_changed and resource subscriptions (guarded by mu_ too).
  ChangeWatches watches_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_ENDPOINT_INTERNAL_H_
