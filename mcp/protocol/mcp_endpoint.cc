#include "mcp/protocol/mcp_endpoint.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/request_id.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/http_checks.h"
#include "mcp/protocol/session_id.h"
#include "mcp/protocol/sse_stream.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::ListToolsRequest;
using mcp_oauth::tools::v1::ListToolsResponse;
using nlohmann::json;
namespace pv1 = mcp_oauth::prompts::v1;
namespace rv1 = mcp_oauth::resources::v1;

constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
// MCP: resources/read of an unknown URI.
constexpr int kResourceNotFound = -32002;
// Transport-level errors, as the TypeScript SDK reports them.
constexpr int kTransportError = -32000;
constexpr int kSessionNotFound = -32001;

constexpr char kLatestVersion[] = "2025-11-25";
constexpr char kBatchVersion[] = "2025-03-26";
constexpr char kDefaultHeaderVersion[] = "2025-03-26";
constexpr char kPrimingSinceVersion[] = "2025-11-25";
constexpr size_t kMaxSessions = 100000;

const std::set<std::string>& LogLevels() {
  static const auto* levels = new std::set<std::string>{"debug", "info",     "notice", "warning",
                                                        "error", "critical", "alert",  "emergency"};
  return *levels;
}

bool IsSupportedVersion(const std::string& version) {
  const auto& versions = SupportedProtocolVersions();
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

json RpcError(const json& id, int code, const std::string& message) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json RpcResult(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

McpResponse JsonResponse(int status, const json& body) {
  McpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = DumpJson(body);
  return response;
}

McpResponse HttpError(int status, int code, const std::string& message) {
  return JsonResponse(status, RpcError(nullptr, code, message));
}

McpResponse Accepted() {
  McpResponse response;
  response.status = 202;
  return response;
}

// Returns true when no array/object in `text` nests deeper than `max_depth`.
// Runs before parsing so hostile input never reaches the parser's recursion.
bool DepthWithin(const std::string& text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

bool IsValidId(const json& id) { return id.is_string() || id.is_number_integer() || id.is_number_unsigned(); }

// A JSON-RPC error that means "this was not a valid message" (HTTP 400 when
// it is the only message of a POST).
bool IsEnvelopeError(const json& message) {
  auto it = message.find("error");
  if (it == message.end() || !it->is_object()) return false;
  const json code = it->value("code", json());
  return code == kInvalidRequest || code == kParseError;
}

json ToolToJson(const mcp_oauth::tools::v1::Tool& tool) {
  json out = {{"name", tool.name()}, {"description", tool.description()}};
  if (!tool.title().empty()) out["title"] = tool.title();
  out["inputSchema"] = StructToJson(tool.input_schema());
  if (!out["inputSchema"].contains("type")) out["inputSchema"]["type"] = "object";
  if (tool.has_output_schema()) out["outputSchema"] = StructToJson(tool.output_schema());
  return out;
}

json CallResultToJson(const CallToolResponse& response) {
  json content = json::array();
  for (const auto& block : response.content()) content.push_back(StructToJson(block));
  json out = {{"content", std::move(content)}, {"isError", response.is_error()}};
  if (response.has_structured_content()) out["structuredContent"] = StructToJson(response.structured_content());
  return out;
}

// Maps a failed ToolService RPC to a JSON-RPC error without leaking details.
json RpcErrorForStatus(const json& id, const grpc::Status& status, const std::string& tool_name) {
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      return RpcError(id, kInvalidParams, "Unknown tool: " + tool_name);
    case grpc::StatusCode::INVALID_ARGUMENT:
      return RpcError(id, kInvalidParams, "Invalid params");
    case grpc::StatusCode::CANCELLED:
      return RpcError(id, kInternalError, "Request cancelled");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return RpcError(id, kInternalError, "Internal error: the request timed out");
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return RpcError(id, kInternalError, "Internal error: the service is unavailable");
    default:
      return RpcError(id, kInternalError, "Internal error");
  }
}

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

struct ToolCall {
  grpc::ClientContext context;
  CallToolRequest request;
  CallToolResponse response;
};

struct ListCall {
  grpc::ClientContext context;
  ListToolsRequest request;
  ListToolsResponse response;
};

// Per-session state. Every field is guarded by McpEndpoint::Impl::mu_.
struct Session {
  std::string id;
  std::string protocol_version;
  absl::Time created;
  absl::Time last_seen;
  bool ended = false;
  std::string log_level = "info";
  // JSON-dumped request id -> in-flight tools/call.
  std::map<std::string, std::shared_ptr<ToolCall>> in_flight;
  // In creation order.
  std::vector<std::shared_ptr<SseChannel>> channels;
};

// Work collected under the lock and run after it is released (these call
// into gRPC and the gateway).
struct Cleanup {
  std::vector<std::shared_ptr<SseChannel>> channels;
  std::vector<std::shared_ptr<ToolCall>> calls;

  void Run() {
    for (auto& channel : channels) channel->Close();
    for (auto& call : calls) call->context.TryCancel();
  }
};

using Reply = std::function<void(std::optional<json>)>;

void AddRequestId(grpc::ClientContext& context, const std::string& id) {
  if (request_id::IsValid(id)) context.AddMetadata(request_id::kMetadataKey, id);
}

void ObserveLatency(const char* method, absl::Time started) {
  metrics::GrpcClientLatency().WithLabels({method}).Observe(absl::ToDoubleSeconds(absl::Now() - started));
}

// One async unary RPC: its context and messages live until the callback ran.
template <typename Request, typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// Starts `start(&context, &request, &response, callback)` with a deadline and
// the request id, then calls `done(status, response)` on a gRPC thread.
template <typename Request, typename Response, typename Start, typename Done>
void StartUnary(const char* metric, absl::Duration timeout, const std::string& request_id,
                std::shared_ptr<UnaryCall<Request, Response>> call, Start start, Done done) {
  call->context.set_deadline(DeadlineAfter(timeout));
  AddRequestId(call->context, request_id);
  auto* context = &call->context;
  auto* request = &call->request;
  auto* response = &call->response;
  start(context, request, response,
        [call, metric, request_id, started = absl::Now(), done = std::move(done)](grpc::Status status) {
          ObserveLatency(metric, started);
          if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND &&
              status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
            log::Warning(absl::StrCat(request_id::LogPrefix(request_id), metric, " failed: ", status.error_code(),
                                      " ", status.error_message()));
          }
          done(status, call->response);
        });
}

// Reads the optional string `cursor` of a list request; false (with the
// error sent) when it is not a string.
bool ReadCursor(const json& id, const json& params, std::string* cursor, const Reply& reply) {
  auto it = params.find("cursor");
  if (it == params.end() || it->is_null()) return true;
  if (!it->is_string()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: cursor must be a string"));
    return false;
  }
  *cursor = it->get<std::string>();
  return true;
}

// Maps a failed list/get/read RPC of the catalog services.
json CatalogRpcError(const json& id, const grpc::Status& status, const std::string& not_found) {
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      return RpcError(id, kInvalidParams, not_found);
    case grpc::StatusCode::INVALID_ARGUMENT:
      return RpcError(id, kInvalidParams, "Invalid params: " + status.error_message());
    case grpc::StatusCode::PERMISSION_DENIED:
      return RpcError(id, kInvalidRequest, "Permission denied: " + status.error_message());
    default:
      return RpcErrorForStatus(id, status, "");
  }
}

