#include "gateway/access_log.h"

#include <chrono>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/request_id.h"

namespace mcp_oauth::gateway {
namespace {

// Paths and methods come from the client: bounded before they are logged.
constexpr size_t kMaxLoggedPathBytes = 256;
constexpr size_t kMaxLoggedMethodBytes = 16;

std::string Truncated(const std::string& text, size_t max_bytes) {
  return text.size() <= max_bytes ? text : text.substr(0, max_bytes) + "...";
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  for (const auto& item : list) {
    if (item == value) return true;
  }
  return false;
}

// An IPv4 or IPv6 address as printed (no brackets or ports); anything else in
// X-Forwarded-For is refused.
bool LooksLikeAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return false;
  for (char c : text) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Returns the client address from X-Forwarded-For sent by a trusted proxy:
// walking from the right (the hop nearest to us), the first address that is
// not itself a trusted proxy. "" when the header is absent or malformed.
std::string ForwardedClient(std::string_view header, const std::vector<std::string>& trusted) {
  std::vector<std::string_view> hops;
  while (!header.empty()) {
    size_t comma = header.find(',');
    hops.push_back(Trim(header.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!LooksLikeAddress(*it)) return "";
    if (!Contains(trusted, *it) || std::next(it) == hops.rend()) return std::string(*it);
  }
  return "";
}

}  // namespace

RequestObserver::RequestObserver(HttpHandler* inner,
                                 std::function<bool(const std::string&)> is_route,
                                 RequestObserverOptions options)
    : inner_(inner), is_route_(std::move(is_route)), options_(std::move(options)) {
  if (!options_.sink) {
    options_.sink = [](std::string_view line) { log::JsonLine(log::Level::kInfo, line); };
  }
  metrics::Registry& registry =
      options_.registry ? *options_.registry : metrics::DefaultRegistry();
  requests_ = &registry.CounterFamily("http_requests_total",
                                      "HTTP requests by route and status code.",
                                      {"route", "status"});
  latency_ = &registry.HistogramFamily(
      "http_request_duration_seconds",
      "Time from a complete HTTP request to the start of its response, by route.", {"route"});
}

void RequestObserver::Handle(HttpRequest request, Responder respond) {
  request.request_id = request_id::AcceptOrGenerate(request.headers.Get("x-request-id"));
  std::string proto;
  if (!options_.trusted_proxies.empty() && Contains(options_.trusted_proxies, request.remote_ip)) {
    if (request.headers.Count("x-forwarded-for") == 1) {
      std::string client =
          ForwardedClient(request.headers.Get("x-forwarded-for"), options_.trusted_proxies);
      if (!client.empty()) request.remote_ip = std::move(client);
    }
    std::string_view forwarded_proto = request.headers.Get("x-forwarded-proto");
    if (forwarded_proto == "https" || forwarded_proto == "http") proto = forwarded_proto;
  }
  auto started = std::chrono::steady_clock::now();
  std::string route = is_route_(request.path) ? request.path : "other";
  // Only what the log line needs survives into the responder.
  bool log_enabled = options_.access_log && log::Enabled(log::Level::kInfo);
  std::string method = log_enabled ? Truncated(request.method, kMaxLoggedMethodBytes) : "";
  std::string path = log_enabled ? Truncated(request.path, kMaxLoggedPathBytes) : "";
  std::string remote_ip = log_enabled ? request.remote_ip : "";
  std::string id = request.request_id;
  inner_->Handle(
      std::move(request),
      [this, respond = std::move(respond), started, route = std::move(route), log_enabled,
       proto = std::move(proto),
       method = std::move(method), path = std::move(path), remote_ip = std::move(remote_ip),
       id = std::move(id)](HttpResponse response) {
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        requests_->WithLabels({route, std::to_string(response.status)}).Increment();
        latency_->WithLabels({route}).Observe(seconds);
        response.SetHeader("X-Request-Id", id);
        if (log_enabled) {
          nlohmann::ordered_json line = {
              {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone())},
              {"type", "access"},
              {"request_id", id},
              {"method", method},
              {"route", path},
              {"status", response.status},
              {"latency_ms", static_cast<double>(static_cast<int64_t>(seconds * 1e6)) / 1e3},
              {"remote_ip", remote_ip}};
          if (!response.log_client_id.empty()) line["client_id"] = response.log_client_id;
          if (!response.log_user.empty()) line["user"] = response.log_user;
          if (!proto.empty()) line["proto"] = proto;
          if (response.stream) line["stream"] = true;
          options_.sink(
              line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
        }
        respond(std::move(response));
      });
}

}  // namespace mcp_oauth::gateway
