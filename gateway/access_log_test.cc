#include "gateway/access_log.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Answers every request with `status`, remembering what it received.
class FakeHandler : public HttpHandler {
 public:
  void Handle(HttpRequest request, Responder respond) override {
    received.push_back(request);
    HttpResponse response = JsonResponse(status, "{}");
    response.log_client_id = client_id;
    response.log_user = user;
    respond(std::move(response));
  }
  int status = 200;
  std::string client_id;
  std::string user;
  std::vector<HttpRequest> received;
};

class RequestObserverTest : public ::testing::Test {
 protected:
  RequestObserverTest()
      : observer_(&inner_, [](const std::string& path) { return path == "/token" || path == "/mcp"; },
                  RequestObserverOptions{true, [this](std::string_view line) {
                                           lines_.emplace_back(line);
                                         },
                                         &registry_,
                                         {}}) {}

  HttpResponse Send(HttpRequest request) {
    HttpResponse answer;
    observer_.Handle(std::move(request), [&](HttpResponse response) { answer = response; });
    return answer;
  }

  static std::string Header(const HttpResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  FakeHandler inner_;
  metrics::Registry registry_;
  std::vector<std::string> lines_;
  RequestObserver observer_;
};

HttpRequest Request(std::string method, std::string path, std::string query = "") {
  HttpRequest request;
  request.method = std::move(method);
  request.path = path;
  request.query = query;
  request.target = query.empty() ? path : path + "?" + query;
  request.remote_ip = "192.0.2.7";
  return request;
}

TEST_F(RequestObserverTest, KeepsASaneIncomingRequestIdAndReturnsIt) {
  HttpRequest request = Request("POST", "/token");
  request.headers.Add("x-request-id", "client-chosen-42");
  HttpResponse response = Send(std::move(request));
  EXPECT_EQ(Header(response, "X-Request-Id"), "client-chosen-42");
  ASSERT_EQ(inner_.received.size(), 1u);
  EXPECT_EQ(inner_.received[0].request_id, "client-chosen-42");
}

TEST_F(RequestObserverTest, ReplacesAnInsaneRequestId) {
  HttpRequest request = Request("GET", "/token");
  request.headers.Add("x-request-id", "has space\r\nInjected: 1");
  HttpResponse response = Send(std::move(request));
  std::string id = Header(response, "X-Request-Id");
  EXPECT_EQ(id.size(), 22u);
  EXPECT_THAT(id, Not(HasSubstr(" ")));
  EXPECT_EQ(inner_.received[0].request_id, id);
  HttpResponse second = Send(Request("GET", "/token"));
  EXPECT_NE(Header(second, "X-Request-Id"), id);
}

TEST_F(RequestObserverTest, WritesOneJsonLineWithoutTheQuery) {
  inner_.status = 302;
  Send(Request("GET", "/token", "code=SECRETCODE&state=SECRETSTATE"));
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], Not(HasSubstr("SECRET")));
  EXPECT_THAT(lines_[0], Not(HasSubstr("\n")));
  nlohmann::json line = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(line["type"], "access");
  EXPECT_EQ(line["method"], "GET");
  EXPECT_EQ(line["route"], "/token");
  EXPECT_EQ(line["status"], 302);
  EXPECT_EQ(line["remote_ip"], "192.0.2.7");
  EXPECT_TRUE(line["latency_ms"].is_number());
  EXPECT_GE(line["latency_ms"].get<double>(), 0);
  EXPECT_EQ(line["request_id"].get<std::string>().size(), 22u);
  EXPECT_TRUE(line["time"].is_string());
  EXPECT_FALSE(line.contains("client_id"));
  EXPECT_FALSE(line.contains("user"));
}

TEST_F(RequestObserverTest, LogsThePrincipalWhenTheRouteKnowsIt) {
  inner_.client_id = "client-1";
  inner_.user = "alice";
  Send(Request("POST", "/mcp"));
  nlohmann::json line = nlohmann::json::parse(lines_.at(0));
  EXPECT_EQ(line["client_id"], "client-1");
  EXPECT_EQ(line["user"], "alice");
}

TEST_F(RequestObserverTest, LongOrBinaryPathsStayOneValidJsonLine) {
  Send(Request("GET", "/" + std::string(5000, 'a') + "\xff\n"));
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_LT(lines_[0].size(), 1000u);
  nlohmann::json line = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(line["status"], 200);
}