void SetIfNotEmpty(json* out, const char* key, const std::string& value) {
  if (!value.empty()) (*out)[key] = value;
}

template <typename Caller>
void FillCaller(Caller* caller, const Principal& principal) {
  caller->set_subject(principal.subject);
  caller->set_username(principal.username);
  caller->set_client_id(principal.client_id);
  for (const std::string& scope : principal.scopes) caller->add_scopes(scope);
}

// Returns false (with the error sent) unless `value` is an object of strings.
bool ReadStringMap(const json& id, const json& value, const char* what,
                   google::protobuf::Map<std::string, std::string>* out, const Reply& reply) {
  if (value.is_null()) return true;
  if (!value.is_object()) {
    reply(RpcError(id, kInvalidParams, absl::StrCat("Invalid params: ", what, " must be an object")));
    return false;
  }
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      reply(RpcError(id, kInvalidParams, absl::StrCat("Invalid params: ", what, " values must be strings")));
      return false;
    }
    (*out)[key] = item.get<std::string>();
  }
  return true;
}

}  // namespace

const std::vector<std::string>& SupportedProtocolVersions() {
  static const auto* versions = new std::vector<std::string>{"2025-11-25", "2025-06-18", "2025-03-26"};
  return *versions;
}

class McpEndpoint::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(McpOptions options, McpBackends backends)
      : options_(std::move(options)),
        tools_(std::move(backends.tools)),
        resources_(std::move(backends.resources)),
        prompts_(std::move(backends.prompts)),
        codec_(options_.session_key.empty() ? crypto::RandomBytes(32) : options_.session_key),
        hosts_(options_.public_url, options_.allowed_origins, options_.allowed_hosts, options_.allow_loopback) {
    if (!options_.clock) options_.clock = [] { return absl::Now(); };
    if (options_.instructions.empty()) {
      options_.instructions = absl::StrCat(
          "This server uses a pre-registered static OAuth client (client_id: ", options_.client_id,
          "). Tools: ", absl::StrJoin(options_.tool_names, ", "), ".");
    }
  }

  void Handle(McpRequest request, std::function<void(McpResponse)> done);
  absl::Status SendToSession(const std::string& session_id, const json& message);
  absl::StatusOr<std::string> SessionLogLevel(const std::string& session_id) const;
  size_t ActiveSessionCount() const;
  void Shutdown();

 private:
  absl::Time Now() const { return options_.clock(); }

  void HandlePost(McpRequest& request, std::function<void(McpResponse)> done);
  void HandleGet(const McpRequest& request, std::function<void(McpResponse)> done);
  void HandleDelete(const McpRequest& request, std::function<void(McpResponse)> done);
  void HandleInitialize(const json& message, const McpRequest& request, std::function<void(McpResponse)> done);

  // Returns the session named by the Mcp-Session-Id header, or nullptr with
  // `error` set (400 when missing, 404 when not usable by this principal).
  std::shared_ptr<Session> RequireSession(const McpRequest& request, McpResponse* error);
  // Returns the live session `id` bound to `principal`, or nullptr.
  std::shared_ptr<Session> LookupSession(const std::string& id, const Principal& principal);
  // Returns false with `error` set when MCP-Protocol-Version is unsupported.
  bool CheckVersionHeader(const McpRequest& request, McpResponse* error) const;

  void Dispatch(const std::shared_ptr<Session>& session, const json& message, const Principal& principal,
                const std::string& request_id, Reply reply);
  void HandleNotification(const std::shared_ptr<Session>& session, const std::string& method, const json& params);
  void ListTools(const json& id, const json& params, const std::string& request_id, Reply reply);
  void CallTool(const std::shared_ptr<Session>& session, const json& id, const json& params,
                const Principal& principal, const std::string& request_id, Reply reply);
  // Answers the resources/*, prompts/* and completion/* methods; false when
  // `method` is none of them or its capability is not offered.
  bool DispatchCatalog(const std::string& method, const json& id, const json& params, const Principal& principal,
                       const std::string& request_id, Reply& reply);
  void ListResources(const json& id, const json& params, const std::string& request_id, Reply reply);
  void ListResourceTemplates(const json& id, const json& params, const std::string& request_id, Reply reply);
  void ReadResource(const json& id, const json& params, const Principal& principal, const std::string& request_id,
                    Reply reply);
  void ListPrompts(const json& id, const json& params, const std::string& request_id, Reply reply);
  void GetPrompt(const json& id, const json& params, const Principal& principal, const std::string& request_id,
                 Reply reply);
  void Complete(const json& id, const json& params, const Principal& principal, const std::string& request_id,
                Reply reply);
  json Capabilities() const;

  void EndSessionLocked(Session& session, Cleanup* cleanup) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MaybeSweepLocked(absl::Time now, bool force, Cleanup* cleanup) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static bool HasActiveStream(const Session& session);

  McpOptions options_;
  const std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> tools_;
  const std::shared_ptr<mcp_oauth::resources::v1::ResourceService::StubInterface> resources_;
  const std::shared_ptr<mcp_oauth::prompts::v1::PromptService::StubInterface> prompts_;
  const SessionIdCodec codec_;
  const HostPolicy hosts_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

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

