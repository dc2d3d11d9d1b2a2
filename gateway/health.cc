#include "gateway/health.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "gateway/grpc_call.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace mcp_oauth::gateway {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr auto kHealthDeadline = std::chrono::seconds(2);

// Collects the two answers and responds once both arrived.
struct PendingCheck {
  std::mutex mutex;
  int remaining = 2;
  bool auth_ok = false;
  bool tools_ok = false;
  Responder respond;
  std::string tool_backends;  // ',"tool_backends":{...}' or ""

  void Done(bool is_auth, bool serving) {
    bool last;
    {
      std::lock_guard<std::mutex> lock(mutex);
      (is_auth ? auth_ok : tools_ok) = serving;
      last = --remaining == 0;
    }
    if (!last) return;
    bool healthy = auth_ok && tools_ok;
    std::string body = std::string("{\"status\":\"") + (healthy ? "ok" : "unavailable") +
                       "\",\"services\":{\"" + kAuthServiceName + "\":\"" +
                       (auth_ok ? "SERVING" : "NOT_SERVING") + "\",\"" + kToolServiceName +
                       "\":\"" + (tools_ok ? "SERVING" : "NOT_SERVING") + "\"}" + tool_backends +
                       "}";
    HttpResponse response = JsonResponse(healthy ? 200 : 503, std::move(body));
    response.SetHeader("Cache-Control", "no-store");
    respond(std::move(response));
  }
};

struct OneCall {
  grpc::ClientContext context;
  HealthCheckRequest request;
  HealthCheckResponse response;
};

}  // namespace

struct HealthRoute::Stubs {
  std::unique_ptr<Health::Stub> auth;
  std::unique_ptr<Health::Stub> tools;
};

HealthRoute::HealthRoute(std::shared_ptr<grpc::Channel> auth_channel,
                         std::shared_ptr<grpc::Channel> tools_channel,
                         ToolBackendStates tool_backends)
    : stubs_(new Stubs{Health::NewStub(auth_channel), Health::NewStub(tools_channel)}),
      tool_backends_(std::move(tool_backends)) {}

HealthRoute::~HealthRoute() = default;

void HealthRoute::Handle(HttpRequest request, Responder respond) {
  auto pending = std::make_shared<PendingCheck>();
  pending->respond = std::move(respond);
  if (tool_backends_) {
    pending->tool_backends = ",\"tool_backends\":{";
    bool first = true;
    for (const auto& [name, up] : tool_backends_()) {
      pending->tool_backends +=
          std::string(first ? "" : ",") + "\"" + name + "\":\"" + (up ? "up" : "down") + "\"";
      first = false;
    }
    pending->tool_backends += "}";
  }
  auto check = [pending, &request](Health::Stub* stub, const char* service, bool is_auth) {
    auto call = std::make_shared<OneCall>();
    call->context.set_deadline(std::chrono::system_clock::now() + kHealthDeadline);
    AddRequestId(call->context, request.request_id);
    call->request.set_service(service);
    auto started = std::chrono::steady_clock::now();
    stub->async()->Check(
        &call->context, &call->request, &call->response,
        [pending, call, is_auth, started](grpc::Status status) {
          metrics::GrpcClientLatency()
              .WithLabels({"Health/Check"})
              .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                           .count());
          pending->Done(is_auth,
                        status.ok() && call->response.status() == HealthCheckResponse::SERVING);
        });
  };
  check(stubs_->auth.get(), kAuthServiceName, true);
  check(stubs_->tools.get(), kToolServiceName, false);
}

}  // namespace mcp_oauth::gateway
