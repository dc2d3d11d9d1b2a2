// Plain, transport-agnostic HTTP request/response types exchanged between the
// gateway (which owns sockets and Beast) and McpEndpoint, plus the EventStream
// interface through which the gateway drives a server-sent-events response.
#ifndef MCP_OAUTH_MCP_PROTOCOL_MCP_HTTP_H_
#define MCP_OAUTH_MCP_PROTOCOL_MCP_HTTP_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_headers.h"
#include "common/principal.h"

namespace mcp_oauth::mcp {

// Request headers: lower-case names in arrival order; Get(name) joins the
// values of a repeated field with ", " (RFC 9110 Section 5.3), which is what
// Accept needs. The gateway's own type, moved here, not copied.
using HttpHeaders = ::mcp_oauth::HttpHeaders;

struct McpRequest {
  std::string method;  // "POST", "GET", "DELETE", ...
  HttpHeaders headers;
  std::string body;
  // The authenticated principal (from the access token the gateway validated).
  Principal principal;
  // The HTTP request's id: sent to ToolService as `x-request-id` metadata and
  // written in log lines about this request.
  std::string request_id;
};

// A server-to-client SSE stream (the body of a GET /mcp response).
//
// Contract with the gateway:
//  1. After writing the response status and headers, the gateway calls
//     Start(write, close) exactly once. Pending events (the priming event, or
//     events replayed for Last-Event-ID) are written synchronously inside
//     Start; later events are written from whichever thread produces them.
//  2. `write(bytes)` receives complete SSE events (or comments); `bytes` is
//     only valid during the call, so copy it (e.g. into a std::string posted to
//     the connection's strand). Return false when the connection is gone: the
//     stream then detaches and never calls `write`/`close` again.
//  3. `close()` means the server ended the stream (session deleted/expired,
//     stream superseded by a resumption, endpoint shut down): finish the
//     response and close/recycle the connection. Called at most once.
//  4. When the connection ends for any other reason (client went away, server
//     shutdown), the gateway calls Cancel(). After Cancel returns, `write` and
//     `close` are never called again. Cancel is idempotent and may be called
//     without Start (e.g. the headers could not be written); destroying the
//     stream also cancels it.
//  `write` and `close` are called with an internal lock held: they must not
//  block and must not call back into the EventStream synchronously.
//  The gateway may interleave SSE comment lines (": keep-alive\n\n") between
//  events on its own strand; no timer exists on this side.
// Thread safe.
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual void Start(std::function<bool(std::string_view sse_bytes)> write,
                     std::function<void()> close) = 0;
  virtual void Cancel() = 0;
};

struct McpResponse {
  int status = 200;
  // Headers to send, with canonical capitalisation (e.g. "Content-Type",
  // "Mcp-Session-Id"). The gateway adds transport headers (Content-Length or
  // chunking, CORS, Date, ...) itself.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Non-null for SSE responses: write status and headers (no Content-Length),
  // then drive the stream as described above. `body` is empty then.
  std::shared_ptr<EventStream> stream;

  // Returns the first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_MCP_HTTP_H_
