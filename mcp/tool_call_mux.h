// The server side of ToolService.CallToolMux (proto/tools/v1/tools.proto):
// many CallTool calls on one bidirectional stream, the transport of gateways
// in split mode. Each request starts (or cancels) one call of
// ToolServiceImpl::StartCallTool, so a call gets exactly the unary RPC's
// checks, statuses, worker pool and deadline; a tool that runs inline
// answers from the read callback (no thread hop). Answers go out in the
// order the calls finish, one write at a time.
//
// The server advertises the features "json" and "batch" (tools.proto): a
// call that comes with arguments_json runs on JSON (no Struct either way),
// and a client that advertised "batch" gets in one message the answers that
// finished while a write was in flight or while one request message (with
// its `more`) was being handled.
//
// Each multiplexed call is also counted like a CallTool RPC in
// grpc_server_handled_total and grpc_server_handling_seconds
// (method="ToolService/CallTool"): the tool server's dashboards read the
// same whichever transport its callers use.
#ifndef MCP_OAUTH_MCP_TOOL_CALL_MUX_H_
#define MCP_OAUTH_MCP_TOOL_CALL_MUX_H_

#include <cstddef>
#include <memory>

#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth::mcp {

class ToolServiceImpl;

// The CallToolMux streams of one ToolServiceImpl. This class is thread safe.
class CallToolMuxStreams {
 public:
  using Reactor = grpc::ServerBidiReactor<mcp_oauth::tools::v1::CallToolMuxRequest,
                                          mcp_oauth::tools::v1::CallToolMuxResponse>;

  // `service` runs the calls and must outlive the streams' calls;
  // `max_calls` bounds the calls in flight on one stream (one more is
  // answered RESOURCE_EXHAUSTED).
  CallToolMuxStreams(ToolServiceImpl* service, size_t max_calls);
  ~CallToolMuxStreams();

  // Returns the reactor of a new stream (of the RPC of `context`); it
  // deletes itself when done.
  Reactor* Open(grpc::CallbackServerContext* context);

  // Makes every stream, open or opened later, answer its calls in flight,
  // refuse new ones (UNAVAILABLE) and finish: idle long-lived streams would
  // otherwise hold a server's Shutdown until its deadline. Idempotent.
  void EndAll();

  // The shared state of one stream and the set of open ones (in the .cc).
  class Stream;
  struct Registry;

 private:
  ToolServiceImpl* const service_;
  const size_t max_calls_;
  const std::unique_ptr<Registry> registry_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOL_CALL_MUX_H_
