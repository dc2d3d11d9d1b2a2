#include "mcp/tool_service.h"

#include <chrono>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/call.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/principal_proto.h"
#include "common/request_id.h"
#include "mcp/json_schema.h"
#include "mcp/json_struct.h"
#include "mcp/paging.h"
#include "mcp/param_headers.h"
#include "mcp/tasks/task_gate.h"
#include "mcp/tool_event_queue.h"
#include "mcp/tool_input_proto.h"
#include "mcp/watch_writer.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::ListToolsRequest;
using mcp_oauth::tools::v1::ListToolsResponse;
using nlohmann::json;
using JsonResult = client::ToolClient::JsonResult;

void AddTextBlock(JsonResult* result, std::string text) {
  json block = json::object();
  block["text"] = std::move(text);
  block["type"] = "text";
  result->content.push_back(std::move(block));
}

JsonResult ErrorResult(const std::string& text) {
  JsonResult result;
  result.response.set_is_error(true);
  AddTextBlock(&result, text);
  return result;
}

// Empties `result` for a new answer.
void Reset(JsonResult* result) {
  result->response.Clear();
  result->content = json::array();
  result->structured_content = nullptr;
}

// The caller's deadline (InfiniteFuture when it set none).
absl::Time ClientDeadline(const grpc::CallbackServerContext& context) {
  const auto client = context.deadline();
  // gRPC reports "no deadline" as a far-future time point.
  if (client < std::chrono::system_clock::now() + std::chrono::hours(24 * 365))
    return absl::FromChrono(client);
  return absl::InfiniteFuture();
}

absl::Time EffectiveDeadline(absl::Time client_deadline, absl::Duration timeout) {
  return std::min(absl::Now() + timeout, client_deadline);
}

absl::Time EffectiveDeadline(const grpc::CallbackServerContext& context, absl::Duration timeout) {
  return EffectiveDeadline(ClientDeadline(context), timeout);
}

bool ShowsMessage(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
      return true;
    default:
      return false;
  }
}

// Counts a finished CallTool in mcp_tool_calls_total{tool,outcome}. `tool`
// is a registered name ("other" for an unknown one); outcome is "ok",
// "invalid_arguments", "tool_error" (the tool reported an error result), or
// for a failed RPC "not_found", "deadline_exceeded", "busy", "cancelled",
// "internal" or "error".
metrics::Family<metrics::Counter>& ToolCalls() {
  static auto& calls = metrics::DefaultRegistry().CounterFamily(
      "mcp_tool_calls_total", "Tool calls finished by ToolService, by tool and outcome.",
      {"tool", "outcome"});
  return calls;
}

void CountToolCall(const std::string& tool, const char* outcome) {
  ToolCalls().WithLabels({tool, outcome}).Increment();
}

void CountToolCall(const std::string& tool, const grpc::Status& status, bool is_error_result) {
  const char* outcome = "error";
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      outcome = is_error_result ? "tool_error" : "ok";
      break;
    case grpc::StatusCode::NOT_FOUND:
      outcome = "not_found";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      outcome = "deadline_exceeded";
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      outcome = "busy";
      break;
    case grpc::StatusCode::CANCELLED:
      outcome = "cancelled";
      break;
    case grpc::StatusCode::INTERNAL:
      outcome = "internal";
      break;
    default:
      break;
  }
  CountToolCall(tool, outcome);
}

// Shared between the reactor, the worker task and the deadline timer; the
// first to call Complete finishes the RPC through `finish`.
class CallState : public std::enable_shared_from_this<CallState> {
 public:
  using Finish = std::function<void(const grpc::Status& status, JsonResult* result)>;

  CallState(Finish finish, CallContext ctx, std::string tool_name, DeadlineTimer* timer)
      : finish_(std::move(finish)),
        ctx_(std::move(ctx)),
        tool_name_(std::move(tool_name)),
        timer_(timer) {}

  const CallContext& ctx() const { return ctx_; }

