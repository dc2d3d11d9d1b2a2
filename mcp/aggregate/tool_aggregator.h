// ToolAggregator: one ToolService (proto/tools/v1/tools.proto) in front of
// several backend ToolServices (the in-process built-in tools, remote tool
// servers in any language), so the MCP endpoint sees a single service.
//
//   ListTools       the merged list (see tool_merge.h), paged with opaque
//                   tokens bound to the merged list's version.
//   CallTool,       routed by exposed name to the owning backend, with the
//   CallToolStream  prefix removed; the Caller travels in the request, the
//                   x-request-id metadata is copied, and the deadline and
//                   cancellation propagate (child call of the server call).
//                   A tool of a down backend: UNAVAILABLE naming the tool.
//   WatchTools      the merged list's version tag now and after each change.
//
// Every backend is watched with WatchTools (BackendMonitor); each event
// re-reads its ListTools. A watch that ends (backend down) removes the
// backend's tools and is retried with exponential backoff; when it answers
// again its tools come back. Name collisions appearing at runtime are logged and the later tool is
// left out.
//
// This class is thread safe. It owns its backends' stubs (shared). The
// destructor cancels its watches of the backends and waits for its own RPCs
// to them to finish; WatchTools streams it serves keep the shared state alive
// until they end.
#ifndef MCP_OAUTH_MCP_AGGREGATE_TOOL_AGGREGATOR_H_
#define MCP_OAUTH_MCP_AGGREGATE_TOOL_AGGREGATOR_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth::client {
class ToolClient;
}  // namespace mcp_oauth::client

namespace mcp_oauth::mcp {

class BackendMonitor;

struct ToolBackendConfig {
  // Names the backend in logs, errors, /healthz and /metrics.
  std::string name;
  // Prepended to each of its tool names (empty: none).
  std::string prefix;
  std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub;
  // Optional: how in-process callers make this backend's CallTool
  // (aggregate_tool_client.h), an unmetered client such as a direct call of
  // the built-in service or CallToolMux streams to a remote one. Null: a
  // unary RPC on `stub`.
  std::shared_ptr<client::ToolClient> calls;
};

// Where a call of one exposed tool name goes (ToolAggregator::Route).
struct BackendRoute {
  std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub;
  std::shared_ptr<client::ToolClient> calls;  // the backend's, may be null
  std::string name;                           // the tool's name at the backend
};

struct ToolAggregatorOptions {
  int default_page_size = 50;
  int max_page_size = 100;
  // Deadline of each ListTools page asked of a backend.
  absl::Duration list_timeout = absl::Seconds(5);
  // Reconnect backoff after a backend's watch ends: doubles up to the max.
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  // Changes a WatchTools stream buffers for a slow reader before ending.
  size_t max_pending_watch_events = 256;
};

struct ToolBackendStatus {
  std::string name;
  bool up = false;
  size_t tools = 0;        // tools it offers (listed or left out)
  std::string last_error;  // why it is down (empty when up)
};

class ToolAggregator final : public mcp_oauth::tools::v1::ToolService::CallbackService {
 public:
  // Asks every backend for its tools (each within list_timeout), then
  // watches them. FAILED_PRECONDITION naming the tool and both backends when
  // two answering backends offer the same exposed name; INVALID_ARGUMENT for
  // a backend without a stub or with a duplicate or empty name. A backend that
  // does not answer is not an error: it is down and retried.
  static absl::StatusOr<std::unique_ptr<ToolAggregator>> Start(
      std::vector<ToolBackendConfig> backends,
      ToolAggregatorOptions options = ToolAggregatorOptions());
  ~ToolAggregator() override;

  // Each backend's state, in configuration order.
  std::vector<ToolBackendStatus> BackendStatus() const;

  // The exposed names of the tools listed now (of the backends that are up).
  std::vector<std::string> ToolNames() const;

  // The watch of the backends (in configuration order), for the resource
  // and prompt aggregates of the same backends. Stopped by the destructor.
  std::shared_ptr<BackendMonitor> monitor() const;

  // Where CallTool sends the tool exposed as `name`: the owning backend and
  // the tool's name there; NOT_FOUND, or UNAVAILABLE naming the tool while
  // its backend is down (CallTool's answers then). For in-process callers
  // that make the backend call themselves (aggregate_tool_client.h).
  absl::StatusOr<BackendRoute> Route(const std::string& name) const;

  grpc::ServerUnaryReactor* ListTools(grpc::CallbackServerContext* context,
                                      const mcp_oauth::tools::v1::ListToolsRequest* request,
                                      mcp_oauth::tools::v1::ListToolsResponse* response) override;
  grpc::ServerUnaryReactor* CallTool(grpc::CallbackServerContext* context,
                                     const mcp_oauth::tools::v1::CallToolRequest* request,
                                     mcp_oauth::tools::v1::CallToolResponse* response) override;
  grpc::ServerWriteReactor<mcp_oauth::tools::v1::CallToolEvent>* CallToolStream(
      grpc::CallbackServerContext* context,
      const mcp_oauth::tools::v1::CallToolStreamRequest* request) override;
  grpc::ServerWriteReactor<mcp_oauth::tools::v1::ToolsChanged>* WatchTools(
      grpc::CallbackServerContext* context,
      const mcp_oauth::tools::v1::WatchToolsRequest* request) override;

  class Core;  // defined in tool_aggregator.cc

 private:
  explicit ToolAggregator(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_TOOL_AGGREGATOR_H_
