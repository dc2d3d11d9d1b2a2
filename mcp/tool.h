// A tool exposed over MCP: its metadata, JSON schemas and handler, plus the
// per-call context handed to the handler.
//
// Adding a tool: write one self-contained .cc file under mcp/tools/ that
// defines a factory returning a ToolDefinition, and add one line for it in
// mcp/tools/builtin_tools.cc (declaration in builtin_tools.h).
#ifndef MCP_OAUTH_MCP_TOOL_H_
#define MCP_OAUTH_MCP_TOOL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/principal.h"
#include "mcp/param_headers.h"
#include "mcp/tool_input.h"

namespace mcp_oauth::mcp {

class CompiledSchema;  // json_schema.h

// The verified identity a tool runs for (from a validated access token).
using Caller = ::mcp_oauth::Principal;

// Returns the severity rank of an MCP log level (RFC 5424 names: "debug" 0
// ... "emergency" 7), or -1 for anything else.
inline int LogSeverity(std::string_view level) {
  static constexpr std::string_view kLevels[] = {"debug", "info",     "notice", "warning",
                                                 "error", "critical", "alert",  "emergency"};
  for (int i = 0; i < 8; ++i) {
    if (kLevels[i] == level) return i;
  }
  return -1;
}

// Receives what a running tool reports. Implemented by the streaming RPC;
// must be thread safe and must not block (events may be dropped when the
// reader is slow).
class CallReporter {
 public:
  virtual ~CallReporter() = default;
  // `total` is 0 when unknown.
  virtual void Progress(double progress, double total, const std::string& message) = 0;
  // `level` is a valid MCP level the caller asked for.
  virtual void Log(const std::string& level, const std::string& logger,
                   const nlohmann::json& data) = 0;
};

// Per-call context. Cheap to copy; copies share the cancellation flag and the
// reporter. Thread safe: the flag may be set from another thread while the
// tool runs; reports may come from any thread.
class CallContext {
 public:
  CallContext() : cancelled_(std::make_shared<std::atomic<bool>>(false)) {}
  CallContext(Caller caller, absl::Time deadline)
      : caller_(std::move(caller)),
        deadline_(deadline),
        cancelled_(std::make_shared<std::atomic<bool>>(false)) {}
  // With a reporter: `progress` says whether the caller wants progress,
  // `min_log_severity` (LogSeverity; -1 or above 7: none) which log messages.
  CallContext(Caller caller, absl::Time deadline, std::shared_ptr<CallReporter> reporter,
              bool progress, int min_log_severity)
      : caller_(std::move(caller)),
        deadline_(deadline),
        cancelled_(std::make_shared<std::atomic<bool>>(false)),
        reporter_(std::move(reporter)),
        wants_progress_(reporter_ != nullptr && progress),
        min_log_severity_(reporter_ != nullptr && min_log_severity >= 0 ? min_log_severity : 8) {}

  const Caller& caller() const { return caller_; }
  absl::Time deadline() const { return deadline_; }
  // The client's answers to this tool's previous InputRequired (empty in
  // the first round); see tool_input.h.
  const ToolInput& input() const { return input_ ? *input_ : EmptyInput(); }
  void set_input(std::shared_ptr<const ToolInput> input) { input_ = std::move(input); }

  // Returns true once the call was cancelled or its deadline has passed.
  // Long-running tools should poll this and give up early.
  bool Cancelled() const {
    return cancelled_->load(std::memory_order_acquire) || absl::Now() >= deadline_;
  }
  // True when the call runs as an MCP task (a tool with task support,
  // called by a client that negotiated tasks): it may run for long, report
  // progress, and is cancelled by tasks/cancel.
  bool InTask() const { return in_task_; }
  void set_in_task(bool in_task) { in_task_ = in_task; }

  // Requests cancellation (the caller went away or the deadline fired).
  void Cancel() const { cancelled_->store(true, std::memory_order_release); }