  // Finishes the RPC with `status` (and `result` when OK) unless it already
  // finished. Returns true if this call finished it.
  bool Complete(const grpc::Status& status, JsonResult* result) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return false;
      finished_ = true;
    }
    CountToolCall(tool_name_, status,
                  status.ok() && result != nullptr && result->response.is_error());
    // Only the claimant reaches here, once.
    finish_(status, result);
    if (uint64_t id = timer_id(); id != 0) timer_->Cancel(id);
    absl::MutexLock lock(&mu_);
    finish_returned_ = true;
    return true;
  }

  // Returns once the RPC has finished (whichever thread finishes it).
  void AwaitFinished() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&finish_returned_));
  }

  void set_timer_id(uint64_t id) {
    absl::MutexLock lock(&mu_);
    timer_id_ = id;
  }
  uint64_t timer_id() {
    absl::MutexLock lock(&mu_);
    return timer_id_;
  }

 private:
  const Finish finish_;
  const CallContext ctx_;
  const std::string tool_name_;
  DeadlineTimer* const timer_;
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;         // claimed by a Complete
  bool finish_returned_ ABSL_GUARDED_BY(mu_) = false;  // and `finish_` has returned
  uint64_t timer_id_ ABSL_GUARDED_BY(mu_) = 0;
};

// The reactor of one CallTool RPC: the call itself is ToolServiceImpl::
// StartCallTool, which the RPC's cancellation reaches through `cancellation`.
class CallToolReactor final : public grpc::ServerUnaryReactor {
 public:
  const std::shared_ptr<client::Cancellation>& cancellation() const { return cancellation_; }

  void OnCancel() override { cancellation_->Cancel(); }
  void OnDone() override { delete this; }

 private:
  const std::shared_ptr<client::Cancellation> cancellation_ =
      std::make_shared<client::Cancellation>();
};

// The reactor of one CallToolStream RPC; the queue writes its events.
class CallToolStreamReactor final
    : public grpc::ServerWriteReactor<mcp_oauth::tools::v1::CallToolEvent> {
 public:
  CallToolStreamReactor(DeadlineTimer* timer, size_t max_pending)
      : timer_(timer), queue_(std::make_shared<ToolEventQueue>(this, max_pending)) {}

  const std::shared_ptr<ToolEventQueue>& queue() const { return queue_; }
  void set_state(std::shared_ptr<CallState> state) { state_ = std::move(state); }

  void OnWriteDone(bool ok) override { queue_->OnWriteDone(ok); }

  void OnCancel() override {
    if (state_ == nullptr) return;
    state_->ctx().Cancel();
    state_->Complete(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"), nullptr);
  }

  void OnDone() override {
    if (state_ != nullptr) {
      if (uint64_t id = state_->timer_id(); id != 0) timer_->Cancel(id);
    }
    queue_->Detach();
    delete this;
  }

 private:
  DeadlineTimer* const timer_;
  const std::shared_ptr<ToolEventQueue> queue_;
  std::shared_ptr<CallState> state_;
};

// Returns the caller's `x-request-id` metadata when it is sane, else "".
std::string RequestIdOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(request_id::kMetadataKey);
  if (it == metadata.end()) return "";
  std::string id(it->second.data(), it->second.size());
  return request_id::IsValid(id) ? id : "";
}

// ValidateJson against the tool's input or output schema, compiled when the
// registry compiled it.
absl::Status ValidateInput(const ToolDefinition& tool, const json& args) {
  return tool.compiled_input_schema ? ValidateCompiled(*tool.compiled_input_schema, args)
                                    : ValidateJson(tool.input_schema, args);
}
absl::Status ValidateOutput(const ToolDefinition& tool, const json& result) {
  return tool.compiled_output_schema ? ValidateCompiled(*tool.compiled_output_schema, result)
                                     : ValidateJson(tool.output_schema, result);
}