bool McpEndpoint::Impl::CheckVersionHeader(const McpRequest& request, McpResponse* error) const {
  const std::string version = request.headers.Get("mcp-protocol-version").value_or(kDefaultHeaderVersion);
  if (IsSupportedVersion(version)) return true;
  *error = HttpError(400, kTransportError,
                     absl::StrCat("Bad Request: Unsupported protocol version (supported versions: ",
                                  absl::StrJoin(SupportedProtocolVersions(), ", "), ")"));
  return false;
}

std::shared_ptr<Session> McpEndpoint::Impl::RequireSession(const McpRequest& request, McpResponse* error) {
  std::optional<std::string> id = request.headers.Get("mcp-session-id");
  if (!id || id->empty()) {
    *error = HttpError(400, kTransportError, "Bad Request: Mcp-Session-Id header is required");
    return nullptr;
  }
  std::shared_ptr<Session> session = LookupSession(*id, request.principal);
  if (session == nullptr) *error = HttpError(404, kSessionNotFound, "Session not found");
  return session;
}

bool McpEndpoint::Impl::HasActiveStream(const Session& session) {
  for (const auto& channel : session.channels) {
    if (channel->active()) return true;
  }
  return false;
}

void McpEndpoint::Impl::EndSessionLocked(Session& session, Cleanup* cleanup) {
  session.ended = true;
  for (auto& channel : session.channels) cleanup->channels.push_back(channel);
  session.channels.clear();
  for (auto& [key, call] : session.in_flight) cleanup->calls.push_back(call);
  session.in_flight.clear();
}

void McpEndpoint::Impl::MaybeSweepLocked(absl::Time now, bool force, Cleanup* cleanup) {
  if (!force && now - last_sweep_ < absl::Minutes(1)) return;
  last_sweep_ = now;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    Session& session = *it->second;
    const bool too_old = now - session.created > options_.session_max_lifetime;
    if (session.ended) {
      // Tombstones are kept until the id itself expires.
      it = too_old ? sessions_.erase(it) : std::next(it);
      continue;
    }
    if (HasActiveStream(session)) session.last_seen = now;
    if (too_old || now - session.last_seen > options_.session_idle_timeout) EndSessionLocked(session, cleanup);
    ++it;
  }
}

std::shared_ptr<Session> McpEndpoint::Impl::LookupSession(const std::string& id, const Principal& principal) {
  absl::StatusOr<SessionClaims> claims = codec_.Verify(id);
  if (!claims.ok()) return nullptr;
  if (!crypto::ConstantTimeEquals(claims->binding, SessionIdCodec::Binding(principal.subject, principal.client_id))) {
    return nullptr;
  }
  const absl::Time now = Now();
  if (now - claims->created > options_.session_max_lifetime || !IsSupportedVersion(claims->protocol_version)) {
    return nullptr;
  }
  Cleanup cleanup;
  std::shared_ptr<Session> result;
  {
    absl::MutexLock lock(&mu_);
    MaybeSweepLocked(now, false, &cleanup);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) {
      // Minted by another replica (or before a restart) with our key.
      auto session = std::make_shared<Session>();
      session->id = id;
      session->protocol_version = claims->protocol_version;
      session->created = claims->created;
      session->last_seen = now;
      sessions_[id] = session;
      result = session;
    } else if (!it->second->ended) {
      Session& session = *it->second;
      if (now - session.last_seen > options_.session_idle_timeout && !HasActiveStream(session)) {
        EndSessionLocked(session, &cleanup);
      } else {
        session.last_seen = now;
        result = it->second;
      }
    }
  }
  cleanup.Run();
  return result;
}