  // True when the caller listens for progress; ReportProgress is a no-op
  // otherwise.
  bool WantsProgress() const { return wants_progress_; }
  // Reports progress (`total` 0 when unknown); values must increase.
  void ReportProgress(double progress, double total = 0, const std::string& message = "") const {
    if (wants_progress_) reporter_->Progress(progress, total, message);
  }
  // True when a log message at `level` would reach the caller.
  bool WantsLog(std::string_view level) const {
    const int severity = LogSeverity(level);
    return severity >= 0 && severity >= min_log_severity_;
  }
  // Sends a log message to the caller (MCP notifications/message) when its
  // level admits it; `data` is any JSON value. Never put secrets in it.
  void Log(const std::string& level, const nlohmann::json& data,
           const std::string& logger = "") const {
    if (WantsLog(level)) reporter_->Log(level, logger, data);
  }

 private:
  Caller caller_;
  absl::Time deadline_ = absl::InfiniteFuture();
  std::shared_ptr<std::atomic<bool>> cancelled_;
  std::shared_ptr<const ToolInput> input_;
  bool in_task_ = false;

  static const ToolInput& EmptyInput() {
    static const ToolInput* const kEmpty = new ToolInput();
    return *kEmpty;
  }
  std::shared_ptr<CallReporter> reporter_;
  bool wants_progress_ = false;
  int min_log_severity_ = 8;  // none
};

// Runs a tool with already validated arguments. Returns the structured result
// (a JSON object conforming to the output schema when one is declared).
// A non-OK status is a tool-level failure reported to the model as an error
// result; INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, NOT_FOUND and
// PERMISSION_DENIED messages are shown verbatim, other codes get a generic
// message (their text is only logged).
using ToolHandler = std::function<absl::StatusOr<nlohmann::json>(const nlohmann::json& args,
                                                                 const CallContext& ctx)>;

// The result of a tool that builds its own MCP content blocks (images, audio,
// embedded resources, several texts) instead of returning one JSON value.
struct ToolContent {
  std::vector<nlohmann::json> blocks;  // e.g. {"type": "image", "data": ..., "mimeType": ...}
  bool is_error = false;               // a tool-level failure the model should see
  // Non-empty: the tool needs input from the client first (blocks and
  // is_error are then ignored); it is called again with the answers.
  InputRequired input_required;
  // Only for a tool with decides_task, called outside a task: run again as
  // a task (blocks, is_error and input_required are then ignored).
  bool start_task = false;
};

// Like ToolHandler, for tools that return content blocks; the same status
// rules apply.
using ContentToolHandler =
    std::function<absl::StatusOr<ToolContent>(const nlohmann::json& args, const CallContext& ctx)>;

struct ToolDefinition {
  std::string name;   // unique, e.g. "get_time"
  std::string title;  // optional human-friendly name
  std::string description;
  nlohmann::json input_schema;   // JSON Schema, must be {"type": "object", ...}
  nlohmann::json output_schema;  // JSON Schema or null when none is declared
  ToolHandler handler;
  // Set instead of `handler` (and without output_schema) for a tool that
  // returns content blocks.
  ContentToolHandler content_handler;
  // True for handlers that never block and finish in microseconds (pure
  // computation): they run on the RPC thread, skipping the worker pool and
  // the deadline timer. Leave false for anything that does I/O or may be slow.
  bool runs_inline = false;
  // Set by ToolRegistry::Register (whatever the caller put here): the
  // parameters input_schema mirrors into Mcp-Param-* headers, found once
  // rather than by walking the schema on every call.
  std::vector<HeaderParam> header_params;
  // Set by ToolRegistry::Register too: the schemas compiled once for the
  // checks on every call (null: validate against the JSON schemas).
  std::shared_ptr<const CompiledSchema> compiled_input_schema;
  std::shared_ptr<const CompiledSchema> compiled_output_schema;

  // MCP tasks (io.modelcontextprotocol/tasks): whether a client that
  // negotiated tasks gets a task for this tool (it polls tasks/get for the
  // result, may cancel it, and answers input the tool asks for through
  // tasks/update). kRequired: clients without tasks get an error. The
  // handler is the same either way; CallContext::InTask() says which.
  enum class TaskSupport { kNone, kOptional, kRequired };
  TaskSupport task_support = TaskSupport::kNone;
  // With task_support: the handler is called first outside a task (so it
  // may ask for input synchronously) and starts the task itself by returning
  // ToolContent::start_task. Content handlers only.
  bool decides_task = false;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOL_H_
