#include "gateway/access_log.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/async_line_writer.h"
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

// Appends `text` as a JSON string: quoted, with '"', '\\' and control
// characters escaped and each byte that is not part of valid UTF-8 replaced
// by U+FFFD, so that any client-chosen path stays one valid JSON line.
void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c < 0x20) {
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++p;
      continue;
    }
    // The length of a valid sequence starting here, else 0 (RFC 3629 table).
    size_t length = 0;
    auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
      return p + i < end && p[i] >= lo && p[i] <= hi;
    };
    if (c >= 0xC2 && c <= 0xDF) {
      length = cont(1) ? 2 : 0;
    } else if (c >= 0xE0 && c <= 0xEF) {
      unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
      unsigned char hi = c == 0xED ? 0x9F : 0xBF;
      length = cont(1, lo, hi) && cont(2) ? 3 : 0;
    } else if (c >= 0xF0 && c <= 0xF4) {
      unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
      unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
      length = cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
    }
    if (length == 0) {
      out.append(kReplacement);
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), length);
      p += length;
    }
  }
  out.push_back('"');
}

// Appends `now` as 2026-01-01T00:00:00.000Z. The part up to the seconds is
// formatted once per second per thread.
void AppendTime(std::string& out, absl::Time now) {
  thread_local int64_t cached_second = INT64_MIN;
  thread_local std::string cached;
  const int64_t millis = absl::ToUnixMillis(now);
  int64_t second = millis / 1000;
  int64_t milli = millis % 1000;
  if (milli < 0) {
    milli += 1000;
    --second;
  }
  if (second != cached_second) {
    cached =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second), absl::UTCTimeZone());
    cached_second = second;
  }
  out.append(cached);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + milli / 100));
  out.push_back(static_cast<char>('0' + milli / 10 % 10));
  out.push_back(static_cast<char>('0' + milli % 10));
  out.push_back('Z');
}

// Appends `micros` as milliseconds with three decimals, e.g. 1.234.
void AppendMillis(std::string& out, int64_t micros) {
  if (micros < 0) micros = 0;
  absl::StrAppend(&out, micros / 1000);
  out.push_back('.');
  int64_t rest = micros % 1000;
  out.push_back(static_cast<char>('0' + rest / 100));
  out.push_back(static_cast<char>('0' + rest / 10 % 10));
  out.push_back(static_cast<char>('0' + rest % 10));
}

}  // namespace

std::string_view FormatAccessLine(const AccessRecord& record, absl::Time now, std::string& out) {
  out.clear();
  out.append("{\"time\":\"");
  AppendTime(out, now);
  out.append("\",\"type\":\"access\",\"request_id\":");
  AppendJsonString(out, record.request_id);
  out.append(",\"method\":");
  AppendJsonString(out, record.method);
  out.append(",\"route\":");
  AppendJsonString(out, record.path);
  absl::StrAppend(&out, ",\"status\":", record.status, ",\"latency_ms\":");
  AppendMillis(out, record.latency_micros);
  out.append(",\"remote_ip\":");
  AppendJsonString(out, record.remote_ip);
  if (!record.client_id.empty()) {
    out.append(",\"client_id\":");
    AppendJsonString(out, record.client_id);
  }
  if (!record.user.empty()) {
    out.append(",\"user\":");
    AppendJsonString(out, record.user);
  }
  if (!record.proto.empty()) {
    out.append(",\"proto\":");
    AppendJsonString(out, record.proto);
  }
  if (record.stream) out.append(",\"stream\":true");
  out.push_back('}');
  return out;
}

RequestObserver::RequestObserver(HttpHandler* inner,
                                 std::function<bool(const std::string&)> is_route,
                                 RequestObserverOptions options)
    : inner_(inner), is_route_(std::move(is_route)), options_(std::move(options)) {
  metrics::Registry& registry = options_.registry ? *options_.registry : metrics::DefaultRegistry();
  metrics::Counter& dropped =
      registry
          .CounterFamily("access_log_dropped_lines_total",
                         "Access-log lines dropped because stderr was not read fast enough.")
          .WithLabels({});
  if (!options_.sink && options_.access_log) {
    AsyncLineWriterOptions writer_options;
    writer_options.dropped_counter = &dropped;
    writer_ = std::make_unique<AsyncLineWriter>(writer_options);
    options_.sink = [writer = writer_.get()](std::string_view line) { writer->Write(line); };
  }
  requests_ = &registry.CounterFamily(
      "http_requests_total", "HTTP requests by route and status code.", {"route", "status"});
  latency_ = &registry.HistogramFamily(
      "http_request_duration_seconds",
      "Time from a complete HTTP request to the start of its response, by route.", {"route"});
}