void McpEndpoint::Impl::HandlePost(McpRequest& request, std::function<void(McpResponse)> done) {
  const std::string accept = request.headers.Get("accept").value_or("");
  if (!AcceptsMediaType(accept, "application/json") || !AcceptsMediaType(accept, "text/event-stream")) {
    done(HttpError(406, kTransportError,
                   "Not Acceptable: Client must accept both application/json and text/event-stream"));
    return;
  }
  if (!IsContentType(request.headers.Get("content-type").value_or(""), "application/json")) {
    done(HttpError(415, kTransportError, "Unsupported Media Type: Content-Type must be application/json"));
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
  json message = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    done(HttpError(400, kParseError, "Parse error"));
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
    Dispatch(session, message, request.principal, request.request_id,
             [done = std::move(done)](std::optional<json> reply) {
      if (!reply) {
        done(Accepted());
      } else {
        done(JsonResponse(IsEnvelopeError(*reply) ? 400 : 200, *reply));
      }
    });
    return;
  }

  if (version != kBatchVersion) {
    done(HttpError(400, kInvalidRequest,
                   absl::StrCat("Invalid Request: batches are not supported in protocol version ", version)));
    return;
  }
  if (message.empty()) {
    done(HttpError(400, kInvalidRequest, "Invalid Request: empty batch"));
    return;
  }
  struct Batch {
    absl::Mutex mu;
    std::vector<std::optional<json>> replies ABSL_GUARDED_BY(mu);
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
    Dispatch(session, message[i], request.principal, request.request_id, [batch, i](std::optional<json> reply) {
      json out = json::array();
      {
        absl::MutexLock lock(&batch->mu);
        batch->replies[i] = std::move(reply);
        if (--batch->remaining > 0) return;
        for (auto& r : batch->replies) {
          if (r) out.push_back(std::move(*r));
        }
      }
      batch->done(out.empty() ? Accepted() : JsonResponse(200, out));
    });
  }
}

void McpEndpoint::Impl::HandleInitialize(const json& message, const McpRequest& request,
                                         std::function<void(McpResponse)> done) {
  if (message.value("jsonrpc", json()) != "2.0") {
    const json id = IsValidId(message.value("id", json())) ? message["id"] : json();
    done(JsonResponse(400, RpcError(id, kInvalidRequest, "Invalid Request: jsonrpc must be \"2.0\"")));
    return;
  }
  if (!message.contains("id") || !IsValidId(message["id"])) {
    done(JsonResponse(400, RpcError(nullptr, kInvalidRequest, "Invalid Request: initialize needs a string or integer id")));
    return;
  }
  const json& id = message["id"];
  const json params = message.value("params", json::object());
  if (!params.is_object() || !params.contains("protocolVersion") || !params["protocolVersion"].is_string()) {
    done(JsonResponse(200, RpcError(id, kInvalidParams, "Invalid params: protocolVersion must be a string")));
    return;
  }
  const std::string requested = params["protocolVersion"].get<std::string>();
  const std::string negotiated = IsSupportedVersion(requested) ? requested : kLatestVersion;

  const absl::Time now = Now();
  SessionClaims claims;
  claims.binding = SessionIdCodec::Binding(request.principal.subject, request.principal.client_id);
  claims.created = absl::FromUnixSeconds(absl::ToUnixSeconds(now));
  claims.protocol_version = negotiated;
  const std::string session_id = codec_.Mint(claims);

  Cleanup cleanup;
  bool full = false;
  {
    absl::MutexLock lock(&mu_);
    if (sessions_.size() >= kMaxSessions) MaybeSweepLocked(now, true, &cleanup);
    if (sessions_.size() >= kMaxSessions) {
      full = true;
    } else {
      auto session = std::make_shared<Session>();
      session->id = session_id;
      session->protocol_version = negotiated;
      session->created = claims.created;
      session->last_seen = now;
      sessions_[session_id] = std::move(session);
    }
  }
  cleanup.Run();
  if (full) {
    done(HttpError(503, kTransportError, "Service Unavailable: too many sessions"));
    return;
  }

  json result = {
      {"protocolVersion", negotiated},
      {"capabilities", Capabilities()},
      {"serverInfo", {{"name", options_.server_name}, {"version", options_.server_version}}},
      {"instructions", options_.instructions},
  };
  McpResponse response = JsonResponse(200, RpcResult(id, std::move(result)));
  response.headers.emplace_back("Mcp-Session-Id", session_id);
  done(std::move(response));
}

void McpEndpoint::Impl::Dispatch(const std::shared_ptr<Session>& session, const json& message,
                                 const Principal& principal, const std::string& request_id, Reply reply) {
  if (!message.is_object()) {
    reply(RpcError(nullptr, kInvalidRequest, "Invalid Request: a message must be a JSON object"));
    return;
  }
  const bool has_id = message.contains("id");
  const json id = has_id && IsValidId(message["id"]) ? message["id"] : json();
  if (message.value("jsonrpc", json()) != "2.0") {
    reply(RpcError(id, kInvalidRequest, "Invalid Request: jsonrpc must be \"2.0\""));
    return;
  }
  if (has_id && !IsValidId(message["id"])) {
    reply(RpcError(nullptr, kInvalidRequest, "Invalid Request: id must be a string or an integer"));
    return;
  }
  auto method_it = message.find("method");
  if (method_it == message.end()) {
    // A response to a server-initiated request (none are sent yet): accepted.
    if (has_id && (message.contains("result") || message.contains("error"))) {
      reply(std::nullopt);
    } else {
      reply(RpcError(id, kInvalidRequest, "Invalid Request: missing method"));
    }
    return;
  }
  if (!method_it->is_string()) {
    reply(RpcError(id, kInvalidRequest, "Invalid Request: method must be a string"));
    return;
  }
  const std::string method = method_it->get<std::string>();
  const json params = message.value("params", json::object());

  if (!has_id) {
    HandleNotification(session, method, params);
    reply(std::nullopt);
    return;
  }
  if (!params.is_object()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: params must be an object"));
    return;
  }
  if (method == "ping") {
    reply(RpcResult(id, json::object()));
  } else if (method == "tools/list") {
    ListTools(id, params, request_id, std::move(reply));
  } else if (method == "tools/call") {
    CallTool(session, id, params, principal, request_id, std::move(reply));
  } else if (method == "logging/setLevel") {
    auto level = params.find("level");
    if (level == params.end() || !level->is_string() || LogLevels().count(level->get<std::string>()) == 0) {
      reply(RpcError(id, kInvalidParams,
                     "Invalid params: level must be one of " + absl::StrJoin(LogLevels(), ", ")));
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      session->log_level = level->get<std::string>();
    }
    reply(RpcResult(id, json::object()));
  } else if (method == "initialize") {
    reply(RpcError(id, kInvalidRequest, "Invalid Request: initialize must be sent on its own"));
  } else if (DispatchCatalog(method, id, params, principal, request_id, reply)) {
    // answered (or will be) by a catalog service
  } else {
    reply(RpcError(id, kMethodNotFound, "Method not found: " + method));
  }
}

