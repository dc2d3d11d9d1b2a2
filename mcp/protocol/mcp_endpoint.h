// McpEndpoint: the MCP Streamable HTTP endpoint (/mcp), transport-agnostic.
//
// The gateway authenticates the bearer token, builds an McpRequest (method,
// lower-cased headers, body, the token's Principal) and calls Handle; the
// endpoint answers through `done` with a plain McpResponse.
//
//   POST    one JSON-RPC message (batches only in sessions that negotiated
//           2025-03-26). Requests -> 200 application/json; notifications and
//           responses -> 202 with no body. initialize needs no session and
//           returns the Mcp-Session-Id header.
//   GET     opens (or with Last-Event-ID resumes) an SSE stream for
//           server-to-client messages: McpResponse::stream.
//   DELETE  ends the session.
//   other   405.
// Status codes: 400 malformed JSON (-32700) / invalid JSON-RPC (-32600) /
// missing session / unsupported MCP-Protocol-Version; 403 Origin or Host not
// allowed; 404 unknown, ended, expired or foreign session; 405; 406 Accept;
// 413 body too large; 415 Content-Type; 429 too many streams, or initialize
// beyond the principal's session cap.
//
// Methods: initialize, ping, tools/list, tools/call, logging/setLevel,
// notifications/initialized, notifications/cancelled (cancels the in-flight
// ToolService call); when offered (McpOptions::offer_*): resources/list,
// resources/templates/list, resources/read (ResourceService), prompts/list,
// prompts/get (PromptService), completion/complete (either, by ref type),
// resources/subscribe and resources/unsubscribe.
// tools/call with _meta.progressToken, or in a session that set a logging
// level, runs over CallToolStream and answers with an SSE stream carrying
// notifications/progress and notifications/message before the response.
// notifications/tools/list_changed (WatchTools) and
// notifications/resources/updated (WatchResources, subscribed URIs only) go
// to each session's newest open GET stream.
// Every method that needs a backend calls its service asynchronously with a
// deadline (ToolService through a client::ToolClient, in process or remote;
// the catalog services through client/catalog_client.h over their stubs);
// Handle never blocks on an RPC.
//
// Sessions are self-validating HMAC'd ids (see session_id.h) bound to the
// principal, plus a local table for ended sessions, idle expiry, the logging
// level, in-flight calls and SSE streams. Replicas sharing `session_key`
// accept each other's sessions; an ended session is only known as ended on
// the replica that ended it.
//
// This class is thread safe. It does not own the stub's channel beyond the
// shared_ptr. Pending callbacks keep the internal state alive, so the endpoint
// may be destroyed while calls are in flight (they are cancelled).
#ifndef MCP_OAUTH_MCP_PROTOCOL_MCP_ENDPOINT_H_
#define MCP_OAUTH_MCP_PROTOCOL_MCP_ENDPOINT_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/tool_client.h"
#include "mcp/protocol/mcp_http.h"
#include "proto/prompts/v1/prompts.grpc.pb.h"
#include "proto/resources/v1/resources.grpc.pb.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth::mcp::tasks {
class TaskStore;
}  // namespace mcp_oauth::mcp::tasks

namespace mcp_oauth::mcp {

struct McpOptions {
  std::string server_name = "MCP Server with Static OAuth Client";
  std::string server_version = "1.0.0";
  // Named in the initialize instructions.
  std::string client_id;
  // Returns the names of the tools served now (asked at each initialize, so
  // the instructions name what tools/list would list); unset: the
  // instructions name no tools. Must not block.
  std::function<std::vector<std::string>()> tool_names;
  // Replaces the default instructions when non-empty.
  std::string instructions;

  // The server's public base URL, e.g. "https://mcp.example.com"; its origin
  // is an allowed Origin and its host an allowed Host.
  std::string public_url;
  // Further exact origins allowed in the Origin header.
  std::vector<std::string> allowed_origins;
  // Further Host names (port ignored) allowed; "*" disables the Host check.
  std::vector<std::string> allowed_hosts;
  // Allows localhost, 127.0.0.1 and [::1] (any port) as Origin and Host.
  bool allow_loopback = true;

