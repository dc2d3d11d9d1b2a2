#include "mcp/tool_service.h"

#include <chrono>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/request_id.h"
#include "mcp/json_schema.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::ListToolsRequest;
using mcp_oauth::tools::v1::ListToolsResponse;
using nlohmann::json;

constexpr char kPageTokenVersion[] = "p1";

std::string EncodePageToken(const std::string& tag, size_t offset) {
  return crypto::Base64UrlEncode(absl::StrCat(kPageTokenVersion, ":", tag, ":", offset));
}

// Returns the offset in a page token issued for the current tool list.
absl::StatusOr<size_t> DecodePageToken(const std::string& token, const ToolRegistry& registry) {
  const absl::Status invalid = absl::InvalidArgumentError("invalid page token");
  absl::StatusOr<std::string> raw = crypto::Base64UrlDecode(token);
  if (!raw.ok()) return invalid;
  std::vector<std::string> parts = absl::StrSplit(*raw, ':');
  size_t offset = 0;
  if (parts.size() != 3 || parts[0] != kPageTokenVersion || parts[1] != registry.version_tag() ||
      !absl::SimpleAtoi(parts[2], &offset) || offset == 0 || offset >= registry.size()) {
    return invalid;
  }
  return offset;
}

void AddTextBlock(CallToolResponse* response, const std::string& text) {
  auto* block = response->add_content();
  (*block->mutable_fields())["type"].set_string_value("text");
  (*block->mutable_fields())["text"].set_string_value(text);
}

CallToolResponse ErrorResult(const std::string& text) {
  CallToolResponse response;
  response.set_is_error(true);
  AddTextBlock(&response, text);
  return response;
}