void McpEndpoint::Impl::HandleNotification(const std::shared_ptr<Session>& session, const std::string& method,
                                           const json& params) {
  if (method != "notifications/cancelled" || !params.is_object()) return;  // others need no action
  auto request_id = params.find("requestId");
  if (request_id == params.end() || !IsValidId(*request_id)) return;
  std::shared_ptr<ToolCall> call;
  {
    absl::MutexLock lock(&mu_);
    auto it = session->in_flight.find(request_id->dump());
    if (it != session->in_flight.end()) call = it->second;
  }
  if (call) call->context.TryCancel();
}

void McpEndpoint::Impl::ListTools(const json& id, const json& params, const std::string& request_id,
                                  Reply reply) {
  auto call = std::make_shared<ListCall>();
  if (auto cursor = params.find("cursor"); cursor != params.end() && !cursor->is_null()) {
    if (!cursor->is_string()) {
      reply(RpcError(id, kInvalidParams, "Invalid params: cursor must be a string"));
      return;
    }
    call->request.set_page_token(cursor->get<std::string>());
  }
  auto* async = tools_ ? tools_->async() : nullptr;
  if (async == nullptr) {
    reply(RpcError(id, kInternalError, "Internal error"));
    return;
  }
  call->context.set_deadline(DeadlineAfter(options_.list_tools_timeout));
  AddRequestId(call->context, request_id);
  async->ListTools(&call->context, &call->request, &call->response,
                   [call, id, request_id, started = absl::Now(), reply = std::move(reply)](grpc::Status status) {
                     ObserveLatency("ToolService/ListTools", started);
                     if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
                       reply(RpcError(id, kInvalidParams, "Invalid params: invalid cursor"));
                       return;
                     }
                     if (!status.ok()) {
                       log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "ListTools failed: ",
                                                 status.error_code(), " ",
                                                 status.error_message()));
                       reply(RpcErrorForStatus(id, status, ""));
                       return;
                     }
                     json tools = json::array();
                     for (const auto& tool : call->response.tools()) tools.push_back(ToolToJson(tool));
                     json result = {{"tools", std::move(tools)}};
                     if (!call->response.next_page_token().empty()) {
                       result["nextCursor"] = call->response.next_page_token();
                     }
                     reply(RpcResult(id, std::move(result)));
                   });
}

void McpEndpoint::Impl::CallTool(const std::shared_ptr<Session>& session, const json& id, const json& params,
                                 const Principal& principal, const std::string& request_id, Reply reply) {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: name must be a non-empty string"));
    return;
  }
  const std::string tool_name = name->get<std::string>();
  json arguments = params.value("arguments", json::object());
  if (arguments.is_null()) arguments = json::object();
  if (!arguments.is_object()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: arguments must be an object"));
    return;
  }
  absl::StatusOr<google::protobuf::Struct> args = JsonToStruct(arguments);
  if (!args.ok()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: arguments nested too deeply"));
    return;
  }
  auto* async = tools_ ? tools_->async() : nullptr;
  if (async == nullptr) {
    reply(RpcError(id, kInternalError, "Internal error"));
    return;
  }
  auto call = std::make_shared<ToolCall>();
  call->request.set_name(tool_name);
  *call->request.mutable_arguments() = *std::move(args);
  auto* caller = call->request.mutable_caller();
  caller->set_subject(principal.subject);
  caller->set_username(principal.username);
  caller->set_client_id(principal.client_id);
  for (const std::string& scope : principal.scopes) caller->add_scopes(scope);
  call->context.set_deadline(DeadlineAfter(options_.tool_call_timeout));
  AddRequestId(call->context, request_id);

  const std::string key = id.dump();
  bool ended = false;
  bool duplicate = false;
  {
    absl::MutexLock lock(&mu_);
    ended = session->ended;
    duplicate = !ended && !session->in_flight.emplace(key, call).second;
  }
  if (ended) {
    reply(RpcError(id, kInternalError, "Internal error: session ended"));
    return;
  }
  if (duplicate) {
    reply(RpcError(id, kInvalidRequest, "Invalid Request: a request with this id is already in progress"));
    return;
  }
  std::weak_ptr<Impl> weak_self = weak_from_this();
  async->CallTool(&call->context, &call->request, &call->response,
                  [weak_self, session, key, call, id, tool_name, request_id, started = absl::Now(),
                   reply = std::move(reply)](grpc::Status status) {
                    ObserveLatency("ToolService/CallTool", started);
                    if (auto self = weak_self.lock()) {
                      absl::MutexLock lock(&self->mu_);
                      auto it = session->in_flight.find(key);
                      if (it != session->in_flight.end() && it->second == call) session->in_flight.erase(it);
                    }
                    if (!status.ok()) {
                      if (status.error_code() != grpc::StatusCode::NOT_FOUND &&
                          status.error_code() != grpc::StatusCode::CANCELLED) {
                        log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "CallTool '", tool_name,
                                                  "' failed: ", status.error_code(),
                                                  " ", status.error_message()));
                      }
                      reply(RpcErrorForStatus(id, status, tool_name));
                      return;
                    }
                    reply(RpcResult(id, CallResultToJson(call->response)));
                  });
}

