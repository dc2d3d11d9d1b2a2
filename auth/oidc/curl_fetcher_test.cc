// CurlFetcher against a real loopback HTTP server (plain http is allowed to
// 127.0.0.1): what a slow, oversized or redirecting provider gets, and what
// goes on the wire.
#include "auth/oidc/curl_fetcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth::oidc {
namespace {

// Accepts one connection, reads the request head (and a Content-Length body),
// then sends `answer`; with `hang`, sends nothing and waits for the client to
// give up. The request read is kept for the test.
class OneShotServer {
 public:
  explicit OneShotServer(std::string answer, bool hang = false) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(addr);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(listener_, 1), 0);
    EXPECT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, answer = std::move(answer), hang] { Serve(answer, hang); });
  }
  ~OneShotServer() {
    shutdown(listener_, SHUT_RDWR);  // wakes accept() if no client came
    if (thread_.joinable()) thread_.join();
    close(listener_);
  }

  std::string Url(const std::string& path = "/x") const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  // Valid once the fetch has returned and the server thread is done.
  std::string request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  void Serve(const std::string& answer, bool hang) {
    int fd = accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    char buffer[4096];
    size_t body_wanted = std::string::npos;
    for (;;) {
      ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      request_.append(buffer, n);
      size_t head_end = request_.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      if (body_wanted == std::string::npos) {
        size_t at = request_.find("Content-Length: ");
        body_wanted = at == std::string::npos ? 0 : std::stoul(request_.substr(at + 16));
      }
      if (request_.size() >= head_end + 4 + body_wanted) break;
    }
    if (hang) {
      while (recv(fd, buffer, sizeof(buffer), 0) > 0) {
      }  // until the client closes
    } else {
      send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    }
    close(fd);
  }

  int listener_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

CurlFetcherOptions Fast() {
  CurlFetcherOptions options;
  options.connect_timeout = absl::Seconds(2);
  options.total_timeout = absl::Milliseconds(500);
  options.max_response_bytes = 1000;
  return options;
}

TEST(CurlFetcherTest, PostsTheFormWithItsHeaders) {
  OneShotServer server(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
      "Connection: close\r\n\r\n{\"ok\":true}");
  HttpRequest request;
  request.url = server.Url("/token");
  request.post = true;
  request.body = "grant_type=authorization_code&code=abc";
  request.headers = {{"Authorization", "Basic bWNwOnM="}};
  auto response = CurlFetcher(Fast()).Fetch(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{\"ok\":true}");
  std::string sent = server.request();
  EXPECT_TRUE(absl::StartsWith(sent, "POST /token HTTP/1.1\r\n")) << sent;
  EXPECT_TRUE(absl::StrContains(sent, "\r\nAuthorization: Basic bWNwOnM=\r\n")) << sent;
  EXPECT_TRUE(absl::EndsWith(sent, "\r\n\r\ngrant_type=authorization_code&code=abc")) << sent;
}

TEST(CurlFetcherTest, RedirectsAreReturnedNotFollowed) {
  OneShotServer elsewhere("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  OneShotServer server(absl::StrCat("HTTP/1.1 302 Found\r\nLocation: ", elsewhere.Url(),
                                    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
  auto response = CurlFetcher(Fast()).Fetch(GetRequest(server.Url()));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 302);
  // The redirect target never saw a request (its server gives up unused).
}

TEST(CurlFetcherTest, SlowServerHitsTheTotalTimeout) {
  OneShotServer server("", /*hang=*/true);
  absl::Time start = absl::Now();
  auto response = CurlFetcher(Fast()).Fetch(GetRequest(server.Url()));
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_GE(took, absl::Milliseconds(400));
  EXPECT_LT(took, absl::Seconds(5));
}

TEST(CurlFetcherTest, AnswersOverTheSizeLimitAreRefused) {
  std::string big(2000, 'a');
  // Announced by Content-Length.
  OneShotServer announced(
      absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n", big));
  EXPECT_EQ(CurlFetcher(Fast()).Fetch(GetRequest(announced.Url())).status().code(),
            absl::StatusCode::kResourceExhausted);
  // Not announced: the body is cut off while it arrives.
  OneShotServer unannounced(absl::StrCat("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", big));
  EXPECT_EQ(CurlFetcher(Fast()).Fetch(GetRequest(unannounced.Url())).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(CurlFetcherTest, NobodyListeningIsUnavailable) {
  std::string url;
  {
    OneShotServer gone("");
    url = gone.Url();
  }  // closed
  EXPECT_EQ(CurlFetcher(Fast()).Fetch(GetRequest(url)).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace mcp_oauth::auth::oidc