// RunTool for a content_handler tool: its blocks become the response content.
grpc::Status RunContentTool(const ToolDefinition& tool, const json& args, const CallContext& ctx,
                            JsonResult* response, const std::string& request_id) {
  absl::StatusOr<ToolContent> result = absl::InternalError("not run");
  try {
    result = tool.content_handler(args, ctx);
  } catch (const std::exception& e) {
    log::Error(absl::StrCat(request_id::LogPrefix(request_id), "tool '", tool.name,
                            "' threw: ", e.what()));
    return grpc::Status(grpc::StatusCode::INTERNAL, "tool failed");
  }
  if (!result.ok()) {
    if (ShowsMessage(result.status().code())) {
      *response = ErrorResult(std::string(result.status().message()));
    } else {
      log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "tool '", tool.name,
                                "' failed: ", result.status().ToString()));
      *response = ErrorResult(absl::StrCat("Tool '", tool.name, "' failed."));
    }
    return grpc::Status::OK;
  }
  if (result->start_task) {
    if (!tool.decides_task || ctx.InTask()) {
      log::Error(absl::StrCat(request_id::LogPrefix(request_id), "tool '", tool.name,
                              "' asked for a task it cannot start"));
      return grpc::Status(grpc::StatusCode::INTERNAL, "tool returned invalid output");
    }
    Reset(response);
    response->response.set_start_task(true);
    return grpc::Status::OK;
  }
  if (!result->input_required.empty()) {
    Reset(response);
    if (absl::Status s =
            FillInputRequired(result->input_required, ctx.input(), &response->response);
        !s.ok()) {
      log::Error(absl::StrCat(request_id::LogPrefix(request_id), "tool '", tool.name,
                              "' returned an invalid input request: ", s.message()));
      return grpc::Status(grpc::StatusCode::INTERNAL, "tool returned invalid output");
    }
    return grpc::Status::OK;
  }
  Reset(response);
  for (json& block : result->blocks) {
    // As the block's trip through a google.protobuf.Struct would leave it.
    auto type = block.is_object() ? block.find("type") : block.end();
    if (!block.is_object() || type == block.end() || !type->is_string() ||
        !NormalizeAsStruct(&block).ok()) {
      log::Error(absl::StrCat(request_id::LogPrefix(request_id), "tool '", tool.name,
                              "' returned a content block without a type"));
      return grpc::Status(grpc::StatusCode::INTERNAL, "tool returned invalid output");
    }
    response->content.push_back(std::move(block));
  }
  response->response.set_is_error(result->is_error);
  return grpc::Status::OK;
}

// Runs the handler; converts its outcome (including a thrown exception) into a
// response or an RPC status.
grpc::Status RunTool(const ToolDefinition& tool, const json& args, const CallContext& ctx,
                     JsonResult* response, const std::string& request_id) {
  if (tool.content_handler) return RunContentTool(tool, args, ctx, response, request_id);
  absl::StatusOr<json> result = absl::InternalError("not run");
  try {
    result = tool.handler(args, ctx);
  } catch (const std::exception& e) {
    log::Error(absl::StrCat(request_id::LogPrefix(request_id), "tool '", tool.name,
                            "' threw: ", e.what()));
    return grpc::Status(grpc::StatusCode::INTERNAL, "tool failed");
  } catch (...) {
    log::Error(absl::StrCat(request_id::LogPrefix(request_id), "tool '", tool.name,
                            "' threw a non-standard exception"));
    return grpc::Status(grpc::StatusCode::INTERNAL, "tool failed");
  }
  if (!result.ok()) {
    if (ShowsMessage(result.status().code())) {
      *response = ErrorResult(std::string(result.status().message()));
    } else {
      log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "tool '", tool.name,
                                "' failed: ", result.status().ToString()));
      *response = ErrorResult(absl::StrCat("Tool '", tool.name, "' failed."));
    }
    return grpc::Status::OK;
  }
  if (!tool.output_schema.is_null()) {
    if (absl::Status s = ValidateOutput(tool, *result); !s.ok()) {
      log::Error(absl::StrCat(request_id::LogPrefix(request_id), "tool '", tool.name,
                              "' returned output violating its schema: ", s.message()));
      return grpc::Status(grpc::StatusCode::INTERNAL, "tool returned invalid output");
    }
  }
  Reset(response);
  // The text is the result as the tool gave it; structuredContent the
  // result as its trip through a google.protobuf.Struct would leave it.
  std::string text = DumpJson(*result);
  if (result->is_object()) {
    if (!NormalizeAsStruct(&*result).ok())
      return grpc::Status(grpc::StatusCode::INTERNAL, "tool returned invalid output");
    response->structured_content = *std::move(result);
  }
  AddTextBlock(response, std::move(text));
  return grpc::Status::OK;
}

}  // namespace