absl::Time EffectiveDeadline(const grpc::CallbackServerContext& context, absl::Duration timeout) {
  const absl::Time now = absl::Now();
  absl::Time deadline = now + timeout;
  const auto client = context.deadline();
  // gRPC reports "no deadline" as a far-future time point.
  if (client < std::chrono::system_clock::now() + std::chrono::hours(24 * 365)) {
    deadline = std::min(deadline, absl::FromChrono(client));
  }
  return deadline;
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
void CountToolCall(const std::string& tool, const char* outcome) {
  static auto& calls = metrics::DefaultRegistry().CounterFamily(
      "mcp_tool_calls_total", "Tool calls finished by ToolService, by tool and outcome.",
      {"tool", "outcome"});
  calls.WithLabels({tool, outcome}).Increment();
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
// first to call Complete finishes the RPC.
class CallState : public std::enable_shared_from_this<CallState> {
 public:
  CallState(grpc::ServerUnaryReactor* reactor, CallToolResponse* response, CallContext ctx,
            std::string tool_name)
      : reactor_(reactor), response_(response), ctx_(std::move(ctx)), tool_name_(std::move(tool_name)) {}

  const CallContext& ctx() const { return ctx_; }

  // Finishes the RPC with `status` (and `result` when OK) unless it already
  // finished. Returns true if this call finished it.
  bool Complete(const grpc::Status& status, CallToolResponse* result) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return false;
      finished_ = true;
    }
    // Only the claimant reaches here: reactor_ and response_ stay valid until
    // Finish is called (OnDone comes after it).
    if (status.ok() && result != nullptr) response_->Swap(result);
    CountToolCall(tool_name_, status, status.ok() && response_->is_error());
    reactor_->Finish(status);
    return true;
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
  grpc::ServerUnaryReactor* const reactor_;
  CallToolResponse* const response_;
  const CallContext ctx_;
  const std::string tool_name_;
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t timer_id_ ABSL_GUARDED_BY(mu_) = 0;
};

class CallToolReactor final : public grpc::ServerUnaryReactor {
 public:
  explicit CallToolReactor(DeadlineTimer* timer) : timer_(timer) {}

  void set_state(std::shared_ptr<CallState> state) { state_ = std::move(state); }

  void OnCancel() override {
    state_->ctx().Cancel();
    state_->Complete(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"), nullptr);
  }

  void OnDone() override {
    if (uint64_t id = state_->timer_id(); id != 0) timer_->Cancel(id);
    delete this;
  }

 private:
  DeadlineTimer* const timer_;
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

// RunTool for a content_handler tool: its blocks become the response content.
grpc::Status RunContentTool(const ToolDefinition& tool, const json& args, const CallContext& ctx,
                            CallToolResponse* response, const std::string& log_prefix) {
  absl::StatusOr<ToolContent> result = absl::InternalError("not run");
  try {
    result = tool.content_handler(args, ctx);
  } catch (const std::exception& e) {
    log::Error(absl::StrCat(log_prefix, "tool '", tool.name, "' threw: ", e.what()));
    return grpc::Status(grpc::StatusCode::INTERNAL, "tool failed");
  }
  if (!result.ok()) {
    if (ShowsMessage(result.status().code())) {
      *response = ErrorResult(std::string(result.status().message()));
    } else {
      log::Warning(absl::StrCat(log_prefix, "tool '", tool.name, "' failed: ", result.status().ToString()));
      *response = ErrorResult(absl::StrCat("Tool '", tool.name, "' failed."));
    }
    return grpc::Status::OK;
  }
  response->Clear();
  for (const json& block : result->blocks) {
    absl::StatusOr<google::protobuf::Struct> converted = JsonToStruct(block);
    if (!converted.ok() || !block.contains("type") || !block["type"].is_string()) {
      log::Error(absl::StrCat(log_prefix, "tool '", tool.name, "' returned a content block without a type"));
      return grpc::Status(grpc::StatusCode::INTERNAL, "tool returned invalid output");
    }
    *response->add_content() = *std::move(converted);
  }
  response->set_is_error(result->is_error);
  return grpc::Status::OK;
}

// Runs the handler; converts its outcome (including a thrown exception) into a
// response or an RPC status.
grpc::Status RunTool(const ToolDefinition& tool, const json& args, const CallContext& ctx,
                     CallToolResponse* response, const std::string& request_id) {
  const std::string log_prefix = request_id::LogPrefix(request_id);
  if (tool.content_handler) return RunContentTool(tool, args, ctx, response, log_prefix);
  absl::StatusOr<json> result = absl::InternalError("not run");
  try {
    result = tool.handler(args, ctx);
  } catch (const std::exception& e) {
    log::Error(absl::StrCat(log_prefix, "tool '", tool.name, "' threw: ", e.what()));
    return grpc::Status(grpc::StatusCode::INTERNAL, "tool failed");
  } catch (...) {
    log::Error(absl::StrCat(log_prefix, "tool '", tool.name, "' threw a non-standard exception"));
    return grpc::Status(grpc::StatusCode::INTERNAL, "tool failed");
  }
  if (!result.ok()) {
    if (ShowsMessage(result.status().code())) {
      *response = ErrorResult(std::string(result.status().message()));
    } else {
      log::Warning(
          absl::StrCat(log_prefix, "tool '", tool.name, "' failed: ", result.status().ToString()));
      *response = ErrorResult(absl::StrCat("Tool '", tool.name, "' failed."));
    }
    return grpc::Status::OK;
  }
  if (!tool.output_schema.is_null()) {
    if (absl::Status s = ValidateJson(tool.output_schema, *result); !s.ok()) {
      log::Error(absl::StrCat(log_prefix, "tool '", tool.name,
                              "' returned output violating its schema: ", s.message()));
      return grpc::Status(grpc::StatusCode::INTERNAL, "tool returned invalid output");
    }
  }
  response->Clear();
  if (result->is_object()) {
    absl::StatusOr<google::protobuf::Struct> structured = JsonToStruct(*result);
    if (!structured.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "tool returned invalid output");
    *response->mutable_structured_content() = *std::move(structured);
  }
  AddTextBlock(response, DumpJson(*result));
  return grpc::Status::OK;
}

}  // namespace

ToolServiceImpl::ToolServiceImpl(std::shared_ptr<const ToolRegistry> registry, ToolServiceOptions options)
    : registry_(std::move(registry)),
      options_(options),
      pool_(options.worker_threads, options.max_queued_calls) {}

ToolServiceImpl::~ToolServiceImpl() = default;

grpc::ServerUnaryReactor* ToolServiceImpl::ListTools(grpc::CallbackServerContext* context,
                                                     const ListToolsRequest* request,
                                                     ListToolsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->page_size() < 0) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "page_size must not be negative"));
    return reactor;
  }
  size_t page_size = request->page_size() == 0 ? options_.default_page_size : request->page_size();
  page_size = std::min(page_size, static_cast<size_t>(options_.max_page_size));
  size_t offset = 0;
  if (!request->page_token().empty()) {
    absl::StatusOr<size_t> decoded = DecodePageToken(request->page_token(), *registry_);
    if (!decoded.ok()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(decoded.status().message())));
      return reactor;
    }
    offset = *decoded;
  }
  const auto& tools = registry_->tools();
  const size_t end = std::min(tools.size(), offset + page_size);
  for (size_t i = offset; i < end; ++i) {
    const ToolDefinition& def = tools[i];
    auto* tool = response->add_tools();
    tool->set_name(def.name);
    tool->set_title(def.title);
    tool->set_description(def.description);
    // Schemas were checked at registration: conversion cannot fail.
    if (auto s = JsonToStruct(def.input_schema); s.ok()) *tool->mutable_input_schema() = *std::move(s);
    if (def.output_schema.is_object()) {
      if (auto s = JsonToStruct(def.output_schema); s.ok()) *tool->mutable_output_schema() = *std::move(s);
    }
  }
  if (end < tools.size()) response->set_next_page_token(EncodePageToken(registry_->version_tag(), end));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* ToolServiceImpl::CallTool(grpc::CallbackServerContext* context,
                                                    const CallToolRequest* request,
                                                    CallToolResponse* response) {
  const ToolDefinition* tool = registry_->Find(request->name());
  if (tool == nullptr) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    grpc::Status status(grpc::StatusCode::NOT_FOUND, absl::StrCat("unknown tool: ", request->name()));
    CountToolCall("other", status, false);
    reactor->Finish(status);
    return reactor;
  }
  json args = request->has_arguments() ? StructToJson(request->arguments()) : json::object();
  if (absl::Status s = ValidateJson(tool->input_schema, args); !s.ok()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    *response = ErrorResult(absl::StrCat("Invalid arguments for tool '", tool->name, "': ", s.message()));
    CountToolCall(tool->name, "invalid_arguments");
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  Caller caller;
  caller.subject = request->caller().subject();
  caller.username = request->caller().username();
  caller.client_id = request->caller().client_id();
  caller.scopes.assign(request->caller().scopes().begin(), request->caller().scopes().end());
  CallContext ctx(std::move(caller), EffectiveDeadline(*context, options_.default_call_timeout));
  std::string request_id = RequestIdOf(*context);
  log::Debug(absl::StrCat(request_id::LogPrefix(request_id), "tools: calling '", tool->name, "'"));

  if (tool->runs_inline) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    grpc::Status status = RunTool(*tool, args, ctx, response, request_id);
    CountToolCall(tool->name, status, status.ok() && response->is_error());
    reactor->Finish(status);
    return reactor;
  }

  auto* reactor = new CallToolReactor(&timer_);
  auto state = std::make_shared<CallState>(reactor, response, ctx, tool->name);
  reactor->set_state(state);

  state->set_timer_id(timer_.Schedule(ctx.deadline(), [state] {
    state->ctx().Cancel();
    state->Complete(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "tool call exceeded its deadline"),
                    nullptr);
  }));

  const bool queued = pool_.TrySchedule([state, tool, args = std::move(args),
                                         request_id = std::move(request_id)] {
    if (state->ctx().Cancelled()) return;  // deadline or cancellation came first
    CallToolResponse result;
    grpc::Status status = RunTool(*tool, args, state->ctx(), &result, request_id);
    if (state->ctx().Cancelled()) {
      // Finished after its deadline (or the caller left): the timer's verdict
      // stands even if the worker gets here first.
      status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "tool call exceeded its deadline");
    }
    state->Complete(status, &result);
  });
  if (!queued) {
    state->Complete(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many tool calls in progress"),
                    nullptr);
  }
  return reactor;
}

}  // namespace mcp_oauth::mcp