json McpEndpoint::Impl::Capabilities() const {
  json capabilities = {{"tools", {{"listChanged", false}}}, {"logging", json::object()}};
  if (options_.offer_resources) capabilities["resources"] = {{"listChanged", false}};
  if (options_.offer_prompts) capabilities["prompts"] = {{"listChanged", false}};
  if (options_.offer_completions) capabilities["completions"] = json::object();
  return capabilities;
}

bool McpEndpoint::Impl::DispatchCatalog(const std::string& method, const json& id, const json& params,
                                        const Principal& principal, const std::string& request_id, Reply& reply) {
  const bool resources = options_.offer_resources && resources_ != nullptr;
  const bool prompts = options_.offer_prompts && prompts_ != nullptr;
  if (resources && method == "resources/list") {
    ListResources(id, params, request_id, std::move(reply));
  } else if (resources && method == "resources/templates/list") {
    ListResourceTemplates(id, params, request_id, std::move(reply));
  } else if (resources && method == "resources/read") {
    ReadResource(id, params, principal, request_id, std::move(reply));
  } else if (prompts && method == "prompts/list") {
    ListPrompts(id, params, request_id, std::move(reply));
  } else if (prompts && method == "prompts/get") {
    GetPrompt(id, params, principal, request_id, std::move(reply));
  } else if (options_.offer_completions && method == "completion/complete") {
    Complete(id, params, principal, request_id, std::move(reply));
  } else {
    return false;
  }
  return true;
}

void McpEndpoint::Impl::ListResources(const json& id, const json& params, const std::string& request_id,
                                      Reply reply) {
  auto call = std::make_shared<UnaryCall<rv1::ListResourcesRequest, rv1::ListResourcesResponse>>();
  std::string cursor;
  if (!ReadCursor(id, params, &cursor, reply)) return;
  call->request.set_page_token(cursor);
  StartUnary(
      "ResourceService/ListResources", options_.catalog_call_timeout, request_id, call,
      [this](auto... args) { resources_->async()->ListResources(args...); },
      [id, reply = std::move(reply)](const grpc::Status& status, const rv1::ListResourcesResponse& response) {
        if (!status.ok()) {
          reply(CatalogRpcError(id, status, "Invalid params: invalid cursor"));
          return;
        }
        json list = json::array();
        for (const auto& resource : response.resources()) {
          json item = {{"uri", resource.uri()}, {"name", resource.name()}};
          SetIfNotEmpty(&item, "title", resource.title());
          SetIfNotEmpty(&item, "description", resource.description());
          SetIfNotEmpty(&item, "mimeType", resource.mime_type());
          list.push_back(std::move(item));
        }
        json result = {{"resources", std::move(list)}};
        SetIfNotEmpty(&result, "nextCursor", response.next_page_token());
        reply(RpcResult(id, std::move(result)));
      });
}

void McpEndpoint::Impl::ListResourceTemplates(const json& id, const json& params, const std::string& request_id,
                                              Reply reply) {
  auto call = std::make_shared<UnaryCall<rv1::ListResourceTemplatesRequest, rv1::ListResourceTemplatesResponse>>();
  std::string cursor;
  if (!ReadCursor(id, params, &cursor, reply)) return;
  call->request.set_page_token(cursor);
  StartUnary(
      "ResourceService/ListResourceTemplates", options_.catalog_call_timeout, request_id, call,
      [this](auto... args) { resources_->async()->ListResourceTemplates(args...); },
      [id, reply = std::move(reply)](const grpc::Status& status, const rv1::ListResourceTemplatesResponse& response) {
        if (!status.ok()) {
          reply(CatalogRpcError(id, status, "Invalid params: invalid cursor"));
          return;
        }
        json list = json::array();
        for (const auto& tmpl : response.resource_templates()) {
          json item = {{"uriTemplate", tmpl.uri_template()}, {"name", tmpl.name()}};
          SetIfNotEmpty(&item, "title", tmpl.title());
          SetIfNotEmpty(&item, "description", tmpl.description());
          SetIfNotEmpty(&item, "mimeType", tmpl.mime_type());
          list.push_back(std::move(item));
        }
        json result = {{"resourceTemplates", std::move(list)}};
        SetIfNotEmpty(&result, "nextCursor", response.next_page_token());
        reply(RpcResult(id, std::move(result)));
      });
}

void McpEndpoint::Impl::ReadResource(const json& id, const json& params, const Principal& principal,
                                     const std::string& request_id, Reply reply) {
  auto uri = params.find("uri");
  if (uri == params.end() || !uri->is_string() || uri->get_ref<const std::string&>().empty()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: uri must be a non-empty string"));
    return;
  }
  auto call = std::make_shared<UnaryCall<rv1::ReadResourceRequest, rv1::ReadResourceResponse>>();
  call->request.set_uri(uri->get<std::string>());
  FillCaller(call->request.mutable_caller(), principal);
  StartUnary(
      "ResourceService/ReadResource", options_.catalog_call_timeout, request_id, call,
      [this](auto... args) { resources_->async()->ReadResource(args...); },
      [id, uri = uri->get<std::string>(), reply = std::move(reply)](const grpc::Status& status,
                                                                    const rv1::ReadResourceResponse& response) {
        if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
          json error = RpcError(id, kResourceNotFound, "Resource not found");
          error["error"]["data"] = {{"uri", uri}};
          reply(std::move(error));
          return;
        }
        if (!status.ok()) {
          reply(CatalogRpcError(id, status, "Resource not found"));
          return;
        }
        json contents = json::array();
        for (const auto& item : response.contents()) {
          json out = {{"uri", item.uri()}};
          SetIfNotEmpty(&out, "mimeType", item.mime_type());
          if (item.data_case() == rv1::ResourceContents::kBlob) {
            out["blob"] = absl::Base64Escape(item.blob());
          } else {
            out["text"] = item.text();
          }
          contents.push_back(std::move(out));
        }
        reply(RpcResult(id, {{"contents", std::move(contents)}}));
      });
}

