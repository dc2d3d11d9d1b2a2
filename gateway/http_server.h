// The public HTTP/1.1 listener (Boost.Beast), plain or HTTPS (OpenSSL through
// Asio's ssl::stream). Beast stays inside http_server.cc; callers see only
// plain HttpRequest/HttpResponse values.
//
// One io_context runs on a fixed pool of threads; each connection lives on its
// own strand, reads one request at a time (header limit, then the body limit
// of the request's path, enforced by the parser; one timeout for the whole
// request), hands it to the HttpHandler and writes the answer when the handler
// responds, possibly from another thread. Only then is the next request read,
// so a connection holds at most one request and one answer; keep-alive and
// pipelining limits end connections that would otherwise make work forever.
// Thread safe: Start/Stop may be called from any thread.
#ifndef MCP_OAUTH_GATEWAY_HTTP_SERVER_H_
#define MCP_OAUTH_GATEWAY_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/http_types.h"

namespace mcp_oauth::gateway {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 9003;  // 0 picks a free port
  int threads = 2;
  size_t max_header_bytes = 16 * 1024;
  // Body limit of every path whose route sets none (HttpHandler::BodyLimit,
  // asked once the header is in, before any body byte is buffered: a larger
  // Content-Length gets 413 at once; a chunked body gets 413 when its
  // decoded size passes the limit).
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds keep_alive_idle_timeout{60};
  int max_connections = 4096;
  // Keep-alive: the answer to a connection's Nth request says
  // `Connection: close` and the connection ends after it.
  int max_requests_per_connection = 1000;
  // Pipelining: requests are answered one at a time, in order, and a request
  // is read only once the previous answer is written. After N answers in a
  // row each about to be written while the client had already sent more
  // bytes (it did not wait for them), that answer says `Connection: close`
  // and the rest is not read (RFC 9112 §9.3.2: the client retries unanswered
  // requests on a new connection).
  int max_pipelined_requests = 16;
  // HTTPS when both are set: PEM certificate chain and private key files.
  // TLS 1.2 and 1.3 only.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// The gateway's body limit of paths whose route sets none (default of
// --max-body-bytes); the OAuth form routes and /mcp set theirs
// (oauth_routes.h, mcp_route.h).
inline constexpr size_t kDefaultBodyBytes = 64 * 1024;

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Returns the port actually bound.
  virtual int port() const = 0;
  // Reads the certificate and key files again; new connections use them,
  // existing ones keep theirs. On error the old ones stay in use.
  virtual absl::Status ReloadTls() = 0;
  // Stops accepting and drains: idle connections close at once; requests
  // being received or answered finish (with `Connection: close`); streamed
  // (SSE) responses get a final ": server shutting down" comment and their
  // last chunk. Waits for all connections to close, at most `grace`, then
  // stops the IO threads. Idempotent.
  virtual void Stop(std::chrono::milliseconds grace) = 0;
};

// Binds, listens and starts the IO threads. `handler` must outlive the server.
absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(const HttpServerOptions& options,
                                                            HttpHandler* handler);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_HTTP_SERVER_H_
