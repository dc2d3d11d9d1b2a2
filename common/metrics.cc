#include "common/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
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
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

std::string EscapeHelp(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

// `{a="x",b="y"}` (plus `extra`, e.g. le="0.5"), or "" without labels.
std::string LabelText(const FamilySnapshot::Labels& labels, const std::string& extra = "") {
  std::string out;
  for (const auto& [name, value] : labels) {
    absl::StrAppend(&out, out.empty() ? "" : ",", name, "=\"", EscapeLabelValue(value), "\"");
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
  static const auto* buckets = new std::vector<double>{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                       0.25,  0.5,    1,     2.5,  5,     10};
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

namespace {

FamilySnapshot::Labels ZipLabels(const std::vector<std::string>& names,
                                 const std::vector<std::string>& values) {
  FamilySnapshot::Labels labels;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    labels.emplace_back(names[i], values[i]);
  }
  return labels;
}

}  // namespace

std::vector<FamilySnapshot> Registry::Collect() const {
  // Keyed by name so that the result is sorted.
  std::map<std::string, FamilySnapshot> families;
  absl::ReaderMutexLock lock(&mu_);
  auto start = [&families](const std::string& name, const std::string& help,
                           FamilySnapshot::Type type) -> FamilySnapshot& {
    FamilySnapshot& family = families[name];
    family.name = name;
    family.help = help;
    family.type = type;
    return family;
  };
  for (const auto& [name, family] : counters_) {
    FamilySnapshot& out = start(name, family->help_, FamilySnapshot::Type::kCounter);
    absl::ReaderMutexLock family_lock(&family->mu_);
    for (const auto& [values, counter] : family->series_) {
      out.values.push_back({ZipLabels(family->label_names_, values), counter->value()});
    }
  }
  for (const auto& [name, family] : gauges_) {
    FamilySnapshot& out = start(name, family->help_, FamilySnapshot::Type::kGauge);
    absl::ReaderMutexLock family_lock(&family->mu_);
    for (const auto& [values, gauge] : family->series_) {
      out.values.push_back({ZipLabels(family->label_names_, values), gauge->value()});
    }
  }
  for (const auto& [name, callback] : callbacks_) {
    FamilySnapshot& out = start(name, callback.help, FamilySnapshot::Type::kGauge);
    out.values.push_back({{}, callback.read ? callback.read() : 0});
  }
  for (const auto& [name, family] : histograms_) {
    FamilySnapshot& out = start(name, family->help_, FamilySnapshot::Type::kHistogram);
    absl::ReaderMutexLock family_lock(&family->mu_);
    for (const auto& [values, histogram] : family->series_) {
      Histogram::Snapshot snapshot = histogram->Read();
      FamilySnapshot::HistogramValue value;
      value.labels = ZipLabels(family->label_names_, values);
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= family->bounds_.size(); ++i) {
        cumulative += snapshot.bucket_counts[i];
        value.buckets.emplace_back(i < family->bounds_.size()
                                       ? family->bounds_[i]
                                       : std::numeric_limits<double>::infinity(),
                                   cumulative);
      }
      value.count = cumulative;
      value.sum = snapshot.sum;
      out.histograms.push_back(std::move(value));
    }
  }
  std::vector<FamilySnapshot> result;
  result.reserve(families.size());
  for (auto& [name, family] : families) result.push_back(std::move(family));
  return result;
}

std::string RenderText(const std::vector<FamilySnapshot>& families) {
  static constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};
  std::string out;
  for (const FamilySnapshot& family : families) {
    AppendHeader(&out, family.name, family.help, kTypeNames[static_cast<int>(family.type)]);
    for (const FamilySnapshot::Value& value : family.values) {
      absl::StrAppend(&out, family.name, LabelText(value.labels), " ", FormatValue(value.value),
                      "\n");
    }
    for (const FamilySnapshot::HistogramValue& value : family.histograms) {
      for (const auto& [bound, cumulative] : value.buckets) {
        std::string le = std::isinf(bound) ? "+Inf" : absl::StrCat(bound);
        absl::StrAppend(&out, family.name, "_bucket", LabelText(value.labels, "le=\"" + le + "\""),
                        " ", cumulative, "\n");
      }
      std::string labels = LabelText(value.labels);
      absl::StrAppend(&out, family.name, "_sum", labels, " ", FormatValue(value.sum), "\n",
                      family.name, "_count", labels, " ", value.count, "\n");
    }
  }
  return out;
}

std::vector<FamilySnapshot> MergeFamilies(std::vector<FamilySnapshot> local,
                                          const std::vector<FamilySnapshot>& remote,
                                          const std::string& label_name,
                                          const std::string& label_value) {
  std::map<std::string, FamilySnapshot> merged;
  for (FamilySnapshot& family : local) {
    std::string name = family.name;
    merged.emplace(std::move(name), std::move(family));
  }
  for (const FamilySnapshot& family : remote) {
    auto [it, inserted] = merged.try_emplace(family.name);
    FamilySnapshot& out = it->second;
    if (inserted) {
      out.name = family.name;
      out.help = family.help;
      out.type = family.type;
    } else if (out.type != family.type) {
      continue;
    }
    for (FamilySnapshot::Value value : family.values) {
      if (!label_name.empty()) value.labels.emplace_back(label_name, label_value);
      out.values.push_back(std::move(value));
    }
    for (FamilySnapshot::HistogramValue value : family.histograms) {
      if (!label_name.empty()) value.labels.emplace_back(label_name, label_value);
      out.histograms.push_back(std::move(value));
    }
  }
  std::vector<FamilySnapshot> result;
  result.reserve(merged.size());
  for (auto& [name, family] : merged) result.push_back(std::move(family));
  return result;
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