void McpEndpoint::Impl::ListPrompts(const json& id, const json& params, const std::string& request_id,
                                    Reply reply) {
  auto call = std::make_shared<UnaryCall<pv1::ListPromptsRequest, pv1::ListPromptsResponse>>();
  std::string cursor;
  if (!ReadCursor(id, params, &cursor, reply)) return;
  call->request.set_page_token(cursor);
  StartUnary(
      "PromptService/ListPrompts", options_.catalog_call_timeout, request_id, call,
      [this](auto... args) { prompts_->async()->ListPrompts(args...); },
      [id, reply = std::move(reply)](const grpc::Status& status, const pv1::ListPromptsResponse& response) {
        if (!status.ok()) {
          reply(CatalogRpcError(id, status, "Invalid params: invalid cursor"));
          return;
        }
        json list = json::array();
        for (const auto& prompt : response.prompts()) {
          json item = {{"name", prompt.name()}};
          SetIfNotEmpty(&item, "title", prompt.title());
          SetIfNotEmpty(&item, "description", prompt.description());
          if (prompt.arguments_size() > 0) {
            json arguments = json::array();
            for (const auto& argument : prompt.arguments()) {
              json a = {{"name", argument.name()}, {"required", argument.required()}};
              SetIfNotEmpty(&a, "description", argument.description());
              arguments.push_back(std::move(a));
            }
            item["arguments"] = std::move(arguments);
          }
          list.push_back(std::move(item));
        }
        json result = {{"prompts", std::move(list)}};
        SetIfNotEmpty(&result, "nextCursor", response.next_page_token());
        reply(RpcResult(id, std::move(result)));
      });
}

void McpEndpoint::Impl::GetPrompt(const json& id, const json& params, const Principal& principal,
                                  const std::string& request_id, Reply reply) {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: name must be a non-empty string"));
    return;
  }
  auto call = std::make_shared<UnaryCall<pv1::GetPromptRequest, pv1::GetPromptResponse>>();
  call->request.set_name(name->get<std::string>());
  if (!ReadStringMap(id, params.value("arguments", json()), "arguments", call->request.mutable_arguments(), reply)) {
    return;
  }
  FillCaller(call->request.mutable_caller(), principal);
  StartUnary(
      "PromptService/GetPrompt", options_.catalog_call_timeout, request_id, call,
      [this](auto... args) { prompts_->async()->GetPrompt(args...); },
      [id, name = name->get<std::string>(), reply = std::move(reply)](const grpc::Status& status,
                                                                      const pv1::GetPromptResponse& response) {
        if (!status.ok()) {
          reply(CatalogRpcError(id, status, "Invalid params: unknown prompt: " + name));
          return;
        }
        json messages = json::array();
        for (const auto& message : response.messages()) {
          messages.push_back({{"role", message.role()}, {"content", StructToJson(message.content())}});
        }
        json result = {{"messages", std::move(messages)}};
        SetIfNotEmpty(&result, "description", response.description());
        reply(RpcResult(id, std::move(result)));
      });
}

void McpEndpoint::Impl::Complete(const json& id, const json& params, const Principal& principal,
                                 const std::string& request_id, Reply reply) {
  const json ref = params.value("ref", json());
  const json argument = params.value("argument", json());
  if (!ref.is_object() || !ref.value("type", json()).is_string() || !argument.is_object() ||
      !argument.value("name", json()).is_string() || !argument.value("value", json()).is_string()) {
    reply(RpcError(id, kInvalidParams,
                   "Invalid params: ref {type, name|uri} and argument {name, value} are required"));
    return;
  }
  const std::string type = ref["type"].get<std::string>();
  const std::string arg_name = argument["name"].get<std::string>();
  const std::string arg_value = argument["value"].get<std::string>();
  const json context_arguments = params.value("context", json::object()).is_object()
                                     ? params.value("context", json::object()).value("arguments", json())
                                     : json();
  auto render = [id](const grpc::Status& status, const auto& response, const Reply& reply) {
    if (!status.ok()) {
      reply(CatalogRpcError(id, status, "Invalid params: unknown completion reference"));
      return;
    }
    json values = json::array();
    for (const auto& value : response.values()) values.push_back(value);
    json completion = {{"values", std::move(values)}, {"hasMore", response.has_more()}};
    if (response.total() > 0) completion["total"] = response.total();
    reply(RpcResult(id, {{"completion", std::move(completion)}}));
  };
  if (type == "ref/prompt" && ref.value("name", json()).is_string() && prompts_ != nullptr) {
    auto call = std::make_shared<UnaryCall<pv1::CompleteRequest, pv1::CompleteResponse>>();
    call->request.set_prompt_name(ref["name"].get<std::string>());
    call->request.set_argument_name(arg_name);
    call->request.set_argument_value(arg_value);
    if (!ReadStringMap(id, context_arguments, "context.arguments", call->request.mutable_context_arguments(),
                       reply)) {
      return;
    }
    FillCaller(call->request.mutable_caller(), principal);
    StartUnary(
        "PromptService/Complete", options_.catalog_call_timeout, request_id, call,
        [this](auto... args) { prompts_->async()->Complete(args...); },
        [render, reply = std::move(reply)](const grpc::Status& status, const pv1::CompleteResponse& response) {
          render(status, response, reply);
        });
  } else if (type == "ref/resource" && ref.value("uri", json()).is_string() && resources_ != nullptr) {
    auto call = std::make_shared<UnaryCall<rv1::CompleteRequest, rv1::CompleteResponse>>();
    call->request.set_uri_template(ref["uri"].get<std::string>());
    call->request.set_argument_name(arg_name);
    call->request.set_argument_value(arg_value);
    if (!ReadStringMap(id, context_arguments, "context.arguments", call->request.mutable_context_arguments(),
                       reply)) {
      return;
    }
    FillCaller(call->request.mutable_caller(), principal);
    StartUnary(
        "ResourceService/Complete", options_.catalog_call_timeout, request_id, call,
        [this](auto... args) { resources_->async()->Complete(args...); },
        [render, reply = std::move(reply)](const grpc::Status& status, const rv1::CompleteResponse& response) {
          render(status, response, reply);
        });
  } else {
    reply(RpcError(id, kInvalidParams, "Invalid params: ref must be ref/prompt with a name or ref/resource with a uri"));
  }
}

