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
      {"server/discover", 300000},          {"tools/list", 0},     {"resources/list", 300000},
      {"resources/templates/list", 300000}, {"resources/read", 0}, {"prompts/list", 300000},
  };
  return *kTtl;
}

// Adapts a reply of the shared (2025-era) handlers to 2026-07-28: resultType
// and caching hints on results; resources/read of an unknown URI is -32602
// with the URI in data (SEP-2164). Sets `status` from the error code.
// `uri`: resources/read's params.uri (else null).
json Shape(const std::string& method, const json& uri, json reply, int* status) {
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
    (*error)["data"] = {{"uri", uri}};
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

}  // namespace

json McpEndpoint::Impl::DiscoverResult() const {
  json capabilities = catalog_.Capabilities();
  // Nothing is pushed statelessly (no subscriptions/listen, no
  // logging/setLevel): declare no list-changed or subscription support.
  capabilities.erase("logging");
  for (const char* feature : {"tools", "resources", "prompts"}) {
    if (!capabilities.contains(feature)) continue;
    capabilities[feature]["listChanged"] = false;
    capabilities[feature].erase("subscribe");
  }
  if (tasks_ != nullptr) capabilities["extensions"][kTasksExtension] = json::object();
  return json{
      {"supportedVersions", SupportedVersions()},
      {"capabilities", std::move(capabilities)},
      {"serverInfo", {{"name", options_.server_name}, {"version", options_.server_version}}},
      {"instructions", catalog_.Instructions()},
      {"_meta",
       {{kMetaServerInfo, {{"name", options_.server_name}, {"version", options_.server_version}}}}},
  };
}

void McpEndpoint::Impl::HandleStateless(const McpRequest& request, const json& message,
                                        std::function<void(McpResponse)> done) {
  // One request per POST: no batches, and no responses (nothing asks the
  // client anything statelessly).
  RpcEnvelope envelope;
  if (std::optional<json> error = CheckEnvelope(message, Responses::kRefused, &envelope)) {
    done(JsonResponse(400, *error));
    return;
  }
  const json& id = *envelope.id;
  if (!envelope.has_id) {
    // Notifications need no answer; cancellation is closing the request's
    // stream, not notifications/cancelled.
    done(Accepted());
    return;
  }
  static const std::vector<std::string>* const kStatelessVersions =
      new std::vector<std::string>{kStatelessVersion};
  if (std::optional<StatelessRejection> rejection =
          CheckStatelessRequest(request.headers, message, *kStatelessVersions)) {
    json error = RpcError(id, rejection->code, rejection->message);
    if (!rejection->data.is_null()) error["error"]["data"] = rejection->data;
    done(JsonResponse(rejection->http_status, error));
    return;
  }
  const std::string& method = *envelope.method;
  const json& params = *envelope.params;
  // The answer is one JSON body unless a streamed tools/call sends events
  // first; a streamed answer's stream cancels the call when closed.
  auto cancel = std::make_shared<std::shared_ptr<client::Cancellation>>();
  auto post =
      std::make_shared<PostResponder>([cancel, done = std::move(done)](McpResponse response) {
        if (response.stream != nullptr && *cancel != nullptr) {
          response.stream = std::make_shared<CancelOnClose>(std::move(response.stream), *cancel);
        }
        done(std::move(response));
      });
  // What Shape needs of the params (a copy of them all would cost more
  // than most requests).
  json uri;
  if (method == "resources/read" && params.is_object()) uri = params.value("uri", json());
  Reply reply = [post, method, uri = std::move(uri)](RpcReply out) {
    if (!out.has_value()) {
      post->Finish(Accepted());
      return;
    }
    if (out.rendered()) {
      // A tools/call result, rendered in this era's shape.
      post->Finish(JsonBodyResponse(200, out.TakeBody()));
      return;
    }
    int status = 200;
    json shaped = Shape(method, uri, std::move(*out.dom()), &status);
    post->Finish(JsonResponse(status, shaped));
  };
  RpcCall call(ProtocolEra::kStateless, method, id, params, request.principal, request.request_id,
               std::move(reply));
  call.post = std::move(post);
  call.headers = &request.headers;
  call.cancel = std::move(cancel);
  DispatchMethod(call);
}

void McpEndpoint::Impl::CallToolStateless(
    const json& id, const json& params, const Principal& principal, const HttpHeaders& headers,
    const std::string& request_id, Reply reply, std::shared_ptr<PostResponder> post,
    std::shared_ptr<std::shared_ptr<client::Cancellation>> cancel) {
  CallToolRequest call;
  json capabilities;
  const json* arguments = nullptr;
  std::optional<json> error = tool_calls_.Read(id, params, principal, &call, &arguments);
  if (!error) error = tool_calls_.ReadStateless(id, params, headers, &call, &capabilities);
  if (error) {
    reply(*std::move(error));
    return;
  }
  // Progress only: nothing else is pushed statelessly.
  ToolCallEvents events;
  events.progress_token = ProgressTokenOf(params);
  std::shared_ptr<client::Cancellation> cancellation;
  if (!events.progress_token.is_null()) {
    // Streamed: the POST's stream cancels the call when the client closes
    // it. Set before the RPC starts, so before any event is sent.
    cancellation = std::make_shared<client::Cancellation>();
    *cancel = cancellation;
  }
  // Tasks negotiated: a task tool answers start_task and the call becomes a
  // task of its caller, which runs a copy of it.
  struct TaskCall {
    CallToolRequest call;
    Principal principal;
    std::string request_id;
  };
  std::shared_ptr<TaskCall> task;
  if (call.task_mode() == mcp_oauth::tools::v1::TASK_MODE_ALLOWED) {
    task = std::make_shared<TaskCall>(TaskCall{call, principal, request_id});
    // Read checked that the arguments convert.
    if (absl::StatusOr<google::protobuf::Struct> args = JsonToStruct(*arguments); args.ok()) {
      task->call.mutable_arguments()->Swap(&*args);
    }
  }
  tool_calls_.Run(call, *arguments, events,
                  tool_calls_.Options(request_id, std::move(cancellation)), std::move(post),
                  [self = shared_from_this(), id, name = call.name(),
                   capabilities = std::move(capabilities), task, reply = std::move(reply)](
                      const grpc::Status& status, client::ToolClient::JsonResult* result) {
                    if (status.ok() && result->response.start_task() && task != nullptr) {
                      self->tool_calls_.StartTask(
                          id, std::move(task->call), task->principal, task->request_id,
                          [reply](json answer) { reply(std::move(answer)); });
                      return;
                    }
                    reply(ToolCallRunner::Answer(id, ProtocolEra::kStateless, status, result, name,
                                                 capabilities));
                  });
}

}  // namespace mcp_oauth::mcp