TEST_F(RequestObserverTest, CountsByRegisteredRouteAndLumpsUnknownPaths) {
  Send(Request("POST", "/token"));
  Send(Request("POST", "/token"));
  inner_.status = 404;
  Send(Request("GET", "/no/such/path"));
  Send(Request("GET", "/another-unknown"));
  std::string text = registry_.Render();
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"/token\",status=\"200\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"other\",status=\"404\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("no/such")));
  EXPECT_THAT(text, HasSubstr("http_request_duration_seconds_count{route=\"/token\"} 2\n"));
}

TEST(RequestObserverOffTest, NoLinesWhenTheAccessLogIsOff) {
  FakeHandler inner;
  metrics::Registry registry;
  std::vector<std::string> lines;
  RequestObserver observer(&inner, [](const std::string&) { return true; },
                           RequestObserverOptions{
                               false, [&](std::string_view line) { lines.emplace_back(line); },
                               &registry, {}});
  observer.Handle(Request("GET", "/x"), [](HttpResponse) {});
  EXPECT_TRUE(lines.empty());
  EXPECT_THAT(registry.Render(), HasSubstr("http_requests_total{route=\"/x\",status=\"200\"} 1\n"));
}

class TrustedProxyTest : public ::testing::Test {
 protected:
  TrustedProxyTest()
      : observer_(&inner_, [](const std::string&) { return true; },
                  RequestObserverOptions{true,
                                         [this](std::string_view line) { lines_.emplace_back(line); },
                                         &registry_,
                                         {"10.0.0.1", "10.0.0.2"}}) {}

  std::string ClientOf(std::string peer, std::vector<std::string> forwarded_for,
                       std::string proto = "") {
    HttpRequest request = Request("GET", "/x");
    request.remote_ip = std::move(peer);
    for (auto& value : forwarded_for) request.headers.Add("x-forwarded-for", value);
    if (!proto.empty()) request.headers.Add("x-forwarded-proto", proto);
    observer_.Handle(std::move(request), [](HttpResponse) {});
    return inner_.received.back().remote_ip;
  }

  FakeHandler inner_;
  metrics::Registry registry_;
  std::vector<std::string> lines_;
  RequestObserver observer_;
};

TEST_F(TrustedProxyTest, BelievesForwardedForOnlyFromTrustedPeers) {
  EXPECT_EQ(ClientOf("10.0.0.1", {"203.0.113.9"}), "203.0.113.9");
  EXPECT_EQ(ClientOf("192.0.2.50", {"203.0.113.9"}), "192.0.2.50");  // not a proxy: ignored
  EXPECT_EQ(ClientOf("10.0.0.1", {}), "10.0.0.1");
}

TEST_F(TrustedProxyTest, TakesTheRightmostUntrustedHop) {
  // The client may prepend anything; only hops added by our proxies count.
  EXPECT_EQ(ClientOf("10.0.0.1", {"1.2.3.4, 203.0.113.9, 10.0.0.2"}), "203.0.113.9");
  EXPECT_EQ(ClientOf("10.0.0.1", {"10.0.0.2"}), "10.0.0.2");
  EXPECT_EQ(ClientOf("10.0.0.1", {"2001:db8::1"}), "2001:db8::1");
}

TEST_F(TrustedProxyTest, MalformedOrRepeatedHeadersAreIgnored) {
  EXPECT_EQ(ClientOf("10.0.0.1", {"not-an-ip"}), "10.0.0.1");
  EXPECT_EQ(ClientOf("10.0.0.1", {"203.0.113.9\r\nX: y"}), "10.0.0.1");
  EXPECT_EQ(ClientOf("10.0.0.1", {"203.0.113.9", "198.51.100.1"}), "10.0.0.1");
}

TEST_F(TrustedProxyTest, ForwardedProtoIsLoggedFromTrustedPeersOnly) {
  ClientOf("10.0.0.1", {"203.0.113.9"}, "https");
  ClientOf("192.0.2.50", {}, "https");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines_[0])["proto"], "https");
  EXPECT_EQ(nlohmann::json::parse(lines_[0])["remote_ip"], "203.0.113.9");
  EXPECT_FALSE(nlohmann::json::parse(lines_[1]).contains("proto"));
}

}  // namespace
}  // namespace mcp_oauth::gateway
