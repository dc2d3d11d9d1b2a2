// 2026-07-28 requests: no initialize, no session; every request carries its
// protocol version and client capabilities in `_meta` and mirrors its method
// (and name) in headers. Served by the same backends as the 2025 flow; results
// carry `resultType` and, where cacheable, `ttlMs`/`cacheScope`.
#include <map>
#include <set>
#include <string_view>

#include "absl/strings/match.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"
#include "mcp/protocol/stateless_era.h"

namespace mcp_oauth::mcp {
namespace {

// How long clients may reuse a result (SEP-2549 caching hints). The tool
// list may change at runtime and resource contents may change: not cached.
// The resource and prompt catalogs are fixed for the process's lifetime.
// "private": results are computed for the authenticated principal.
const std::map<std::string, int>& CacheTtlMs() {
  static const std::map<std::string, int>* const kTtl = new std::map<std::string, int>{
      {"server/discover", 300000}, {"tools/list", 0},         {"resources/list", 300000},
      {"resources/templates/list", 300000}, {"resources/read", 0}, {"prompts/list", 300000},
  };
  return *kTtl;
}

// The methods a stateless request may call besides server/discover, tools/*
// (the rest, including initialize, ping, logging/setLevel and the
// subscriptions, do not exist in 2026-07-28: -32601, HTTP 404).
bool IsCatalogMethod(const std::string& method) {
  static const std::set<std::string>* const kMethods =
      new std::set<std::string>{"resources/list", "resources/templates/list", "resources/read",
                                "prompts/list",   "prompts/get",              "completion/complete"};
  return kMethods->count(method) > 0;
}

json CallResult(const CallToolResponse& response) {
  json out = CallResultToJson(response);
  out["resultType"] = "complete";
  return out;
}

// Adapts a reply of the shared (2025-era) handlers to 2026-07-28: resultType
// and caching hints on results; resources/read of an unknown URI is -32602
// with the URI in data (SEP-2164). Sets `status` from the error code.
json Shape(const std::string& method, const json& params, json reply, int* status) {
  *status = 200;
  if (auto result = reply.find("result"); result != reply.end() && result->is_object()) {
    if (!result->contains("resultType")) (*result)["resultType"] = "complete";
    if ((*result)["resultType"] != "complete") return reply;  // not a result to cache
    if (auto ttl = CacheTtlMs().find(method); ttl != CacheTtlMs().end()) {
      (*result)["ttlMs"] = ttl->second;
      (*result)["cacheScope"] = "private";
    }
    return reply;
  }
  auto error = reply.find("error");
  if (error == reply.end() || !error->is_object()) return reply;
  const int code = error->value("code", kInternalError);
  if (method == "resources/read" && code == kResourceNotFound) {
    (*error)["code"] = kInvalidParams;
    (*error)["data"] = {{"uri", params.value("uri", json())}};
  }
  *status = StatelessHttpStatus((*error)["code"].get<int>());
  return reply;
}

// The SSE answer of a streamed stateless tools/call. In 2026-07-28 a client
// cancels a request by closing its stream: when the gateway reports the
// connection gone (Cancel), the tool call is cancelled through its RPC.
class CancelOnClose final : public EventStream {
 public:
  CancelOnClose(std::shared_ptr<EventStream> inner, std::shared_ptr<client::Cancellation> call)
      : inner_(std::move(inner)), call_(std::move(call)) {}

  void Start(std::function<bool(std::string_view)> write, std::function<void()> close) override {
    inner_->Start(std::move(write), std::move(close));
  }
  // A no-op for the RPC once it has finished.
  void Cancel() override {
    inner_->Cancel();
    call_->Cancel();
  }

 private:
  const std::shared_ptr<EventStream> inner_;
  const std::shared_ptr<client::Cancellation> call_;
};

// Returns the JSON-RPC answer to a finished tools/call RPC (`response` is
// set when `status` is OK).
json ToolCallReply(const json& id, const grpc::Status& status, const CallToolResponse* response,
                   const json& client_capabilities, const std::string& tool_name) {
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    // The only INVALID_ARGUMENT of CallTool: a requestState that fails its
    // integrity, binding or expiry check.
    return RpcError(id, kInvalidParams, "Invalid params: invalid or expired requestState");
  }
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      absl::StartsWith(status.error_message(), "Task required:")) {
    // A tool that runs only as a task, from a client without the extension.
    return MissingTasksCapability(id, status.error_message());
  }
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      absl::StartsWith(status.error_message(), "Header mismatch:")) {
    // Mcp-Param-* headers that disagree with the arguments (ToolService
    // checked them against the tool's x-mcp-header parameters).
    return RpcError(id, kHeaderMismatch, status.error_message());
  }
  if (!status.ok()) return RpcErrorForStatus(id, status, tool_name);
  if (response->has_input_required()) {
    return InputRequiredReply(id, response->input_required(), client_capabilities);
  }
  return RpcResult(id, CallResult(*response));
}

}  // namespace

