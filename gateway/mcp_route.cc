#include "gateway/mcp_route.h"

#include <atomic>
#include <string_view>
#include <utility>

#include "common/metrics.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/protocol/mcp_http.h"

namespace mcp_oauth::gateway {
namespace {

// Lets the HTTP server drive an MCP event stream without knowing MCP.
// Counts itself in the open-streams gauge from Start until Stop.
class EventStreamBody final : public ResponseStream {
 public:
  explicit EventStreamBody(std::shared_ptr<mcp::EventStream> stream) : stream_(std::move(stream)) {}
  ~EventStreamBody() override { Stop(); }

  void Start(std::function<bool(std::string)> write, std::function<void()> close) override {
    if (!counted_.exchange(true)) OpenStreams().Add(1);
    stream_->Start(
        [write = std::move(write)](std::string_view bytes) { return write(std::string(bytes)); },
        std::move(close));
  }
  void Stop() override {
    stream_->Cancel();
    if (counted_.exchange(false)) OpenStreams().Add(-1);
  }

  static metrics::Gauge& OpenStreams() {
    static metrics::Gauge& gauge =
        metrics::DefaultRegistry()
            .GaugeFamily("mcp_open_sse_streams", "Open MCP server-sent-event streams (GET /mcp).")
            .WithLabels({});
    return gauge;
  }

 private:
  std::shared_ptr<mcp::EventStream> stream_;
  std::atomic<bool> counted_{false};
};

mcp::McpRequest ToMcpRequest(HttpRequest&& request, Principal&& principal) {
  mcp::McpRequest mcp_request;
  mcp_request.method = std::move(request.method);
  mcp_request.headers = std::move(request.headers);
  mcp_request.body = std::move(request.body);
  mcp_request.request_id = std::move(request.request_id);
  mcp_request.principal = std::move(principal);
  return mcp_request;
}

HttpResponse ToHttpResponse(mcp::McpResponse&& answer) {
  HttpResponse response;
  response.status = answer.status;
  response.headers = std::move(answer.headers);
  response.body = std::move(answer.body);
  if (answer.stream) response.stream = std::make_shared<EventStreamBody>(std::move(answer.stream));
  return response;
}

}  // namespace

McpRoute::McpRoute(std::shared_ptr<client::AuthClient> auth, BearerAuthOptions bearer,
                   std::shared_ptr<mcp::McpEndpoint> endpoint)
    : bearer_(std::move(auth), std::move(bearer)), endpoint_(std::move(endpoint)) {
  EventStreamBody::OpenStreams();  // listed in /metrics from the start, at 0
}

McpRoute::~McpRoute() = default;

void McpRoute::Register(Router& router, const std::string& path, size_t max_body_bytes) {
  for (const char* method : {"POST", "GET", "DELETE"}) {
    router.Add(method, path, [this](HttpRequest request, Responder respond) {
      Handle(std::move(request), std::move(respond));
    });
  }
  router.SetOptions(path, {max_body_bytes, CorsPolicy{true,
                                                      "Authorization, Content-Type, Accept, "
                                                      "Mcp-Session-Id, MCP-Protocol-Version, "
                                                      "Last-Event-ID",
                                                      "Mcp-Session-Id, WWW-Authenticate"}});
}

void McpRoute::Handle(HttpRequest request, Responder respond) {
  // The request until it is handed on, and the one responder: shared by the
  // bearer check's two outcomes (only one runs) and the endpoint's answer, so
  // the responder (and what the access log captured in it) is never copied.
  struct Call {
    HttpRequest request;
    Responder respond;
  };
  auto call = std::make_shared<Call>(Call{std::move(request), std::move(respond)});
  bearer_.Authenticate(
      call->request,
      [this, call](Principal principal) {
        // The access log learns who asked.
        if (RequestLogFields* log = call->request.log_fields.get()) {
          log->client_id = principal.client_id;
          log->user = principal.username.empty() ? principal.subject : principal.username;
        }
        endpoint_->Handle(
            ToMcpRequest(std::move(call->request), std::move(principal)),
            [call](mcp::McpResponse answer) { call->respond(ToHttpResponse(std::move(answer))); });
      },
      [call](HttpResponse response) { call->respond(std::move(response)); });
}

}  // namespace mcp_oauth::gateway
