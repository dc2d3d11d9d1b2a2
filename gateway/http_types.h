// Plain HTTP request/response values passed between the Beast server and the
// route handlers, so that handlers are Beast-free and testable without sockets.
#ifndef MCP_OAUTH_GATEWAY_HTTP_TYPES_H_
#define MCP_OAUTH_GATEWAY_HTTP_TYPES_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_headers.h"

namespace mcp_oauth::gateway {

// Header fields with lower-case names, in arrival order (First(name): the
// first value; Get(name): all values joined). The same type reaches the MCP
// endpoint (mcp::McpRequest), moved.
using Headers = ::mcp_oauth::HttpHeaders;

// What handling a request learned that only the access log needs (never
// sent): who made it, when a route knows (/mcp, from the verified token).
struct RequestLogFields {
  std::string client_id;
  std::string user;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as received
  std::string path;    // target without the query
  std::string query;   // after '?', without it
  Headers headers;
  std::string body;
  std::string remote_ip;
  // Set before routing (see access_log.h): sent to services as gRPC metadata.
  std::string request_id;
  // Set before routing when requests are logged (else null); a route fills
  // it before it answers.
  std::shared_ptr<RequestLogFields> log_fields;
};

// A long-lived response body (Server-Sent Events). The server calls Start once
// after the headers are written; the stream then calls `write` (from any
// thread) for each chunk of bytes and `close` once when it ends. `write`
// returns false once the connection is gone. Stop is called when the client
// disconnects or the server shuts down; after it, the stream must not call
// `write` any more.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void Start(std::function<bool(std::string bytes)> write, std::function<void()> close) = 0;
  virtual void Stop() = 0;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Non-null: the body is streamed (chunked) by this object instead of `body`.
  std::shared_ptr<ResponseStream> stream;
  // Close the connection after this response (e.g. after a malformed request).
  bool close_connection = false;

  void SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

using Responder = std::function<void(HttpResponse)>;

// Handles one request; calls `respond` exactly once, on any thread.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void Handle(HttpRequest request, Responder respond) = 0;
  // Returns the largest request body `path` (no query) accepts, asked once
  // the header is in and before any body byte is buffered; nullopt: the
  // server's default (HttpServerOptions::max_body_bytes).
  virtual std::optional<size_t> BodyLimit(std::string_view /*path*/) const { return std::nullopt; }
  // Returns the largest limit BodyLimit returns for any path (0: none).
  virtual size_t LargestBodyLimit() const { return 0; }
};

// Builds a response with a body and its content type.
HttpResponse MakeResponse(int status, std::string content_type, std::string body);
// Builds a JSON response from serialized JSON text.
HttpResponse JsonResponse(int status, std::string json_text);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_HTTP_TYPES_H_