// The series one route records into: its latency histogram and its request
// counter per status code, looked up in the families once and then kept (a
// family lookup builds its label key and takes the family's lock).
class RequestObserver::RouteSeries {
 public:
  RouteSeries(std::string route, metrics::Family<metrics::Counter>* requests,
              metrics::Family<metrics::Histogram>* latency)
      : route_(std::move(route)), requests_(requests), latency_family_(latency) {}

  // Made on the first answer, as the series of a route always was.
  metrics::Histogram& latency() {
    metrics::Histogram* histogram = latency_.load(std::memory_order_acquire);
    if (histogram == nullptr) {
      histogram = &latency_family_->WithLabels({route_});
      latency_.store(histogram, std::memory_order_release);
    }
    return *histogram;
  }

  metrics::Counter& requests(int status) {
    if (status < kFirstStatus || status > kLastStatus) {
      return requests_->WithLabels({route_, std::to_string(status)});
    }
    std::atomic<metrics::Counter*>& slot = by_status_[status - kFirstStatus];
    metrics::Counter* counter = slot.load(std::memory_order_acquire);
    if (counter == nullptr) {
      // Racing threads get the same series from the family.
      counter = &requests_->WithLabels({route_, std::to_string(status)});
      slot.store(counter, std::memory_order_release);
    }
    return *counter;
  }

 private:
  static constexpr int kFirstStatus = 100;
  static constexpr int kLastStatus = 599;
  const std::string route_;
  metrics::Family<metrics::Counter>* const requests_;
  metrics::Family<metrics::Histogram>* const latency_family_;
  std::atomic<metrics::Histogram*> latency_{nullptr};
  std::atomic<metrics::Counter*> by_status_[kLastStatus - kFirstStatus + 1] = {};
};

RequestObserver::~RequestObserver() = default;

RequestObserver::RouteSeries& RequestObserver::SeriesOf(const std::string& route) {
  {
    absl::ReaderMutexLock lock(&series_mu_);
    auto it = series_.find(route);
    if (it != series_.end()) return *it->second;
  }
  absl::MutexLock lock(&series_mu_);
  std::unique_ptr<RouteSeries>& series = series_[route];
  if (!series) series = std::make_unique<RouteSeries>(route, requests_, latency_);
  return *series;
}

void RequestObserver::Handle(HttpRequest request, Responder respond) {
  request.request_id = request_id::AcceptOrGenerate(request.headers.First("x-request-id"));
  std::string proto;
  if (!options_.trusted_proxies.empty() && Contains(options_.trusted_proxies, request.remote_ip)) {
    if (request.headers.Count("x-forwarded-for") == 1) {
      std::string client =
          ForwardedClient(request.headers.First("x-forwarded-for"), options_.trusted_proxies);
      if (!client.empty()) request.remote_ip = std::move(client);
    }
    std::string_view forwarded_proto = request.headers.First("x-forwarded-proto");
    if (forwarded_proto == "https" || forwarded_proto == "http") proto = forwarded_proto;
  }
  auto started = std::chrono::steady_clock::now();
  RouteSeries* series = &SeriesOf(is_route_(request.path) ? request.path : "other");
  // Only what the log line needs survives into the responder.
  bool log_enabled = options_.access_log && log::Enabled(log::Level::kInfo);
  std::string method = log_enabled ? Truncated(request.method, kMaxLoggedMethodBytes) : "";
  std::string path = log_enabled ? Truncated(request.path, kMaxLoggedPathBytes) : "";
  std::string remote_ip = log_enabled ? request.remote_ip : "";
  std::string id = request.request_id;
  std::shared_ptr<RequestLogFields> fields;
  if (log_enabled) request.log_fields = fields = std::make_shared<RequestLogFields>();
  inner_->Handle(
      std::move(request),
      [this, respond = std::move(respond), started, series, log_enabled, proto = std::move(proto),
       method = std::move(method), path = std::move(path), remote_ip = std::move(remote_ip),
       id = std::move(id), fields = std::move(fields)](HttpResponse response) {
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        series->requests(response.status).Increment();
        series->latency().Observe(seconds);
        response.SetHeader("X-Request-Id", id);
        if (log_enabled) {
          AccessRecord record{id,
                              method,
                              path,
                              response.status,
                              static_cast<int64_t>(seconds * 1e6),
                              remote_ip,
                              fields->client_id,
                              fields->user,
                              proto,
                              response.stream != nullptr};
          // One buffer per IO thread: no allocation per line once it has grown.
          thread_local std::string line;
          options_.sink(FormatAccessLine(record, absl::Now(), line));
        }
        respond(std::move(response));
      });
}

}  // namespace mcp_oauth::gateway
