// RequestObserver: the outermost HttpHandler. For every request it assigns a
// request id (a sane incoming X-Request-Id, else a random one), returns it in
// the X-Request-Id response header, hands it to the routes (they send it to
// the services as gRPC metadata), records the HTTP metrics and writes one JSON
// access-log line when the response starts:
//
//   {"time":"2026-01-01T00:00:00.000Z","type":"access","request_id":"...",
//    "method":"POST","route":"/mcp","status":200,"latency_ms":1.234,
//    "remote_ip":"127.0.0.1","client_id":"...","user":"..."}
//
// `route` is the request path only: query strings carry authorization codes
// and state and are never logged, nor are headers or bodies. client_id and
// user appear when the route knows them (/mcp, from the verified token). For
// SSE responses the status and latency are those of the response headers.
//
// Behind trusted reverse proxies (options.trusted_proxies), the client address
// is taken from X-Forwarded-For (the rightmost address that is not a trusted
// proxy) and the access log adds "proto" from X-Forwarded-Proto; remote_ip is
// then what routes see too (e.g. the sign-in throttle).
//
// Metrics (in `registry`): http_requests_total{route,status} and
// http_request_duration_seconds{route}, where route is the registered path,
// or "other" for unknown paths (bounded label values).
//
// By default the lines go to stderr through an AsyncLineWriter (see
// common/async_line_writer.h): formatting is a few appends into a reused
// per-thread buffer, and the IO thread only copies the line into a bounded
// queue that one writer thread writes out in batches (within about 2 ms).
// When stderr is not read fast enough and the queue (1 MiB) is full, lines
// are dropped, never waited for: access_log_dropped_lines_total counts them
// and a warning line says how many. The queue is written out when the
// observer is destroyed (at shutdown).
//
// Thread safe; `inner` and the route predicate must outlive it.
#ifndef MCP_OAUTH_GATEWAY_ACCESS_LOG_H_
#define MCP_OAUTH_GATEWAY_ACCESS_LOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "gateway/http_types.h"

namespace mcp_oauth {
class AsyncLineWriter;
}  // namespace mcp_oauth

namespace mcp_oauth::gateway {

// What one access-log line says (see above).
struct AccessRecord {
  std::string_view request_id;
  std::string_view method;
  std::string_view path;
  int status = 0;
  int64_t latency_micros = 0;
  std::string_view remote_ip;
  std::string_view client_id;  // omitted when empty
  std::string_view user;       // omitted when empty
  std::string_view proto;      // omitted when empty
  bool stream = false;
};

// Formats `record` logged at `now` into `out` (replacing its contents) as one
// JSON object without a newline; returns it.
std::string_view FormatAccessLine(const AccessRecord& record, absl::Time now, std::string& out);

struct RequestObserverOptions {
  // Write access-log lines (they are written at log level info).
  bool access_log = true;
  // Receives each access-log line (a JSON object, no newline), on the
  // responding thread. Default: stderr through an AsyncLineWriter.
  std::function<void(std::string_view)> sink;
  // Where the HTTP metrics go. Default: metrics::DefaultRegistry().
  metrics::Registry* registry = nullptr;
  // Peer addresses (exact, as printed, e.g. "10.0.0.5" or "::1") of reverse
  // proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. From
  // anyone else these headers are ignored.
  std::vector<std::string> trusted_proxies;
};

class RequestObserver final : public HttpHandler {
 public:
  // `is_route(path)` tells whether `path` is a registered route.
  RequestObserver(HttpHandler* inner, std::function<bool(const std::string&)> is_route,
                  RequestObserverOptions options = {});

  ~RequestObserver() override;

  void Handle(HttpRequest request, Responder respond) override;
  // The inner handler's body limits.
  std::optional<size_t> BodyLimit(std::string_view path) const override {
    return inner_->BodyLimit(path);
  }
  size_t LargestBodyLimit() const override { return inner_->LargestBodyLimit(); }

 private:
  class RouteSeries;
  // Returns the metric series of `route` (made on first use, then kept).
  RouteSeries& SeriesOf(const std::string& route);

  HttpHandler* const inner_;
  const std::function<bool(const std::string&)> is_route_;
  RequestObserverOptions options_;
  // The default sink's writer (null with a given sink or the log off).
  std::unique_ptr<AsyncLineWriter> writer_;
  metrics::Family<metrics::Counter>* requests_;
  metrics::Family<metrics::Histogram>* latency_;
  absl::Mutex series_mu_;
  // By route label (a registered path or "other": a bounded set).
  std::map<std::string, std::unique_ptr<RouteSeries>, std::less<>> series_
      ABSL_GUARDED_BY(series_mu_);
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_ACCESS_LOG_H_
