#include "common/grpc_metrics.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "common/metrics_proto.h"
#include "proto/ops/v1/metrics.grpc.pb.h"

namespace mcp_oauth::metrics {
namespace {

namespace ops = ::mcp_oauth::ops::v1;
using grpc::experimental::InterceptionHookPoints;

// Canonical status code names, by code.
const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {
      "OK",        "CANCELLED",         "UNKNOWN",           "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",    "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",      "UNAVAILABLE",       "DATA_LOSS",
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

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(std::string method, ServerFamilies* families)
      : method_(std::move(method)), families_(families), started_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      families_->handled.WithLabels({method_, CodeName(methods->GetSendStatus().error_code())})
          .Increment();
      families_->latency.WithLabels({method_}).Observe(
          absl::ToDoubleSeconds(absl::Now() - started_));
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  ServerFamilies* const families_;
  const absl::Time started_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(Registry& registry) : families_(registry) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(ServerMethodLabel(info->method()), &families_);
  }

 private:
  ServerFamilies families_;
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
  absl::string_view short_service = dot == absl::string_view::npos ? service : service.substr(dot + 1);
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

}  // namespace mcp_oauth::metrics
