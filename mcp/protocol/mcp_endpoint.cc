#include "mcp/protocol/mcp_endpoint.h"

#include <utility>

#include "common/metrics.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"
#include "mcp/protocol/json_body.h"
#include "mcp/protocol/stateless_era.h"

namespace mcp_oauth::mcp {

void McpEndpoint::Impl::Handle(McpRequest request, std::function<void(McpResponse)> done) {
  if (auto origin = request.headers.Get("origin"); origin && !hosts_.OriginAllowed(*origin)) {
    done(HttpError(403, kTransportError, "Forbidden: Origin not allowed"));
    return;
  }
  if (auto host = request.headers.Get("host"); host && !hosts_.HostAllowed(*host)) {
    done(HttpError(403, kTransportError, "Forbidden: Host not allowed"));
    return;
  }
  if (request.method == "POST") {
    HandlePost(request, std::move(done));
  } else if (request.method == "GET") {
    HandleGet(request, std::move(done));
  } else if (request.method == "DELETE") {
    HandleDelete(request, std::move(done));
  } else {
    McpResponse response = HttpError(405, kTransportError, "Method Not Allowed");
    response.headers.emplace_back("Allow", "GET, POST, DELETE");
    done(std::move(response));
  }
}
void McpEndpoint::Impl::HandlePost(McpRequest& request, std::function<void(McpResponse)> done) {
  std::string joined;
  const std::string_view accept = request.headers.GetView("accept", &joined).value_or("");
  if (!AcceptsMediaType(accept, "application/json") ||
      !AcceptsMediaType(accept, "text/event-stream")) {
    done(HttpError(
        406, kTransportError,
        "Not Acceptable: Client must accept both application/json and text/event-stream"));
    return;
  }
  std::string joined_type;
  if (!IsContentType(request.headers.GetView("content-type", &joined_type).value_or(""),
                     "application/json")) {
    done(HttpError(415, kTransportError,
                   "Unsupported Media Type: Content-Type must be application/json"));
    return;
  }
  if (request.body.size() > options_.max_body_bytes) {
    done(HttpError(413, kTransportError, "Payload Too Large"));
    return;
  }
  if (!DepthWithin(request.body, options_.max_json_depth)) {
    done(HttpError(400, kInvalidRequest, "Invalid Request: JSON nested too deeply"));
    return;
  }
  json message = ParseJsonBody(request.body);
  if (message.is_discarded()) {
    done(HttpError(400, kParseError, "Parse error"));
    return;
  }
  if (DetectEra(request.headers, message) == ProtocolEra::kStateless) {
    HandleStateless(request, message, std::move(done));
    return;
  }
  if (message.is_object() && message.contains("method") && message["method"] == "initialize") {
    HandleInitialize(message, request, std::move(done));
    return;
  }
  McpResponse error;
  if (!CheckVersionHeader(request, &error)) {
    done(std::move(error));
    return;
  }
  std::shared_ptr<Session> session = RequireSession(request, &error);
  if (session == nullptr) {
    done(std::move(error));
    return;
  }
  std::string version;
  {
    absl::MutexLock lock(&mu_);
    version = session->protocol_version;
  }

  if (!message.is_array()) {
    auto post = std::make_shared<PostResponder>(std::move(done));
    Dispatch(
        session, message, request.principal, request.request_id,
        [post](RpcReply reply) {
          if (!reply.has_value()) {
            post->Finish(Accepted());
            return;
          }
          // A rendered reply is a result: never an envelope error.
          const int status = reply.dom() != nullptr && IsEnvelopeError(*reply.dom()) ? 400 : 200;
          post->Finish(JsonBodyResponse(status, reply.TakeBody()));
        },
        post);
    return;
  }

  if (!AllowsBatches(version)) {
    done(HttpError(
        400, kInvalidRequest,
        absl::StrCat("Invalid Request: batches are not supported in protocol version ", version)));
    return;
  }
  if (message.empty()) {
    done(HttpError(400, kInvalidRequest, "Invalid Request: empty batch"));
    return;
  }
  struct Batch {
    absl::Mutex mu;
    std::vector<RpcReply> replies ABSL_GUARDED_BY(mu);
    size_t remaining ABSL_GUARDED_BY(mu);
    std::function<void(McpResponse)> done;
  };
  auto batch = std::make_shared<Batch>();
  {
    absl::MutexLock lock(&batch->mu);
    batch->replies.resize(message.size());
    batch->remaining = message.size();
  }
  batch->done = std::move(done);
  for (size_t i = 0; i < message.size(); ++i) {
    Dispatch(session, message[i], request.principal, request.request_id,
             [batch, i](RpcReply reply) {
               // The array of the answers, as DumpJson writes an array.
               std::string out;
               {
                 absl::MutexLock lock(&batch->mu);
                 batch->replies[i] = std::move(reply);
                 if (--batch->remaining > 0) return;
                 for (RpcReply& r : batch->replies) {
                   if (!r.has_value()) continue;
                   out += out.empty() ? '[' : ',';
                   out += r.TakeBody();
                 }
               }
               if (out.empty()) {
                 batch->done(Accepted());
                 return;
               }
               out += ']';
               batch->done(JsonBodyResponse(200, std::move(out)));
             });
  }
}
void McpEndpoint::Impl::HandleInitialize(const json& message, const McpRequest& request,
                                         std::function<void(McpResponse)> done) {
  RpcEnvelope envelope;
  if (std::optional<json> error = CheckEnvelope(message, Responses::kRefused, &envelope)) {
    done(JsonResponse(400, *error));
    return;
  }
  if (!envelope.has_id) {
    done(JsonResponse(400, RpcError(nullptr, kInvalidRequest,
                                    "Invalid Request: initialize needs a string or integer id")));
    return;
  }
  const json& id = *envelope.id;
  const json params = message.value("params", json::object());
  if (!params.is_object() || !params.contains("protocolVersion") ||
      !params["protocolVersion"].is_string()) {
    done(JsonResponse(
        200, RpcError(id, kInvalidParams, "Invalid params: protocolVersion must be a string")));
    return;
  }
  const std::string requested = params["protocolVersion"].get<std::string>();
  const std::string negotiated = IsSessionVersion(requested) ? requested : kLatestSessionVersion;

  const absl::Time now = Now();
  SessionClaims claims;
  claims.binding = SessionIdCodec::Binding(request.principal.subject, request.principal.client_id);
  claims.created = absl::FromUnixSeconds(absl::ToUnixSeconds(now));
  claims.protocol_version = negotiated;
  const std::string session_id = codec_.Mint(claims);

  auto session = std::make_shared<Session>();
  session->id = session_id;
  session->subject = request.principal.subject;
  session->client_id = request.principal.client_id;
  session->protocol_version = negotiated;
  session->created = claims.created;
  session->last_seen = now;
  if (auto caps = params.find("capabilities"); caps != params.end() && caps->is_object()) {
    session->client_capabilities = *caps;
  }
  Cleanup cleanup;
  SessionTable::Admission admission = SessionTable::Admission::kFull;
  {
    absl::MutexLock lock(&mu_);
    admission = sessions_.Add(std::move(session), claims.binding, now, &cleanup);
  }
  cleanup.Run();
  if (admission == SessionTable::Admission::kFull) {
    done(HttpError(503, kTransportError, "Service Unavailable: too many sessions"));
    return;
  }
  if (admission == SessionTable::Admission::kOverPrincipalCap) {
    // HTTP 429, not a 200 with a JSON-RPC error: clients fail initialize on a
    // non-2xx answer and show its status and body, and none treats 429 as
    // "re-authenticate" (401/403) or "session gone, initialize again" (404).
    done(JsonResponse(429, RpcError(id, kTransportError,
                                    absl::StrCat("Too Many Requests: this user already has ",
                                                 options_.max_sessions_per_principal,
                                                 " open MCP sessions with this client; end one "
                                                 "(DELETE with its Mcp-Session-Id) or let one "
                                                 "expire, then initialize again"))));
    return;
  }

  json result = {
      {"protocolVersion", negotiated},
      {"capabilities", catalog_.Capabilities()},
      {"serverInfo", {{"name", options_.server_name}, {"version", options_.server_version}}},
      {"instructions", catalog_.Instructions()},
  };
  McpResponse response = JsonResponse(200, RpcResult(id, std::move(result)));
  response.headers.emplace_back("Mcp-Session-Id", session_id);
  done(std::move(response));
}
void McpEndpoint::Impl::Dispatch(const std::shared_ptr<Session>& session, const json& message,
                                 const Principal& principal, const std::string& request_id,
                                 Reply reply, std::shared_ptr<PostResponder> post) {
  RpcEnvelope envelope;
  if (std::optional<json> error = CheckEnvelope(message, Responses::kAccepted, &envelope)) {
    reply(*std::move(error));
    return;
  }
  if (envelope.is_response()) {
    // A response to a server-to-client request (a tool's input request):
    // accepted, and handed to the tools/call waiting for it.
    session_calls_.Deliver(weak_from_this(), session, message);
    reply(std::nullopt);
    return;
  }
  const json& id = *envelope.id;
  const std::string& method = *envelope.method;
  const json& params = *envelope.params;

  if (!envelope.has_id) {
    HandleNotification(session, method, params);
    reply(std::nullopt);
    return;
  }
  if (!params.is_object()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: params must be an object"));
    return;
  }
  RpcCall call(ProtocolEra::kSessions, method, id, params, principal, request_id, std::move(reply));
  call.post = std::move(post);
  call.session = session;
  DispatchMethod(call);
}
void McpEndpoint::Impl::HandleNotification(const std::shared_ptr<Session>& session,
                                           const std::string& method, const json& params) {
  if (method != "notifications/cancelled" || !params.is_object()) return;  // others need no action
  auto request_id = params.find("requestId");
  if (request_id == params.end() || !IsValidId(*request_id)) return;
  session_calls_.Cancel(session, *request_id);
}

McpEndpoint::McpEndpoint(McpOptions options,
                         std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> tools)
    : McpEndpoint(std::move(options), McpBackends{std::move(tools), nullptr, nullptr, nullptr}) {}

McpEndpoint::McpEndpoint(McpOptions options, McpBackends backends)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(backends))) {}

McpEndpoint::~McpEndpoint() {
  impl_->Shutdown();
  // The cancelled calls finish on gRPC threads, each holding the state until
  // its callback ran: wait for them (bounded), so that no call outlives the
  // endpoint into the channel's, the server's or the process's teardown.
  std::weak_ptr<Impl> state = impl_;
  impl_.reset();
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  while (!state.expired() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
}

void McpEndpoint::Handle(McpRequest request, std::function<void(McpResponse)> done) {
  impl_->Handle(std::move(request), std::move(done));
}

absl::Status McpEndpoint::SendToSession(const std::string& session_id, const json& message) {
  return impl_->SendToSession(session_id, message);
}

absl::StatusOr<std::string> McpEndpoint::SessionLogLevel(const std::string& session_id) const {
  return impl_->SessionLogLevel(session_id);
}

size_t McpEndpoint::ActiveSessionCount() const { return impl_->ActiveSessionCount(); }

}  // namespace mcp_oauth::mcp