// The calls handed to the pool and not yet returned from it.
class ToolServiceImpl::InFlight {
 public:
  // Returns an id for Remove, or 0 (not added) once Stop was called.
  uint64_t Add(std::shared_ptr<CallState> state) {
    absl::MutexLock lock(&mu_);
    if (stopped_) return 0;
    uint64_t id = next_id_++;
    calls_.emplace(id, std::move(state));
    return id;
  }
  void Remove(uint64_t id) {
    absl::MutexLock lock(&mu_);
    calls_.erase(id);
  }
  // Refuses further Adds; returns the calls added and not removed.
  std::vector<std::shared_ptr<CallState>> Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    std::vector<std::shared_ptr<CallState>> calls;
    for (auto& [id, state] : calls_) calls.push_back(state);
    return calls;
  }

 private:
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, std::shared_ptr<CallState>> calls_ ABSL_GUARDED_BY(mu_);
};

ToolServiceImpl::ToolServiceImpl(std::shared_ptr<const ToolRegistry> registry,
                                 ToolServiceOptions options)
    : registry_(std::move(registry)),
      options_(options),
      state_codec_(std::make_shared<const RequestStateCodec>(
          options.request_state_key.empty() ? crypto::RandomBytes(32) : options.request_state_key,
          options.request_state_ttl)),
      in_flight_(std::make_unique<InFlight>()),
      mux_streams_(std::make_unique<CallToolMuxStreams>(this, options.max_calls_per_stream)),
      pool_(options.worker_threads, {options.max_queued_calls}) {
  ToolCalls();  // The family is listed (empty) before the first call.
}

ToolServiceImpl::~ToolServiceImpl() { Shutdown(); }

void ToolServiceImpl::Shutdown() {
  EndStreams();
  for (const std::shared_ptr<CallState>& state : in_flight_->Stop()) {
    state->ctx().Cancel();
    state->Complete(grpc::Status(grpc::StatusCode::UNAVAILABLE, "tool service shutting down"),
                    nullptr);
    // Another thread (a worker, the timer) may have claimed it first.
    state->AwaitFinished();
  }
  // Queued calls are cancelled: their tasks return at once.
  pool_.Shutdown();
}

grpc::ServerUnaryReactor* ToolServiceImpl::ListTools(grpc::CallbackServerContext* context,
                                                     const ListToolsRequest* request,
                                                     ListToolsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ListToolsNow(*request, response));
  return reactor;
}

grpc::Status ToolServiceImpl::ListToolsNow(const ListToolsRequest& request,
                                           ListToolsResponse* response) const {
  const std::shared_ptr<const ToolRegistry::Snapshot> registry = registry_->snapshot();
  const auto& tools = registry->tools;
  absl::StatusOr<Page> page =
      PageOf(tools.size(), registry->version_tag, request.page_size(), request.page_token(),
             options_.default_page_size, options_.max_page_size);
  if (!page.ok())
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(page.status().message()));
  for (size_t i = page->begin; i < page->end; ++i) {
    const ToolDefinition& def = *tools[i];
    auto* tool = response->add_tools();
    tool->set_name(def.name);
    tool->set_title(def.title);
    tool->set_description(def.description);
    // Schemas were checked at registration: conversion cannot fail.
    if (auto s = JsonToStruct(def.input_schema); s.ok())
      *tool->mutable_input_schema() = *std::move(s);
    if (def.output_schema.is_object()) {
      if (auto s = JsonToStruct(def.output_schema); s.ok())
        *tool->mutable_output_schema() = *std::move(s);
    }
    tool->set_task_support(tasks::TaskSupportName(def.task_support));
  }
  response->set_next_page_token(std::move(page->next_page_token));
  return grpc::Status::OK;
}

