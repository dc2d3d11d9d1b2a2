#include "common/metrics.h"

#include <cmath>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mcp_oauth::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, CountersRenderWithLabelsAndHelp) {
  Registry registry;
  auto& requests = registry.CounterFamily("http_requests_total", "Requests.", {"route", "status"});
  requests.WithLabels({"/token", "200"}).Increment();
  requests.WithLabels({"/token", "200"}).Increment(2);
  requests.WithLabels({"/token", "400"}).Increment();
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# HELP http_requests_total Requests.\n"
                              "# TYPE http_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"/token\",status=\"200\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"/token\",status=\"400\"} 1\n"));
}

TEST(MetricsTest, CountersNeverDecrease) {
  Registry registry;
  Counter& counter = registry.CounterFamily("c_total", "c").WithLabels({});
  counter.Increment(5);
  counter.Increment(-3);
  EXPECT_EQ(counter.value(), 5);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Registry registry;
  registry.CounterFamily("x_total", "x", {"v"}).WithLabels({"a\"b\\c\nd"}).Increment();
  EXPECT_THAT(registry.Render(), HasSubstr("x_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

TEST(MetricsTest, GaugesAndCallbacks) {
  Registry registry;
  Gauge& gauge = registry.GaugeFamily("open_streams", "Open streams.").WithLabels({});
  gauge.Add(3);
  gauge.Add(-1);
  int sessions = 7;
  registry.GaugeCallback("active_sessions", "Sessions.", [&] { return sessions; });
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE open_streams gauge\nopen_streams 2\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE active_sessions gauge\nactive_sessions 7\n"));
  sessions = 4;
  EXPECT_THAT(registry.Render(), HasSubstr("active_sessions 4\n"));
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry registry;
  auto& latency = registry.HistogramFamily("lat_seconds", "Latency.", {"route"}, {0.1, 1});
  Histogram& h = latency.WithLabels({"/mcp"});
  h.Observe(0.05);
  h.Observe(0.1);  // on the bound: counts in that bucket (le = less or equal)
  h.Observe(0.5);
  h.Observe(3);
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE lat_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{route=\"/mcp\",le=\"0.1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{route=\"/mcp\",le=\"1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{route=\"/mcp\",le=\"+Inf\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_sum{route=\"/mcp\"} 3.65"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_count{route=\"/mcp\"} 4\n"));
}

TEST(MetricsTest, OutputIsSortedByName) {
  Registry registry;
  registry.CounterFamily("b_total", "b").WithLabels({}).Increment();
  registry.GaugeFamily("a_gauge", "a").WithLabels({}).Set(1);
  std::string text = registry.Render();
  EXPECT_LT(text.find("a_gauge"), text.find("b_total"));
}

TEST(MetricsTest, SameNameReturnsSameFamily) {
  Registry registry;
  registry.CounterFamily("same_total", "s", {"k"}).WithLabels({"v"}).Increment();
  registry.CounterFamily("same_total", "s", {"k"}).WithLabels({"v"}).Increment();
  EXPECT_THAT(registry.Render(), HasSubstr("same_total{k=\"v\"} 2\n"));
  EXPECT_THAT(registry.Render(), Not(HasSubstr("same_total{k=\"v\"} 1\n")));
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  Registry registry;
  auto& family = registry.CounterFamily("n_total", "n", {"t"});
  auto& histograms = registry.HistogramFamily("h_seconds", "h", {}, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        family.WithLabels({t % 2 == 0 ? "even" : "odd"}).Increment();
        histograms.WithLabels({}).Observe(0.5);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(family.WithLabels({"even"}).value(), 20000);
  EXPECT_EQ(family.WithLabels({"odd"}).value(), 20000);
  EXPECT_EQ(histograms.WithLabels({}).Read().count, 40000u);
  EXPECT_THAT(registry.Render(), HasSubstr("h_seconds_sum 20000\n"));
}

TEST(MetricsTest, CollectCopiesEveryFamilyInOrder) {
  Registry registry;
  registry.CounterFamily("b_total", "B.", {"k"}).WithLabels({"v"}).Increment(3);
  registry.GaugeCallback("a_live", "A.", [] { return 5; });
  registry.HistogramFamily("c_seconds", "C.", {}, {1}).WithLabels({}).Observe(2);
  std::vector<FamilySnapshot> families = registry.Collect();
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "a_live");
  EXPECT_EQ(families[0].type, FamilySnapshot::Type::kGauge);
  ASSERT_EQ(families[0].values.size(), 1u);
  EXPECT_EQ(families[0].values[0].value, 5);
  EXPECT_EQ(families[1].name, "b_total");
  EXPECT_EQ(families[1].help, "B.");
  ASSERT_EQ(families[1].values.size(), 1u);
  EXPECT_EQ(families[1].values[0].labels, (FamilySnapshot::Labels{{"k", "v"}}));
  EXPECT_EQ(families[1].values[0].value, 3);
  EXPECT_EQ(families[2].type, FamilySnapshot::Type::kHistogram);
  ASSERT_EQ(families[2].histograms.size(), 1u);
  const auto& h = families[2].histograms[0];
  ASSERT_EQ(h.buckets.size(), 2u);
  EXPECT_EQ(h.buckets[0], (std::pair<double, uint64_t>{1, 0}));
  EXPECT_TRUE(std::isinf(h.buckets[1].first));
  EXPECT_EQ(h.buckets[1].second, 1u);
  EXPECT_EQ(h.count, 1u);
  EXPECT_EQ(h.sum, 2);
  // Render is the text of exactly these families.
  EXPECT_EQ(registry.Render(), RenderText(families));
}

TEST(MetricsTest, MergeFamiliesLabelsRemoteSeries) {
  Registry local;
  local.CounterFamily("grpc_server_handled_total", "Handled.", {"method"})
      .WithLabels({"ToolService/CallTool"})
      .Increment();
  local.GaugeFamily("clash", "Local gauge.").WithLabels({}).Set(1);
  Registry remote;
  remote.CounterFamily("grpc_server_handled_total", "Handled.", {"method"})
      .WithLabels({"AuthService/Token"})
      .Increment(2);
  remote.CounterFamily("oauth_token_grants_total", "Grants.", {"grant_type"})
      .WithLabels({"refresh_token"})
      .Increment(3);
  remote.CounterFamily("clash", "Remote counter.").WithLabels({}).Increment();
  remote.HistogramFamily("h_seconds", "H.", {}, {1}).WithLabels({}).Observe(0.5);
  std::string text = RenderText(MergeFamilies(local.Collect(), remote.Collect(), "remote", "auth"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{method=\"ToolService/CallTool\"} 1\n"
                              "grpc_server_handled_total{method=\"AuthService/Token\","
                              "remote=\"auth\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("oauth_token_grants_total{grant_type=\"refresh_token\","
                              "remote=\"auth\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("h_seconds_bucket{remote=\"auth\",le=\"1\"} 1\n"));
  // A family whose type differs keeps the local one only.
  EXPECT_THAT(text, HasSubstr("# TYPE clash gauge\nclash 1\n# HELP"));
  // Still sorted by name.
  EXPECT_LT(text.find("# TYPE clash"), text.find("# TYPE grpc_server_handled_total"));
  EXPECT_LT(text.find("# TYPE h_seconds"), text.find("# TYPE oauth_token_grants_total"));
}

}  // namespace
}  // namespace mcp_oauth::metrics
