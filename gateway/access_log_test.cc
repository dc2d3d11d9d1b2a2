#include "gateway/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
    if (request.log_fields) {
      request.log_fields->client_id = client_id;
      request.log_fields->user = user;
    }
    respond(JsonResponse(status, "{}"));
  }
  int status = 200;
  std::string client_id;
  std::string user;
  std::vector<HttpRequest> received;
};

class RequestObserverTest : public ::testing::Test {
 protected:
  RequestObserverTest()
      : observer_(
            &inner_, [](const std::string& path) { return path == "/token" || path == "/mcp"; },
            RequestObserverOptions{true,
                                   [this](std::string_view line) { lines_.emplace_back(line); },
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
  // A generated id: the process's random prefix and a counter.
  EXPECT_THAT(id, ::testing::MatchesRegex("[A-Za-z0-9_-]{16}-[0-9a-f]+"));
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
  EXPECT_THAT(line["request_id"].get<std::string>(),
              ::testing::MatchesRegex("[A-Za-z0-9_-]{16}-[0-9a-f]+"));
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

// The observer keeps each route's series once found: every status code,
// including ones outside 100-599, still lands in its own series, and two
// observers on one registry count into the same ones.
TEST(RequestObserverSeriesTest, EveryStatusKeepsItsOwnSeries) {
  metrics::Registry registry;
  FakeHandler inner;
  auto is_route = [](const std::string& path) { return path == "/mcp"; };
  RequestObserverOptions options{false, nullptr, &registry, {}};
  RequestObserver first(&inner, is_route, options);
  RequestObserver second(&inner, is_route, options);
  for (int status : {200, 200, 202, 404, 99, 600, 200}) {
    inner.status = status;
    first.Handle(Request("POST", "/mcp"), [](HttpResponse) {});
  }
  inner.status = 200;
  second.Handle(Request("POST", "/mcp"), [](HttpResponse) {});
  second.Handle(Request("GET", "/elsewhere"), [](HttpResponse) {});
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"/mcp\",status=\"200\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"/mcp\",status=\"202\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"/mcp\",status=\"404\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"/mcp\",status=\"99\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"/mcp\",status=\"600\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"other\",status=\"200\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("http_request_duration_seconds_count{route=\"/mcp\"} 8\n"));
  EXPECT_THAT(text, HasSubstr("http_request_duration_seconds_count{route=\"other\"} 1\n"));
}

TEST(RequestObserverOffTest, NoLinesWhenTheAccessLogIsOff) {
  FakeHandler inner;
  metrics::Registry registry;
  std::vector<std::string> lines;
  RequestObserver observer(
      &inner, [](const std::string&) { return true; },
      RequestObserverOptions{
          false, [&](std::string_view line) { lines.emplace_back(line); }, &registry, {}});
  observer.Handle(Request("GET", "/x"), [](HttpResponse) {});
  EXPECT_TRUE(lines.empty());
  EXPECT_THAT(registry.Render(), HasSubstr("http_requests_total{route=\"/x\",status=\"200\"} 1\n"));
}

class TrustedProxyTest : public ::testing::Test {
 protected:
  TrustedProxyTest()
      : observer_(
            &inner_, [](const std::string&) { return true; },
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

TEST(FormatAccessLineTest, WritesTheDocumentedFieldsInOrder) {
  std::string out = "left over";
  AccessRecord record{"req-1",     "POST",     "/mcp",  200, 1234,
                      "127.0.0.1", "client-1", "alice", "",  false};
  EXPECT_EQ(FormatAccessLine(record, absl::FromUnixMillis(1767225600123), out),
            R"({"time":"2026-01-01T00:00:00.123Z","type":"access","request_id":"req-1",)"
            R"("method":"POST","route":"/mcp","status":200,"latency_ms":1.234,)"
            R"("remote_ip":"127.0.0.1","client_id":"client-1","user":"alice"})");
  record = AccessRecord{"r", "GET", "/", 404, 1234567, "::1", "", "", "https", true};
  EXPECT_EQ(FormatAccessLine(record, absl::FromUnixMillis(1767225601005), out),
            R"({"time":"2026-01-01T00:00:01.005Z","type":"access","request_id":"r",)"
            R"("method":"GET","route":"/","status":404,"latency_ms":1234.567,)"
            R"("remote_ip":"::1","proto":"https","stream":true})");
  record.latency_micros = 7;
  EXPECT_EQ(nlohmann::json::parse(FormatAccessLine(record, absl::Now(), out))["latency_ms"], 0.007);
}

TEST(FormatAccessLineTest, AnyBytesStayOneValidJsonLine) {
  struct Case {
    std::string raw;
    std::string decoded;
  };
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  std::vector<Case> cases = {
      {"plain /path", "plain /path"},
      {"quote\" back\\slash", "quote\" back\\slash"},
      {std::string("nul\0ctl\x01\n\r\t\x1f\x7f", 13),
       std::string("nul\0ctl\x01\n\r\t\x1f\x7f", 13)},
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"},
      {"bad \xff end", "bad " + r + " end"},
      {"overlong \xC0\x80", "overlong " + r + r},
      {"surrogate \xED\xA0\x80", "surrogate " + r + r + r},
      {"cut \xE2\x82", "cut " + r + r},
      {"too big \xF4\x90\x80\x80", "too big " + r + r + r + r},
      {"lone \x80 cont", "lone " + r + " cont"},
  };
  std::string out;
  for (const Case& c : cases) {
    AccessRecord record{"id", c.raw, c.raw, 200, 0, "ip", c.raw, c.raw, "", false};
    std::string_view line = FormatAccessLine(record, absl::Now(), out);
    EXPECT_EQ(line.find('\n'), std::string_view::npos) << c.raw;
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
    EXPECT_EQ(parsed["route"], c.decoded) << line;
    EXPECT_EQ(parsed["method"], c.decoded) << line;
    EXPECT_EQ(parsed["client_id"], c.decoded) << line;
    EXPECT_EQ(parsed["user"], c.decoded) << line;
  }
}

// The default sink: stderr through the async writer, written out at the
// latest when the observer goes away.
TEST(RequestObserverStderrTest, DefaultSinkWritesToStderr) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::fflush(stderr);
  int saved = ::dup(2);
  ASSERT_EQ(::dup2(fds[1], 2), 2);
  {
    FakeHandler inner;
    metrics::Registry registry;
    RequestObserver observer(
        &inner, [](const std::string&) { return true; },
        RequestObserverOptions{true, nullptr, &registry, {}});
    HttpRequest request = Request("GET", "/x");
    request.headers.Add("x-request-id", "to-stderr-1");
    observer.Handle(std::move(request), [](HttpResponse) {});
    EXPECT_THAT(registry.Render(), HasSubstr("access_log_dropped_lines_total 0\n"));
  }
  ::dup2(saved, 2);
  ::close(saved);
  ::close(fds[1]);
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
    text.append(buffer, static_cast<size_t>(n));
  ::close(fds[0]);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  nlohmann::json line = nlohmann::json::parse(text);
  EXPECT_EQ(line["request_id"], "to-stderr-1");
  EXPECT_EQ(line["route"], "/x");
}

}  // namespace
}  // namespace mcp_oauth::gateway
