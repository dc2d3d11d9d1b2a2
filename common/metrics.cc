#include "common/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace mcp_oauth::metrics {
namespace {

void AtomicAdd(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
  }
}

// Integers print exactly; other values with enough digits to read back.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<int64_t>(value));
  }
  // The shortest of %.15g and %.17g that reads back as the same double.
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.15g", value);
  if (std::strtod(buffer, nullptr) != value) std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string EscapeHelp(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

// `{a="x",b="y"}` (plus `extra`, e.g. le="0.5"), or "" without labels.
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra = "") {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    absl::StrAppend(&out, out.empty() ? "" : ",", names[i], "=\"", EscapeLabelValue(values[i]),
                    "\"");
  }
  if (!extra.empty()) absl::StrAppend(&out, out.empty() ? "" : ",", extra);
  return out.empty() ? out : "{" + out + "}";
}

void AppendHeader(std::string* out, const std::string& name, const std::string& help,
                  const char* type) {
  absl::StrAppend(out, "# HELP ", name, " ", EscapeHelp(help), "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

void Counter::Increment(double amount) {
  if (amount > 0) AtomicAdd(value_, amount);
}
double Counter::value() const { return value_.load(std::memory_order_relaxed); }

void Gauge::Set(double value) { value_.store(value, std::memory_order_relaxed); }
void Gauge::Add(double amount) { AtomicAdd(value_, amount); }
double Gauge::value() const { return value_.load(std::memory_order_relaxed); }

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_->size() && value > (*bounds_)[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, value);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    snapshot.bucket_counts.push_back(buckets_[i].load(std::memory_order_relaxed));
    snapshot.count += snapshot.bucket_counts.back();
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

const std::vector<double>& DefaultLatencyBuckets() {
  static const auto* buckets = new std::vector<double>{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

template <typename T>
T& Family<T>::WithLabels(const std::vector<std::string>& values) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
  }
  absl::MutexLock lock(&mu_);
  auto& slot = series_[values];
  if (!slot) {
    if constexpr (std::is_same_v<T, Histogram>) {
      slot = std::make_unique<Histogram>(&bounds_);
    } else {
      slot = std::make_unique<T>();
    }
  }
  return *slot;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Family<Counter>& Registry::CounterFamily(const std::string& name, const std::string& help,
                                         std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  auto& slot = counters_[name];
  if (!slot) slot.reset(new Family<Counter>(name, help, std::move(label_names)));
  return *slot;
}

Family<Gauge>& Registry::GaugeFamily(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  auto& slot = gauges_[name];
  if (!slot) slot.reset(new Family<Gauge>(name, help, std::move(label_names)));
  return *slot;
}

Family<Histogram>& Registry::HistogramFamily(const std::string& name, const std::string& help,
                                             std::vector<std::string> label_names,
                                             std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  auto& slot = histograms_[name];
  if (!slot) {
    slot.reset(new Family<Histogram>(name, help, std::move(label_names), std::move(bounds)));
  }
  return *slot;
}

void Registry::GaugeCallback(const std::string& name, const std::string& help,
                             std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  callbacks_[name] = Callback{help, std::move(read)};
}

std::string Registry::Render() const {
  // Each metric's text, keyed by name so that the output is sorted.
  std::map<std::string, std::string> blocks;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [name, family] : counters_) {
    std::string& out = blocks[name];
    AppendHeader(&out, name, family->help_, "counter");
    absl::ReaderMutexLock family_lock(&family->mu_);
    for (const auto& [values, counter] : family->series_) {
      absl::StrAppend(&out, name, LabelText(family->label_names_, values), " ",
                      FormatValue(counter->value()), "\n");
    }
  }
  for (const auto& [name, family] : gauges_) {
    std::string& out = blocks[name];
    AppendHeader(&out, name, family->help_, "gauge");
    absl::ReaderMutexLock family_lock(&family->mu_);
    for (const auto& [values, gauge] : family->series_) {
      absl::StrAppend(&out, name, LabelText(family->label_names_, values), " ",
                      FormatValue(gauge->value()), "\n");
    }
  }
  for (const auto& [name, callback] : callbacks_) {
    std::string& out = blocks[name];
    AppendHeader(&out, name, callback.help, "gauge");
    absl::StrAppend(&out, name, " ", FormatValue(callback.read ? callback.read() : 0), "\n");
  }
  for (const auto& [name, family] : histograms_) {
    std::string& out = blocks[name];
    AppendHeader(&out, name, family->help_, "histogram");
    absl::ReaderMutexLock family_lock(&family->mu_);
    for (const auto& [values, histogram] : family->series_) {
      Histogram::Snapshot snapshot = histogram->Read();
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= family->bounds_.size(); ++i) {
        cumulative += snapshot.bucket_counts[i];
        std::string le = i < family->bounds_.size() ? absl::StrCat(family->bounds_[i]) : "+Inf";
        absl::StrAppend(&out, name, "_bucket",
                        LabelText(family->label_names_, values, "le=\"" + le + "\""), " ",
                        cumulative, "\n");
      }
      std::string labels = LabelText(family->label_names_, values);
      absl::StrAppend(&out, name, "_sum", labels, " ", FormatValue(snapshot.sum), "\n", name,
                      "_count", labels, " ", cumulative, "\n");
    }
  }
  std::string text;
  for (const auto& [name, block] : blocks) text += block;
  return text;
}

Registry& DefaultRegistry() {
  static auto* registry = new Registry();
  return *registry;
}

Family<Histogram>& GrpcClientLatency() {
  static auto& family = DefaultRegistry().HistogramFamily(
      "grpc_client_call_duration_seconds", "Latency of gRPC calls made by the gateway, by method.",
      {"method"});
  return family;
}

}  // namespace mcp_oauth::metrics