namespace {

// Runs the tool of `state` (arguments already validated) on the pool under
// its deadline; `state` finishes the RPC. Call before returning the reactor.
void StartOnPool(WorkerPool& pool, DeadlineTimer& timer, ToolServiceImpl::InFlight& in_flight,
                 const ToolDefinition* tool, json args, std::string request_id,
                 const std::shared_ptr<CallState>& state) {
  const uint64_t tracked = in_flight.Add(state);
  if (tracked == 0) {
    state->Complete(grpc::Status(grpc::StatusCode::UNAVAILABLE, "tool service shutting down"),
                    nullptr);
    return;
  }
  state->set_timer_id(timer.Schedule(state->ctx().deadline(), [state] {
    state->ctx().Cancel();
    state->Complete(
        grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "tool call exceeded its deadline"),
        nullptr);
  }));
  const bool queued = pool.Submit(0, [state, tool, args = std::move(args),
                                      request_id = std::move(request_id), &in_flight, tracked] {
    if (!state->ctx().Cancelled()) {  // else the deadline, the caller or Shutdown came first
      JsonResult result;
      grpc::Status status = RunTool(*tool, args, state->ctx(), &result, request_id);
      if (state->ctx().Cancelled()) {
        // Finished after its deadline (or the caller left): the timer's verdict
        // stands even if the worker gets here first.
        status =
            grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "tool call exceeded its deadline");
      }
      state->Complete(status, &result);
    }
    in_flight.Remove(tracked);
  });
  if (!queued) {
    in_flight.Remove(tracked);
    state->Complete(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many tool calls in progress"),
        nullptr);
  }
}

}  // namespace

grpc::ServerUnaryReactor* ToolServiceImpl::CallTool(grpc::CallbackServerContext* context,
                                                    const CallToolRequest* request,
                                                    CallToolResponse* response) {
  auto* reactor = new CallToolReactor();
  // reactor and response stay valid until Finish (OnDone comes after it),
  // which may happen before the reactor is returned.
  StartCallTool(*request, ClientDeadline(*context), RequestIdOf(*context), reactor->cancellation(),
                [reactor, response](const grpc::Status& status, CallToolResponse* result) {
                  if (status.ok() && result != nullptr) response->Swap(result);
                  reactor->Finish(status);
                });
  return reactor;
}

grpc::ServerBidiReactor<mcp_oauth::tools::v1::CallToolMuxRequest,
                        mcp_oauth::tools::v1::CallToolMuxResponse>*
ToolServiceImpl::CallToolMux(grpc::CallbackServerContext* context) {
  return mux_streams_->Open(context);
}

void ToolServiceImpl::EndStreams() { mux_streams_->EndAll(); }

namespace {

// ErrorResult as a CallToolResponse.
CallToolResponse ErrorResponse(const std::string& text) {
  JsonResult result = ErrorResult(text);
  return client::ToCallToolResponse(&result);
}

// Ends a CallToolStream with `status` and, when OK, `result`.
void FinishStream(ToolEventQueue& queue, const grpc::Status& status, JsonResult* result) {
  if (result == nullptr) {
    queue.Finish(status, nullptr);
    return;
  }
  CallToolResponse response = client::ToCallToolResponse(result);
  queue.Finish(status, &response);
}

// FAILED_PRECONDITION ("Header mismatch: ...") unless the request's
// Mcp-Param-* headers agree with its arguments (param_headers.h).
grpc::Status CheckMirroredHeaders(const ToolDefinition& tool, const json& args,
                                  const mcp_oauth::tools::v1::ParamHeaders& headers) {
  if (tool.header_params.empty()) return grpc::Status::OK;  // nothing mirrored: no header to check
  const std::map<std::string, std::string> values(headers.values().begin(), headers.values().end());
  if (absl::Status s = CheckParamHeaders(tool.header_params, args, values); !s.ok()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, std::string(s.message()));
  }
  return grpc::Status::OK;
}

// Applies the tool's task support to `mode` (tasks/task_gate.h). Returns
// false when that already answered the call through `done`.
template <typename Done>
bool PassTaskGate(const ToolDefinition& tool, mcp_oauth::tools::v1::TaskMode mode, bool* in_task,
                  Done& done) {
  absl::StatusOr<tasks::TaskGate> gate = tasks::GateTaskCall(tool, mode);
  if (!gate.ok()) {
    grpc::Status status(grpc::StatusCode::FAILED_PRECONDITION,
                        std::string(gate.status().message()));
    CountToolCall(tool.name, status, false);
    done(status, nullptr);
    return false;
  }
  if (*gate == tasks::TaskGate::kStartTask) {
    JsonResult start;
    start.response.set_start_task(true);
    CountToolCall(tool.name, "task_started");
    done(grpc::Status::OK, &start);
    return false;
  }
  *in_task = *gate == tasks::TaskGate::kRunInTask;
  return true;
}

}  // namespace