json McpEndpoint::Impl::DiscoverResult() const {
  json capabilities = Capabilities();
  // Nothing is pushed statelessly (no subscriptions/listen, no
  // logging/setLevel): declare no list-changed or subscription support.
  capabilities.erase("logging");
  for (const char* feature : {"tools", "resources", "prompts"}) {
    if (!capabilities.contains(feature)) continue;
    capabilities[feature]["listChanged"] = false;
    capabilities[feature].erase("subscribe");
  }
  if (tasks_ != nullptr) capabilities["extensions"][kTasksExtension] = json::object();
  std::vector<std::string> versions = {kStatelessVersion};
  for (const std::string& version : SupportedProtocolVersions()) versions.push_back(version);
  return json{
      {"supportedVersions", versions},
      {"capabilities", std::move(capabilities)},
      {"serverInfo", {{"name", options_.server_name}, {"version", options_.server_version}}},
      {"instructions", Instructions()},
      {"_meta", {{kMetaServerInfo, {{"name", options_.server_name}, {"version", options_.server_version}}}}},
  };
}

void McpEndpoint::Impl::HandleStateless(const McpRequest& request, const json& message,
                                        std::function<void(McpResponse)> done) {
  if (!message.is_object()) {
    done(JsonResponse(400, RpcError(nullptr, kInvalidRequest,
                                    "Invalid Request: a 2026-07-28 request is one JSON-RPC object")));
    return;
  }
  const bool has_id = message.contains("id");
  const json id = has_id && IsValidId(message["id"]) ? message["id"] : json();
  if (message.value("jsonrpc", json()) != "2.0") {
    done(JsonResponse(400, RpcError(id, kInvalidRequest, "Invalid Request: jsonrpc must be \"2.0\"")));
    return;
  }
  if (has_id && !IsValidId(message["id"])) {
    done(JsonResponse(400, RpcError(nullptr, kInvalidRequest, "Invalid Request: id must be a string or an integer")));
    return;
  }
  auto method_it = message.find("method");
  if (method_it == message.end() || !method_it->is_string()) {
    done(JsonResponse(400, RpcError(id, kInvalidRequest, "Invalid Request: method must be a string")));
    return;
  }
  if (!has_id) {
    // Notifications need no answer; cancellation is closing the request's
    // stream, not notifications/cancelled.
    done(Accepted());
    return;
  }
  const std::vector<std::string> supported = {kStatelessVersion};
  if (std::optional<StatelessRejection> rejection = CheckStatelessRequest(request.headers, message, supported)) {
    json error = RpcError(id, rejection->code, rejection->message);
    if (!rejection->data.is_null()) error["error"]["data"] = rejection->data;
    done(JsonResponse(rejection->http_status, error));
    return;
  }
  const std::string method = method_it->get<std::string>();
  const json& params = message["params"];
  // The answer is one JSON body unless a streamed tools/call sends events
  // first; a streamed answer's stream cancels the call when closed.
  auto cancel = std::make_shared<std::shared_ptr<client::Cancellation>>();
  auto post = std::make_shared<PostResponder>([cancel, done = std::move(done)](McpResponse response) {
    if (response.stream != nullptr && *cancel != nullptr) {
      response.stream = std::make_shared<CancelOnClose>(std::move(response.stream), *cancel);
    }
    done(std::move(response));
  });
  Reply reply = [post, method, params](std::optional<json> out) {
    if (!out) {
      post->Finish(Accepted());
      return;
    }
    int status = 200;
    json shaped = Shape(method, params, *std::move(out), &status);
    post->Finish(JsonResponse(status, shaped));
  };
  if (method == "server/discover") {
    reply(RpcResult(id, DiscoverResult()));
  } else if (method == "tools/list") {
    ListTools(id, params, request.request_id, std::move(reply));
  } else if (method == "tools/call") {
    CallToolStateless(id, params, request.principal, request.headers, request.request_id, std::move(reply), post,
                      cancel);
  } else if (tasks_ != nullptr && (method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel")) {
    HandleTaskMethod(method, id, params, request.principal, std::move(reply));
  } else if (IsCatalogMethod(method) && DispatchCatalog(method, id, params, request.principal, request.request_id, reply,
                                                           /*stateless=*/true)) {
    // answered (or will be) by a catalog service
  } else {
    reply(RpcError(id, kMethodNotFound, "Method not found: " + method));
  }
}

void McpEndpoint::Impl::CallToolStateless(const json& id, const json& params, const Principal& principal,
                                          const HttpHeaders& headers, const std::string& request_id, Reply reply,
                                          std::shared_ptr<PostResponder> post,
                                          std::shared_ptr<std::shared_ptr<client::Cancellation>> cancel) {
  CallToolRequest call;
  if (std::optional<json> error = ReadToolCall(id, params, principal, &call)) {
    reply(*std::move(error));
    return;
  }
  // The Mcp-Param-* headers, for ToolService to check against the arguments
  // (it knows which parameters the tool mirrors).
  constexpr char kParamPrefix[] = "mcp-param-";
  auto* mirrored = call.mutable_param_headers()->mutable_values();
  for (const auto& [header, value] : headers.all()) {
    if (absl::StartsWith(header, kParamPrefix)) (*mirrored)[header.substr(sizeof(kParamPrefix) - 1)] = value;
  }
  if (auto responses = params.find("inputResponses"); responses != params.end()) {
    bool valid = responses->is_object();
    for (auto it = responses->begin(); valid && it != responses->end(); ++it) {
      absl::StatusOr<google::protobuf::Struct> answer = JsonToStruct(it.value());
      valid = answer.ok();
      if (valid) (*call.mutable_input_responses())[it.key()] = *std::move(answer);
    }
    if (!valid) {
      reply(RpcError(id, kInvalidParams, "Invalid params: inputResponses must map keys to result objects"));
      return;
    }
  }
  if (auto state = params.find("requestState"); state != params.end()) {
    if (!state->is_string()) {
      reply(RpcError(id, kInvalidParams, "Invalid params: requestState must be a string"));
      return;
    }
    call.set_request_state(state->get<std::string>());
  }
  const json capabilities = params["_meta"][kMetaClientCapabilities];
  if (absl::StatusOr<google::protobuf::Struct> caps = JsonToStruct(capabilities); caps.ok()) {
    call.mutable_client_capabilities()->Swap(&*caps);
  }
  if (tools_ == nullptr) {
    reply(RpcError(id, kInternalError, "Internal error"));
    return;
  }
  // Progress only: nothing else is pushed statelessly.
  ToolCallEvents events;
  events.progress_token = ProgressTokenOf(params);
  client::CallOptions options;
  options.request_id = request_id;
  options.timeout = options_.tool_call_timeout;
  if (!events.progress_token.is_null()) {
    // Streamed: the POST's stream cancels the call when the client closes
    // it. Set before the RPC starts, so before any event is sent.
    options.cancellation = std::make_shared<client::Cancellation>();
    *cancel = options.cancellation;
  }
  // Tasks negotiated: a task tool answers start_task and the call becomes a
  // task (endpoint_tasks.cc), which runs a copy of it.
  std::shared_ptr<CallToolRequest> task_call;
  if (TasksNegotiated(params)) {
    call.set_task_mode(mcp_oauth::tools::v1::TASK_MODE_ALLOWED);
    task_call = std::make_shared<CallToolRequest>(call);
  }
  RunToolCall(call, events, options, std::move(post),
              [self = shared_from_this(), id, name = call.name(), capabilities, principal, request_id, task_call,
               reply = std::move(reply)](const grpc::Status& status, CallToolResponse* response) {
                if (status.ok() && response->start_task() && task_call != nullptr) {
                  self->StartTask(id, std::move(*task_call), principal, request_id, std::move(reply));
                  return;
                }
                reply(ToolCallReply(id, status, response, capabilities, name));
              });
}

}  // namespace mcp_oauth::mcp