void McpEndpoint::Impl::HandleGet(const McpRequest& request, std::function<void(McpResponse)> done) {
  if (!AcceptsMediaType(request.headers.Get("accept").value_or(""), "text/event-stream")) {
    done(HttpError(406, kTransportError, "Not Acceptable: Client must accept text/event-stream"));
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
  std::optional<std::pair<std::string, uint64_t>> resume;
  if (auto last = request.headers.Get("last-event-id")) resume = SseChannel::ParseEventId(*last);

  std::shared_ptr<EventStream> stream;
  {
    absl::MutexLock lock(&mu_);
    if (session->ended) {
      error = HttpError(404, kSessionNotFound, "Session not found");
    } else {
      std::shared_ptr<SseChannel> channel;
      if (resume) {
        for (const auto& c : session->channels) {
          if (c->id() == resume->first) channel = c;
        }
      }
      if (channel) {
        stream = channel->Connect(resume->second);
      } else {
        int active = 0;
        for (const auto& c : session->channels) active += c->active() ? 1 : 0;
        if (active >= options_.max_streams_per_session) {
          error = HttpError(429, kTransportError, "Too Many Requests: too many open streams for this session");
        } else {
          // Forget the oldest finished channels beyond a small history.
          const size_t keep = static_cast<size_t>(std::max(1, options_.max_streams_per_session)) * 2;
          for (auto it = session->channels.begin(); session->channels.size() >= keep && it != session->channels.end();) {
            it = (*it)->active() ? std::next(it) : session->channels.erase(it);
          }
          channel = std::make_shared<SseChannel>(crypto::HexEncode(crypto::RandomBytes(8)),
                                                 options_.max_replay_events,
                                                 session->protocol_version >= kPrimingSinceVersion);
          session->channels.push_back(channel);
          stream = channel->Connect(std::nullopt);
        }
      }
    }
  }
  if (!stream) {
    done(std::move(error));
    return;
  }
  McpResponse response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "text/event-stream");
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.stream = std::move(stream);
  done(std::move(response));
}

void McpEndpoint::Impl::HandleDelete(const McpRequest& request, std::function<void(McpResponse)> done) {
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
  Cleanup cleanup;
  {
    absl::MutexLock lock(&mu_);
    EndSessionLocked(*session, &cleanup);
  }
  cleanup.Run();
  McpResponse response;
  response.status = 200;
  done(std::move(response));
}

absl::Status McpEndpoint::Impl::SendToSession(const std::string& session_id, const json& message) {
  std::shared_ptr<SseChannel> target;
  {
    absl::MutexLock lock(&mu_);
    auto it = sessions_.find(session_id);
    if (it == sessions_.end() || it->second->ended) return absl::NotFoundError("session not found");
    // The newest open stream; each message goes to exactly one stream.
    for (auto c = it->second->channels.rbegin(); c != it->second->channels.rend(); ++c) {
      if ((*c)->active()) {
        target = *c;
        break;
      }
    }
  }
  if (!target) return absl::FailedPreconditionError("no open stream for this session");
  target->Send(DumpJson(message));
  return absl::OkStatus();
}

absl::StatusOr<std::string> McpEndpoint::Impl::SessionLogLevel(const std::string& session_id) const {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second->ended) return absl::NotFoundError("session not found");
  return it->second->log_level;
}

size_t McpEndpoint::Impl::ActiveSessionCount() const {
  const absl::Time now = Now();
  size_t count = 0;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [id, session] : sessions_) {
    if (session->ended || now - session->created > options_.session_max_lifetime) continue;
    if (now - session->last_seen > options_.session_idle_timeout && !HasActiveStream(*session)) continue;
    ++count;
  }
  return count;
}

void McpEndpoint::Impl::Shutdown() {
  Cleanup cleanup;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, session] : sessions_) {
      if (!session->ended) EndSessionLocked(*session, &cleanup);
    }
  }
  cleanup.Run();
}

McpEndpoint::McpEndpoint(McpOptions options,
                         std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> tools)
    : McpEndpoint(std::move(options), McpBackends{std::move(tools), nullptr, nullptr}) {}

McpEndpoint::McpEndpoint(McpOptions options, McpBackends backends)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(backends))) {}

McpEndpoint::~McpEndpoint() { impl_->Shutdown(); }

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
