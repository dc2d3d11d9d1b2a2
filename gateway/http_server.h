// The public HTTP/1.1 listener (Boost.Beast), plain or HTTPS (OpenSSL through
// Asio's ssl::stream). Beast stays inside http_server.cc; callers see only
// plain HttpRequest/HttpResponse values.
//
// One io_context runs on a fixed pool of threads; each connection lives on its
// own strand, reads one request at a time (header and body limits enforced by
// the parser, a timeout before every read), hands it to the HttpHandler and
// writes the answer when the handler responds, possibly from another thread.
// Thread safe: Start/Stop may be called from any thread.
#ifndef MCP_OAUTH_GATEWAY_HTTP_SERVER_H_
#define MCP_OAUTH_GATEWAY_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/http_types.h"

namespace mcp_oauth::gateway {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 9003;  // 0 picks a free port
  int threads = 2;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds keep_alive_idle_timeout{60};
  int max_connections = 4096;
  // HTTPS when both are set: PEM certificate chain and private key files.
  // TLS 1.2 and 1.3 only.
  std::string tls_cert_file;
  std::string tls_key_file;
};

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