void ToolServiceImpl::StartCallTool(const CallToolRequest& request, absl::Time deadline,
                                    const std::string& request_id,
                                    const std::shared_ptr<client::Cancellation>& cancellation,
                                    CallDone done) {
  const json args = request.has_arguments() ? StructToJson(request.arguments()) : json::object();
  StartCallToolJson(request, args, deadline, request_id, cancellation,
                    [done = std::move(done)](const grpc::Status& status, JsonResult* result) {
                      if (result == nullptr) {
                        done(status, nullptr);
                        return;
                      }
                      CallToolResponse response = client::ToCallToolResponse(result);
                      done(status, &response);
                    });
}

void ToolServiceImpl::StartCallToolJson(const CallToolRequest& request, const json& arguments,
                                        absl::Time deadline, const std::string& request_id,
                                        const std::shared_ptr<client::Cancellation>& cancellation,
                                        JsonDone done) {
  const ToolDefinition* tool = registry_->Find(request.name());
  if (tool == nullptr) {
    grpc::Status status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("unknown tool: ", request.name()));
    CountToolCall("other", status, false);
    done(status, nullptr);
    return;
  }
  // The arguments as their trip through a google.protobuf.Struct would
  // leave them (what a remote caller's tool sees); copied only when that
  // changes them.
  std::optional<json> normalized;
  if (!arguments.is_object() || ChangedByStruct(arguments)) {
    normalized = arguments;
    if (!arguments.is_object() || !NormalizeAsStruct(&*normalized).ok()) {
      grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT,
                          "arguments must be an object nested at most 100 deep");
      CountToolCall(tool->name, status, false);
      done(status, nullptr);
      return;
    }
  }
  const json& args = normalized ? *normalized : arguments;
  if (request.has_param_headers()) {
    if (grpc::Status status = CheckMirroredHeaders(*tool, args, request.param_headers());
        !status.ok()) {
      CountToolCall(tool->name, status, false);
      done(status, nullptr);
      return;
    }
  }
  if (absl::Status s = ValidateInput(*tool, args); !s.ok()) {
    JsonResult result =
        ErrorResult(absl::StrCat("Invalid arguments for tool '", tool->name, "': ", s.message()));
    CountToolCall(tool->name, "invalid_arguments");
    done(grpc::Status::OK, &result);
    return;
  }

  absl::StatusOr<std::shared_ptr<const ToolInput>> input =
      OpenToolInput(request, args, state_codec_, absl::Now());
  if (!input.ok()) {
    grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT, std::string(input.status().message()));
    CountToolCall(tool->name, status, false);
    done(status, nullptr);
    return;
  }
  bool in_task = false;
  if (!PassTaskGate(*tool, request.task_mode(), &in_task, done)) return;
  CallContext ctx(PrincipalFromProto(request.caller()),
                  EffectiveDeadline(deadline, in_task ? options_.task_call_timeout
                                                      : options_.default_call_timeout));
  ctx.set_input(*std::move(input));
  ctx.set_in_task(in_task);
  std::string id = request_id::IsValid(request_id) ? request_id : std::string();
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug(absl::StrCat(request_id::LogPrefix(id), "tools: calling '", tool->name, "'"));
  }

  if (tool->runs_inline) {
    if (cancellation != nullptr && cancellation->cancelled()) {
      CountToolCall(tool->name, "cancelled");
      done(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"), nullptr);
      return;
    }
    JsonResult result;
    grpc::Status status = RunTool(*tool, args, ctx, &result, id);
    CountToolCall(tool->name, status, status.ok() && result.response.is_error());
    done(status, &result);
    return;
  }

  auto state = std::make_shared<CallState>(std::move(done), ctx, tool->name, &timer_);
  if (cancellation != nullptr) {
    cancellation->SetHook([weak = std::weak_ptr<CallState>(state)] {
      if (auto live = weak.lock()) {
        live->ctx().Cancel();
        live->Complete(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"), nullptr);
      }
    });
  }
  StartOnPool(pool_, timer_, *in_flight_, tool, normalized ? *std::move(normalized) : arguments,
              std::move(id), state);
}

grpc::ServerWriteReactor<mcp_oauth::tools::v1::CallToolEvent>* ToolServiceImpl::CallToolStream(
    grpc::CallbackServerContext* context,
    const mcp_oauth::tools::v1::CallToolStreamRequest* request) {
  auto* reactor = new CallToolStreamReactor(&timer_, options_.max_pending_events);
  const std::shared_ptr<ToolEventQueue> queue = reactor->queue();
  const CallToolRequest& call = request->call();
  const int min_log_severity =
      request->min_log_level().empty() ? -1 : LogSeverity(request->min_log_level());
  if (!request->min_log_level().empty() && min_log_severity < 0) {
    queue->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown min_log_level"),
                  nullptr);
    return reactor;
  }
  const ToolDefinition* tool = registry_->Find(call.name());
  if (tool == nullptr) {
    grpc::Status status(grpc::StatusCode::NOT_FOUND, absl::StrCat("unknown tool: ", call.name()));
    CountToolCall("other", status, false);
    queue->Finish(status, nullptr);
    return reactor;
  }
  json args = call.has_arguments() ? StructToJson(call.arguments()) : json::object();
  if (call.has_param_headers()) {
    if (grpc::Status status = CheckMirroredHeaders(*tool, args, call.param_headers());
        !status.ok()) {
      CountToolCall(tool->name, status, false);
      queue->Finish(status, nullptr);
      return reactor;
    }
  }
  if (absl::Status s = ValidateInput(*tool, args); !s.ok()) {
    CallToolResponse result =
        ErrorResponse(absl::StrCat("Invalid arguments for tool '", tool->name, "': ", s.message()));
    CountToolCall(tool->name, "invalid_arguments");
    queue->Finish(grpc::Status::OK, &result);
    return reactor;
  }
  absl::StatusOr<std::shared_ptr<const ToolInput>> input =
      OpenToolInput(call, args, state_codec_, absl::Now());
  if (!input.ok()) {
    grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT, std::string(input.status().message()));
    CountToolCall(tool->name, status, false);
    queue->Finish(status, nullptr);
    return reactor;
  }
  bool in_task = false;
  auto finish = [&queue](const grpc::Status& status, JsonResult* result) {
    FinishStream(*queue, status, result);
  };
  if (!PassTaskGate(*tool, call.task_mode(), &in_task, finish)) return reactor;
  CallContext ctx(PrincipalFromProto(call.caller()),
                  EffectiveDeadline(*context, in_task ? options_.task_call_timeout
                                                      : options_.default_call_timeout),
                  queue, request->progress(), min_log_severity);
  ctx.set_input(*std::move(input));
  ctx.set_in_task(in_task);
  std::string request_id = RequestIdOf(*context);
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug(absl::StrCat(request_id::LogPrefix(request_id), "tools: calling '", tool->name,
                            "' (streaming)"));
  }

  auto state = std::make_shared<CallState>(
      [queue](const grpc::Status& status, JsonResult* result) {
        FinishStream(*queue, status, result);
      },
      ctx, tool->name, &timer_);
  reactor->set_state(state);
  if (tool->runs_inline) {
    JsonResult result;
    grpc::Status status = RunTool(*tool, args, ctx, &result, request_id);
    state->Complete(status, &result);
    return reactor;
  }
  StartOnPool(pool_, timer_, *in_flight_, tool, std::move(args), std::move(request_id), state);
  return reactor;
}

grpc::ServerWriteReactor<mcp_oauth::tools::v1::ToolsChanged>* ToolServiceImpl::WatchTools(
    grpc::CallbackServerContext*, const mcp_oauth::tools::v1::WatchToolsRequest*) {
  using mcp_oauth::tools::v1::ToolsChanged;
  std::shared_ptr<const ToolRegistry> registry = registry_;
  auto make = [registry](const std::string&) {
    ToolsChanged event;
    event.set_version_tag(registry->version_tag());
    return event;
  };
  ToolsChanged first = make("");
  return new WatchWriter<ToolsChanged>(&registry_->changes(), std::move(make), std::move(first),
                                       options_.max_pending_watch_events);
}

}  // namespace mcp_oauth::mcp
