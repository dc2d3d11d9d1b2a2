// HealthRoute against in-process gRPC servers whose health service reports
// what each test sets: /healthz is 200 only when both AuthService and
// ToolService are SERVING, 503 (with the failing service named) otherwise,
// and lists the tool backends without failing on one that is down.
#include "gateway/health.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using nlohmann::json;

// A health service that reports what the test sets (NOT_FOUND for a
// service it was not told about, as gRPC's own does) and remembers the
// request id it was sent.
class FakeHealth final : public grpc::health::v1::Health::CallbackService {
 public:
  void Set(const std::string& service, bool serving) {
    absl::MutexLock lock(&mu_);
    serving_[service] = serving;
  }
  std::string last_request_id() {
    absl::MutexLock lock(&mu_);
    return last_request_id_;
  }

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const HealthCheckRequest* request,
                                  HealthCheckResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::MutexLock lock(&mu_);
    auto id = context->client_metadata().find("x-request-id");
    if (id != context->client_metadata().end()) {
      last_request_id_.assign(id->second.data(), id->second.size());
    }
    auto it = serving_.find(request->service());
    if (it == serving_.end()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
      return reactor;
    }
    response->set_status(it->second ? HealthCheckResponse::SERVING
                                    : HealthCheckResponse::NOT_SERVING);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, bool> serving_ ABSL_GUARDED_BY(mu_);
  std::string last_request_id_ ABSL_GUARDED_BY(mu_);
};

// FakeHealth on an in-process server (no port).
class HealthServer {
 public:
  HealthServer() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&health);
    server_ = builder.BuildAndStart();
  }
  ~HealthServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  std::shared_ptr<grpc::Channel> channel() {
    return server_->InProcessChannel(grpc::ChannelArguments());
  }

  FakeHealth health;

 private:
  std::unique_ptr<grpc::Server> server_;
};

// Nothing listens on port 1: calls fail at once with UNAVAILABLE.
std::shared_ptr<grpc::Channel> DeadChannel() {
  return grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
}

class HealthRouteTest : public ::testing::Test {
 protected:
  // Asks `route` once; the answer comes on a gRPC thread.
  static HttpResponse Check(HealthRoute& route) {
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> future = answer->get_future();
    HttpRequest request;
    request.method = "GET";
    request.target = request.path = "/healthz";
    request.request_id = "req-h";
    route.Handle(std::move(request), [answer](HttpResponse r) { answer->set_value(std::move(r)); });
    if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "no answer";
      return HttpResponse{};
    }
    return future.get();
  }

  static json Body(const HttpResponse& response) {
    json body = json::parse(response.body, nullptr, false);
    EXPECT_FALSE(body.is_discarded()) << response.body;
    return body;
  }

  static std::string Header(const HttpResponse& response, const std::string& name) {
    for (const auto& [field, value] : response.headers) {
      if (field == name) return value;
    }
    return "";
  }

  HealthServer auth_;
  HealthServer tools_;
};

TEST_F(HealthRouteTest, OkWhenBothServicesServe) {
  auth_.health.Set(kAuthServiceName, true);
  tools_.health.Set(kToolServiceName, true);
  HealthRoute route(auth_.channel(), tools_.channel());
  HttpResponse response = Check(route);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  json body = Body(response);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["services"][kAuthServiceName], "SERVING");
  EXPECT_EQ(body["services"][kToolServiceName], "SERVING");
  EXPECT_FALSE(body.contains("tool_backends")) << "no backends aggregated";
  EXPECT_EQ(auth_.health.last_request_id(), "req-h");
  EXPECT_EQ(tools_.health.last_request_id(), "req-h");
}

TEST_F(HealthRouteTest, UnavailableWhenAServiceIsNotServing) {
  auth_.health.Set(kAuthServiceName, true);
  tools_.health.Set(kToolServiceName, false);
  HealthRoute route(auth_.channel(), tools_.channel());
  HttpResponse response = Check(route);
  EXPECT_EQ(response.status, 503);
  json body = Body(response);
  EXPECT_EQ(body["status"], "unavailable");
  EXPECT_EQ(body["services"][kAuthServiceName], "SERVING");
  EXPECT_EQ(body["services"][kToolServiceName], "NOT_SERVING");

  tools_.health.Set(kToolServiceName, true);
  auth_.health.Set(kAuthServiceName, false);
  response = Check(route);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Body(response)["services"][kAuthServiceName], "NOT_SERVING");

  auth_.health.Set(kAuthServiceName, true);
  EXPECT_EQ(Check(route).status, 200) << "recovers when the service serves again";
}

TEST_F(HealthRouteTest, AServiceThatIsUnknownOrGoneIsNotServing) {
  auth_.health.Set(kAuthServiceName, true);
  // The tools server never registered ToolService: the health check says NOT_FOUND.
  HealthRoute route(auth_.channel(), tools_.channel());
  HttpResponse response = Check(route);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Body(response)["services"][kToolServiceName], "NOT_SERVING");

  tools_.health.Set(kToolServiceName, true);
  HealthRoute unreachable_auth(DeadChannel(), tools_.channel());
  response = Check(unreachable_auth);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Body(response)["services"][kAuthServiceName], "NOT_SERVING");
  EXPECT_EQ(Body(response)["services"][kToolServiceName], "SERVING");
}

TEST_F(HealthRouteTest, ListsToolBackendsAndOneDownDoesNotFailTheCheck) {
  auth_.health.Set(kAuthServiceName, true);
  tools_.health.Set(kToolServiceName, true);
  bool b_up = false;
  HealthRoute route(auth_.channel(), tools_.channel(), [&b_up] {
    return std::vector<std::pair<std::string, bool>>{{"a", true}, {"b", b_up}};
  });
  HttpResponse response = Check(route);
  EXPECT_EQ(response.status, 200);
  json body = Body(response);
  EXPECT_EQ(body["tool_backends"], (json{{"a", "up"}, {"b", "down"}}));

  b_up = true;
  EXPECT_EQ(Body(Check(route))["tool_backends"]["b"], "up") << "read at every check";
}

}  // namespace
}  // namespace mcp_oauth::gateway
