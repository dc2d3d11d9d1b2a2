// MetricsRoute: the local registry in the Prometheus text format, with
// counters read at every scrape, plus a remote service's registry read
// through its MetricsService (an in-process gRPC server here) under a
// `remote` label, and metrics_remote_up saying whether it could be read.
#include "gateway/metrics_route.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/grpc_metrics.h"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Scrapes `route` once; with remotes the answer comes on a gRPC thread.
HttpResponse Scrape(MetricsRoute& route) {
  auto answer = std::make_shared<std::promise<HttpResponse>>();
  std::future<HttpResponse> future = answer->get_future();
  HttpRequest request;
  request.method = "GET";
  request.target = request.path = "/metrics";
  request.request_id = "req-m";
  route.Handle(std::move(request), [answer](HttpResponse r) { answer->set_value(std::move(r)); });
  if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "no answer";
    return HttpResponse{};
  }
  return future.get();
}

std::string Header(const HttpResponse& response, const std::string& name) {
  for (const auto& [field, value] : response.headers) {
    if (field == name) return value;
  }
  return "";
}

// A remote process's registry behind MetricsService, reached in process.
class RemoteMetrics {
 public:
  RemoteMetrics() {
    grpc::ServerBuilder builder;
    service_ = metrics::EnableServerMetrics(builder, registry);
    server_ = builder.BuildAndStart();
  }
  ~RemoteMetrics() { server_->Shutdown(std::chrono::system_clock::now()); }

  std::shared_ptr<grpc::Channel> channel() {
    return server_->InProcessChannel(grpc::ChannelArguments());
  }

  metrics::Registry registry;

 private:
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

TEST(MetricsRouteTest, LocalRegistryInTextFormatWithCountersThatMove) {
  metrics::Counter& counter =
      metrics::DefaultRegistry()
          .CounterFamily("metrics_route_test_events_total", "Events counted by the test.", {"kind"})
          .WithLabels({"a"});
  counter.Increment(2);
  MetricsRoute route({});
  HttpResponse response = Scrape(route);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Header(response, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  EXPECT_THAT(response.body, HasSubstr("# HELP metrics_route_test_events_total Events counted by "
                                       "the test.\n# TYPE metrics_route_test_events_total "
                                       "counter\n"));
  EXPECT_THAT(response.body, HasSubstr("\nmetrics_route_test_events_total{kind=\"a\"} 2\n"));
  EXPECT_THAT(response.body, Not(HasSubstr("metrics_remote_up"))) << "no remotes configured";

  counter.Increment();
  EXPECT_THAT(Scrape(route).body, HasSubstr("\nmetrics_route_test_events_total{kind=\"a\"} 3\n"))
      << "each scrape reads the registry anew";
}

TEST(MetricsRouteTest, RemoteSeriesCarryTheRemoteLabel) {
  RemoteMetrics tools;
  metrics::Counter& remote_counter =
      tools.registry.CounterFamily("metrics_route_test_remote_total", "Counted remotely.", {})
          .WithLabels({});
  remote_counter.Increment(5);
  MetricsRoute route({{"tools", tools.channel()}});
  HttpResponse response = Scrape(route);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr("\nmetrics_route_test_remote_total{remote=\"tools\"} 5\n"));
  EXPECT_THAT(response.body, HasSubstr("\nmetrics_remote_up{remote=\"tools\"} 1\n"));
  EXPECT_THAT(response.body, Not(HasSubstr("\nmetrics_route_test_remote_total 5")))
      << "a remote series is never shown as a local one";

  remote_counter.Increment();
  EXPECT_THAT(Scrape(route).body,
              HasSubstr("\nmetrics_route_test_remote_total{remote=\"tools\"} 6\n"));
}

TEST(MetricsRouteTest, AnUnreachableRemoteIsDownAndTheScrapeStillSucceeds) {
  metrics::DefaultRegistry()
      .CounterFamily("metrics_route_test_local_total", "Counted locally.", {})
      .WithLabels({})
      .Increment();
  RemoteMetrics tools;
  tools.registry.CounterFamily("metrics_route_test_up_total", "Counted remotely.", {})
      .WithLabels({})
      .Increment();
  // Nothing listens on port 1: the call fails at once with UNAVAILABLE.
  MetricsRoute route(
      {{"auth", grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials())},
       {"tools", tools.channel()}});
  HttpResponse response = Scrape(route);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, HasSubstr("\nmetrics_remote_up{remote=\"auth\"} 0\n"));
  EXPECT_THAT(response.body, HasSubstr("\nmetrics_remote_up{remote=\"tools\"} 1\n"));
  EXPECT_THAT(response.body, HasSubstr("\nmetrics_route_test_local_total 1\n"));
  EXPECT_THAT(response.body, HasSubstr("\nmetrics_route_test_up_total{remote=\"tools\"} 1\n"));
}

}  // namespace
}  // namespace mcp_oauth::gateway
