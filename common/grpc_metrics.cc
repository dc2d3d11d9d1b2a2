#include "common/grpc_metrics.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/metrics_proto.h"
#include "google/protobuf/descriptor.h"
#include "proto/ops/v1/metrics.grpc.pb.h"

namespace mcp_oauth::metrics {
namespace {

namespace ops = ::mcp_oauth::ops::v1;
using grpc::experimental::InterceptionHookPoints;

// Canonical status code names, by code.
const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  int index = static_cast<int>(code);
  return index >= 0 && index < static_cast<int>(std::size(kNames)) ? kNames[index] : "UNKNOWN";
}

struct ServerFamilies {
  explicit ServerFamilies(Registry& registry)
      : handled(registry.CounterFamily("grpc_server_handled_total",
                                       "RPCs completed by this process's gRPC server, by method "
                                       "and status code.",
                                       {"method", "code"})),
        latency(registry.HistogramFamily(
            "grpc_server_handling_seconds",
            "Time from an RPC's arrival to its status at this process's gRPC server, by method.",
            {"method"})) {}
  Family<Counter>& handled;
  Family<Histogram>& latency;
};

// One method's label and series, looked up once per method rather than per
// RPC (ServerMethodLabel searches the descriptor pool; WithLabels builds its
// key). The series are made when first used, as WithLabels would.
class MethodSeries {
 public:
  MethodSeries(std::string label, ServerFamilies* families)
      : label_(std::move(label)), families_(families) {}

  const std::string& label() const { return label_; }
  Histogram& latency() const {
    return Cached(latency_, [&] { return &families_->latency.WithLabels({label_}); });
  }
  Counter& handled_ok() const {
    return Cached(handled_ok_, [&] { return &families_->handled.WithLabels({label_, "OK"}); });
  }

 private:
  template <typename T, typename Make>
  static T& Cached(std::atomic<T*>& slot, Make make) {
    T* series = slot.load(std::memory_order_acquire);
    if (series == nullptr) {
      series = make();  // WithLabels returns the same series to racing callers
      slot.store(series, std::memory_order_release);
    }
    return *series;
  }

  const std::string label_;
  ServerFamilies* const families_;
  mutable std::atomic<Histogram*> latency_{nullptr};
  mutable std::atomic<Counter*> handled_ok_{nullptr};
};

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(const MethodSeries* series, ServerFamilies* families)
      : series_(series), families_(families), started_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::StatusCode code = methods->GetSendStatus().error_code();
      if (code == grpc::StatusCode::OK) {
        series_->handled_ok().Increment();
      } else {
        families_->handled.WithLabels({series_->label(), CodeName(code)}).Increment();
      }
      series_->latency().Observe(absl::ToDoubleSeconds(absl::Now() - started_));
    }
    methods->Proceed();
  }

 private:
  const MethodSeries* const series_;  // owned by the factory
  ServerFamilies* const families_;
  const absl::Time started_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(Registry& registry)
      : families_(registry), other_("other", &families_) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(SeriesOf(info->method()), &families_);
  }

 private:
  // Only methods this binary knows are kept: other paths are the client's
  // choice, and all share `other_`.
  const MethodSeries* SeriesOf(const char* path) {
    if (path == nullptr) return &other_;
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = known_.find(absl::string_view(path)); it != known_.end())
        return it->second.get();
    }
    std::string label = ServerMethodLabel(path);
    if (label == "other") return &other_;
    absl::MutexLock lock(&mu_);
    std::unique_ptr<MethodSeries>& slot = known_[path];
    if (slot == nullptr) slot = std::make_unique<MethodSeries>(std::move(label), &families_);
    return slot.get();
  }

  ServerFamilies families_;
  const MethodSeries other_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>> known_ ABSL_GUARDED_BY(mu_);
};

// ops.v1.MetricsService over one registry. This class is thread safe.
class MetricsServiceImpl final : public ops::MetricsService::CallbackService {
 public:
  explicit MetricsServiceImpl(Registry& registry) : registry_(registry) {}

  grpc::ServerUnaryReactor* GetMetrics(grpc::CallbackServerContext* context,
                                       const ops::GetMetricsRequest* request,
                                       ops::GetMetricsResponse* response) override {
    std::vector<FamilySnapshot> families = registry_.Collect();
    if (request->name_prefixes_size() > 0) {
      std::vector<FamilySnapshot> kept;
      for (FamilySnapshot& family : families) {
        for (const std::string& prefix : request->name_prefixes()) {
          if (absl::StartsWith(family.name, prefix)) {
            kept.push_back(std::move(family));
            break;
          }
        }
      }
      families = std::move(kept);
    }
    response->set_prometheus_text(RenderText(families));
    for (const FamilySnapshot& family : families) *response->add_families() = ToProto(family);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  Registry& registry_;
};

}  // namespace

std::string ServerMethodLabel(const char* path) {
  if (path == nullptr) return "other";
  // "/pkg.Service/Method": the descriptor "pkg.Service.Method" must exist
  // (the wire path of an unknown method is the caller's choice).
  absl::string_view full(path);
  if (!absl::ConsumePrefix(&full, "/")) return "other";
  size_t slash = full.find('/');
  if (slash == absl::string_view::npos) return "other";
  absl::string_view service = full.substr(0, slash);
  absl::string_view method = full.substr(slash + 1);
  // The default health service is built without the generated descriptors.
  bool known = service == "grpc.health.v1.Health" && (method == "Check" || method == "Watch");
  if (!known) {
    known = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
                absl::StrCat(service, ".", method)) != nullptr;
  }
  if (!known) return "other";
  size_t dot = service.rfind('.');
  absl::string_view short_service =
      dot == absl::string_view::npos ? service : service.substr(dot + 1);
  return absl::StrCat(short_service, "/", method);
}

std::unique_ptr<grpc::Service> EnableServerMetrics(grpc::ServerBuilder& builder,
                                                   Registry& registry) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<MetricsInterceptorFactory>(registry));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  auto service = std::make_unique<MetricsServiceImpl>(registry);
  builder.RegisterService(service.get());
  return service;
}

MultiplexedCallMetrics::MultiplexedCallMetrics(const std::string& method, Registry& registry)
    : method_(method),
      handled_(ServerFamilies(registry).handled),
      handled_ok_(handled_.WithLabels({method_, "OK"})),
      latency_(ServerFamilies(registry).latency.WithLabels({method_})) {}

void MultiplexedCallMetrics::Record(grpc::StatusCode code, absl::Duration elapsed) const {
  if (code == grpc::StatusCode::OK) {
    handled_ok_.Increment();
  } else {
    handled_.WithLabels({method_, CodeName(code)}).Increment();
  }
  latency_.Observe(absl::ToDoubleSeconds(elapsed));
}

}  // namespace mcp_oauth::metrics
