#include "common/grpc_metrics.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "common/metrics.h"
#include "common/metrics_proto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/ops/v1/metrics.grpc.pb.h"

namespace mcp_oauth::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace ops = ::mcp_oauth::ops::v1;

// A server with only MetricsService, over a private registry.
class GrpcMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.CounterFamily("oauth_token_grants_total", "Grants.", {"grant_type"})
        .WithLabels({"client_credentials"})
        .Increment(2);
    registry_.GaugeFamily("mcp_open_sse_streams", "Streams.").WithLabels({}).Set(1);
    grpc::ServerBuilder builder;
    service_ = EnableServerMetrics(builder, registry_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    stub_ = ops::MetricsService::NewStub(channel_);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  ops::GetMetricsResponse Get(const ops::GetMetricsRequest& request = {}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ops::GetMetricsResponse response;
    grpc::Status status = stub_->GetMetrics(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  const ops::MetricFamily* Find(const ops::GetMetricsResponse& response, const std::string& name) {
    for (const auto& family : response.families()) {
      if (family.name() == name) return &family;
    }
    return nullptr;
  }

  Registry registry_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ops::MetricsService::Stub> stub_;
};

TEST_F(GrpcMetricsTest, ReturnsTheRegistryAsTextAndFamilies) {
  ops::GetMetricsResponse response = Get();
  EXPECT_THAT(response.prometheus_text(),
              HasSubstr("oauth_token_grants_total{grant_type=\"client_credentials\"} 2\n"));
  const ops::MetricFamily* grants = Find(response, "oauth_token_grants_total");
  ASSERT_NE(grants, nullptr);
  EXPECT_EQ(grants->type(), ops::MetricFamily::COUNTER);
  ASSERT_EQ(grants->samples_size(), 1);
  EXPECT_EQ(grants->samples(0).value(), 2);
  ASSERT_EQ(grants->samples(0).labels_size(), 1);
  EXPECT_EQ(grants->samples(0).labels(0).name(), "grant_type");
  EXPECT_EQ(grants->samples(0).labels(0).value(), "client_credentials");
  const ops::MetricFamily* streams = Find(response, "mcp_open_sse_streams");
  ASSERT_NE(streams, nullptr);
  EXPECT_EQ(streams->type(), ops::MetricFamily::GAUGE);
}

TEST_F(GrpcMetricsTest, CountsTheRpcsItServes) {
  Get();  // counted when its status is sent
  ops::GetMetricsResponse response = Get();
  EXPECT_THAT(response.prometheus_text(),
              HasSubstr("grpc_server_handled_total{method=\"MetricsService/GetMetrics\","
                        "code=\"OK\"} 1\n"));
  const ops::MetricFamily* latency = Find(response, "grpc_server_handling_seconds");
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->type(), ops::MetricFamily::HISTOGRAM);
  ASSERT_EQ(latency->histograms_size(), 1);
  EXPECT_EQ(latency->histograms(0).count(), 1);
  EXPECT_TRUE(std::isinf(latency->histograms(0).buckets().rbegin()->upper_bound()));
  EXPECT_EQ(latency->histograms(0).buckets().rbegin()->cumulative_count(), 1);
}

TEST_F(GrpcMetricsTest, FiltersByNamePrefix) {
  ops::GetMetricsRequest request;
  request.add_name_prefixes("oauth_");
  ops::GetMetricsResponse response = Get(request);
  ASSERT_EQ(response.families_size(), 1);
  EXPECT_EQ(response.families(0).name(), "oauth_token_grants_total");
  EXPECT_THAT(response.prometheus_text(), Not(HasSubstr("mcp_open_sse_streams")));
}

TEST_F(GrpcMetricsTest, UnknownMethodsShareOneLabel) {
  grpc::GenericStub generic(channel_);
  for (const char* path : {"/evil.Service/A", "/evil.Service/B"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1), response;
    grpc::Status result;
    bool done = false;
    std::mutex mu;
    std::condition_variable cv;
    generic.UnaryCall(&context, path, grpc::StubOptions(), &request, &response,
                      [&](grpc::Status status) {
                        std::lock_guard<std::mutex> lock(mu);
                        result = status;
                        done = true;
                        cv.notify_one();
                      });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    EXPECT_EQ(result.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  std::string text = Get().prometheus_text();
  EXPECT_THAT(text, Not(HasSubstr("evil")));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{method=\"other\",code=\"UNIMPLEMENTED\"} 2\n"));
}

TEST(MetricsProtoTest, FromProtoInvertsToProto) {
  Registry registry;
  registry.CounterFamily("c_total", "C.", {"a", "b"}).WithLabels({"1", "2"}).Increment(4);
  registry.GaugeCallback("g", "G.", [] { return 7; });
  registry.HistogramFamily("h_seconds", "H.", {"m"}, {0.5, 2}).WithLabels({"x"}).Observe(1);
  std::vector<FamilySnapshot> families = registry.Collect();
  std::vector<FamilySnapshot> round_trip;
  for (const FamilySnapshot& family : families) round_trip.push_back(FromProto(ToProto(family)));
  EXPECT_EQ(RenderText(round_trip), RenderText(families));
  ASSERT_EQ(round_trip.size(), 3u);
  EXPECT_EQ(round_trip[2].type, FamilySnapshot::Type::kHistogram);
  EXPECT_EQ(round_trip[2].histograms[0].sum, 1);
}

TEST(ServerMethodLabelTest, KnownMethodsAreShortOthersAreOther) {
  EXPECT_EQ(ServerMethodLabel("/mcp_oauth.ops.v1.MetricsService/GetMetrics"),
            "MetricsService/GetMetrics");
  EXPECT_EQ(ServerMethodLabel("/grpc.health.v1.Health/Check"), "Health/Check");
  EXPECT_EQ(ServerMethodLabel("/mcp_oauth.ops.v1.MetricsService/Nope"), "other");
  EXPECT_EQ(ServerMethodLabel("/x.Y/Z"), "other");
  EXPECT_EQ(ServerMethodLabel("garbage"), "other");
  EXPECT_EQ(ServerMethodLabel(nullptr), "other");
}

}  // namespace
}  // namespace mcp_oauth::metrics
