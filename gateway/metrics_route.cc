#include "gateway/metrics_route.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <mutex>
#include <utility>

#include "common/metrics.h"
#include "common/metrics_proto.h"
#include "gateway/grpc_call.h"
#include "proto/ops/v1/metrics.grpc.pb.h"

namespace mcp_oauth::gateway {
namespace {

using ops::v1::GetMetricsRequest;
using ops::v1::GetMetricsResponse;
using ops::v1::MetricsService;

constexpr std::chrono::milliseconds kRemoteDeadline{2000};

HttpResponse MetricsResponse(const std::vector<metrics::FamilySnapshot>& families) {
  HttpResponse response =
      MakeResponse(200, "text/plain; version=0.0.4; charset=utf-8", metrics::RenderText(families));
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

// Collects the remote answers; responds once all arrived.
struct PendingScrape {
  std::mutex mutex;
  size_t remaining = 0;
  std::vector<std::pair<std::string, std::vector<metrics::FamilySnapshot>>> answers;
  std::vector<std::pair<std::string, bool>> up;
  Responder respond;

  void Done(const std::string& label, bool ok, std::vector<metrics::FamilySnapshot> families) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      up.emplace_back(label, ok);
      if (ok) answers.emplace_back(label, std::move(families));
      if (--remaining != 0) return;
    }
    // The last answer: no other thread touches this object any more.
    std::vector<metrics::FamilySnapshot> merged = metrics::DefaultRegistry().Collect();
    for (const auto& [remote_label, remote_families] : answers) {
      merged = metrics::MergeFamilies(std::move(merged), remote_families, "remote", remote_label);
    }
    metrics::FamilySnapshot up_family;
    up_family.name = "metrics_remote_up";
    up_family.help = "1 when the remote service's metrics were read for this scrape, else 0.";
    up_family.type = metrics::FamilySnapshot::Type::kGauge;
    for (const auto& [remote_label, ok] : up) {
      up_family.values.push_back({{{"remote", remote_label}}, ok ? 1.0 : 0.0});
    }
    merged = metrics::MergeFamilies(std::move(merged), {up_family}, "", "");
    respond(MetricsResponse(merged));
  }
};

}  // namespace

struct MetricsRoute::Remote {
  std::string label;
  std::unique_ptr<MetricsService::Stub> stub;
};

MetricsRoute::MetricsRoute(std::vector<RemoteMetricsSource> remotes) {
  for (RemoteMetricsSource& source : remotes) {
    remotes_.push_back(std::make_unique<Remote>(
        Remote{std::move(source.label), MetricsService::NewStub(source.channel)}));
  }
}

MetricsRoute::~MetricsRoute() = default;

void MetricsRoute::Handle(HttpRequest request, Responder respond) {
  if (remotes_.empty()) {
    respond(MetricsResponse(metrics::DefaultRegistry().Collect()));
    return;
  }
  auto pending = std::make_shared<PendingScrape>();
  pending->remaining = remotes_.size();
  pending->respond = std::move(respond);
  for (const auto& remote : remotes_) {
    MetricsService::Stub* stub = remote->stub.get();
    StartUnaryCall<GetMetricsRequest, GetMetricsResponse>(
        "MetricsService/GetMetrics", request.request_id,
        [stub](auto... args) { stub->async()->GetMetrics(args...); }, GetMetricsRequest(),
        [pending, label = remote->label](const grpc::Status& status, GetMetricsResponse& response) {
          std::vector<metrics::FamilySnapshot> families;
          if (status.ok()) {
            for (const auto& family : response.families()) {
              families.push_back(metrics::FromProto(family));
            }
          }
          pending->Done(label, status.ok(), std::move(families));
        },
        kRemoteDeadline);
  }
}

}  // namespace mcp_oauth::gateway
