// A small Prometheus metrics registry: counters, gauges and histograms with
// fixed buckets, each as a family of label values, rendered in the Prometheus
// text exposition format (0.0.4). Debian has no prometheus-cpp.
//
// Hot path: recording is lock-free (atomics). Looking up a label combination
// takes a reader lock on its family; callers on very hot paths may keep the
// returned reference, which stays valid for the registry's lifetime.
// Families are created at startup or lazily; creating the same name twice
// returns the existing family (the help text and labels must match).
//
// Label values must come from bounded sets (route templates, status codes,
// grant types): every distinct combination lives until the process exits.
//
// This class is thread safe.
#ifndef MCP_OAUTH_COMMON_METRICS_H_
#define MCP_OAUTH_COMMON_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace mcp_oauth::metrics {

// A monotonically increasing value.
class Counter {
 public:
  void Increment(double amount = 1);
  double value() const;

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double value);
  void Add(double amount);
  double value() const;

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed cumulative buckets (upper bounds).
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double value);

  // A consistent-enough copy for rendering (buckets are not cumulative here).
  struct Snapshot {
    std::vector<uint64_t> bucket_counts;  // one per bound, then +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double>* bounds_;  // owned by the family
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 1 ms .. 10 s.
const std::vector<double>& DefaultLatencyBuckets();

// A copy of one metric family's values, for rendering or sending elsewhere
// (ops.v1.MetricsService). Labels are in the family's label order.
struct FamilySnapshot {
  enum class Type { kCounter, kGauge, kHistogram };
  using Labels = std::vector<std::pair<std::string, std::string>>;
  struct Value {  // counters and gauges
    Labels labels;
    double value = 0;
  };
  struct HistogramValue {
    Labels labels;
    // (upper bound, cumulative count) per bucket; the last bound is +Inf.
    std::vector<std::pair<double, uint64_t>> buckets;
    uint64_t count = 0;
    double sum = 0;
  };
  std::string name;
  std::string help;
  Type type = Type::kCounter;
  std::vector<Value> values;               // counters and gauges
  std::vector<HistogramValue> histograms;  // histograms
};

// Returns `families` in the Prometheus text format, in the given order.
std::string RenderText(const std::vector<FamilySnapshot>& families);

// Adds `remote`'s families to `local` (both sorted by name; so is the
// result), each remote sample with one more label `label_name`=`label_value`
// (e.g. remote="auth"), so that a series counted in another process stays
// distinct from a local one of the same name (no label is added when
// `label_name` is empty). A remote family whose type differs from the local
// family of that name is dropped.
std::vector<FamilySnapshot> MergeFamilies(std::vector<FamilySnapshot> local,
                                          const std::vector<FamilySnapshot>& remote,
                                          const std::string& label_name,
                                          const std::string& label_value);

class Registry;

// All series of one metric name, keyed by label values (in `label_names`
// order). References returned by WithLabels stay valid while the registry
// lives.
template <typename T>
class Family {
 public:
  T& WithLabels(const std::vector<std::string>& values);

 private:
  friend class Registry;
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;  // histograms only
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_ ABSL_GUARDED_BY(mu_);
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Family<Counter>& CounterFamily(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names = {});
  Family<Gauge>& GaugeFamily(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names = {});
  Family<Histogram>& HistogramFamily(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds = DefaultLatencyBuckets());
  // A gauge without labels whose value is read from `read` at render time
  // (e.g. the size of a table owned elsewhere). Replaces an earlier callback
  // of the same name, so that a restarted component can re-register.
  void GaugeCallback(const std::string& name, const std::string& help,
                     std::function<double()> read);

  // Returns a copy of every metric family, sorted by name.
  std::vector<FamilySnapshot> Collect() const;

  // Returns every metric in the Prometheus text format, sorted by name.
  std::string Render() const { return RenderText(Collect()); }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Family<Counter>>> counters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_ ABSL_GUARDED_BY(mu_);
  struct Callback {
    std::string help;
    std::function<double()> read;
  };
  std::map<std::string, Callback> callbacks_ ABSL_GUARDED_BY(mu_);
};

// The process-wide registry: the gateway, the in-process AuthService and the
// gRPC client helpers all record here, and GET /metrics renders it.
Registry& DefaultRegistry();

// grpc_client_call_duration_seconds{method}: the latency of every gRPC call the
// gateway makes (AuthService, ToolService, health), in DefaultRegistry().
Family<Histogram>& GrpcClientLatency();

}  // namespace mcp_oauth::metrics

#endif  // MCP_OAUTH_COMMON_METRICS_H_