  // HMAC-SHA256 key for session ids (>= 32 random bytes). Empty: a random key
  // per process (sessions then do not survive restarts or span replicas).
  std::string session_key;
  absl::Duration session_idle_timeout = absl::Hours(1);
  absl::Duration session_max_lifetime = absl::Hours(24);
  // Live sessions one principal (OAuth subject + client) may hold, counting
  // those initialized on this endpoint; initialize beyond it answers HTTP 429
  // with a JSON-RPC error. 0 = no limit.
  int max_sessions_per_principal = 256;
  // Entries of this process's session table: live sessions plus tombstones
  // of ended ones (kept so an ended id stays ended until it expires). When
  // full, tombstones go first (a dropped one's id is then accepted again from
  // its own principal until it expires, as on a replica that never saw it
  // end); with only live sessions left, initialize answers 503.
  size_t max_sessions = 100000;

  size_t max_body_bytes = 1 << 20;
  int max_json_depth = 64;
  absl::Duration tool_call_timeout = absl::Seconds(30);
  absl::Duration list_tools_timeout = absl::Seconds(10);
  int max_streams_per_session = 8;
  size_t max_replay_events = 256;

  // Capabilities declared at initialize beyond tools and logging; the
  // matching methods answer "method not found" when off. Turn them on only
  // when the backend has something registered (resources or templates;
  // prompts; completers) and McpBackends has the stub.
  bool offer_resources = false;
  bool offer_prompts = false;
  bool offer_completions = false;
  absl::Duration catalog_call_timeout = absl::Seconds(10);

  // The MCP tasks extension (io.modelcontextprotocol/tasks, 2026-07-28
  // requests): where task records live (tasks/task_store_factory.h; the
  // token store's database in production). Null: the extension is off.
  std::shared_ptr<tasks::TaskStore> task_store;

  // Time source for session bookkeeping (tests inject a fake). RPC deadlines
  // always use the real clock. Default: absl::Now.
  std::function<absl::Time()> clock;
};

// The services behind the endpoint (shared; any may be null when the
// matching capability is not offered). ToolService: `tool_client` (local or
// remote, see client/tool_client.h), else a remote client over `tools`.
struct McpBackends {
  std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> tools;
  std::shared_ptr<client::ToolClient> tool_client;
  std::shared_ptr<mcp_oauth::resources::v1::ResourceService::StubInterface> resources;
  std::shared_ptr<mcp_oauth::prompts::v1::PromptService::StubInterface> prompts;
};

class McpEndpoint {
 public:
  McpEndpoint(McpOptions options,
              std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> tools);
  McpEndpoint(McpOptions options, McpBackends backends);
  ~McpEndpoint();
  McpEndpoint(const McpEndpoint&) = delete;
  McpEndpoint& operator=(const McpEndpoint&) = delete;

  // Handles one HTTP request to the MCP endpoint. Calls `done` exactly once,
  // either before returning or later on a gRPC thread (after an async
  // ToolService RPC): post it to the connection's strand.
  void Handle(McpRequest request, std::function<void(McpResponse)> done);

  // Sends a JSON-RPC message (notification or request) to the client of
  // `session_id` over one of its open SSE streams. FAILED_PRECONDITION when no
  // stream is open, NOT_FOUND for an unknown or ended session.
  absl::Status SendToSession(const std::string& session_id, const nlohmann::json& message);

  // Returns the logging level set by logging/setLevel ("info" by default).
  absl::StatusOr<std::string> SessionLogLevel(const std::string& session_id) const;

  // Returns the number of live (not ended, not expired) sessions in this
  // process's table, for metrics.
  size_t ActiveSessionCount() const;

  class Impl;  // defined in mcp_endpoint.cc

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_MCP_ENDPOINT_H_
