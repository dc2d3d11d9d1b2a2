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
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include <nlohmann/json.hpp>

namespace mcp_oauth::mcp {

// The verified identity a tool runs for (from a validated access token).
struct Caller {
  std::string subject;
  std::string username;
  std::string client_id;
  std::vector<std::string> scopes;
};

// Per-call context. Cheap to copy; copies share the cancellation flag.
// Thread safe: the flag may be set from another thread while the tool runs.
class CallContext {
 public:
  CallContext() : cancelled_(std::make_shared<std::atomic<bool>>(false)) {}
  CallContext(Caller caller, absl::Time deadline)
      : caller_(std::move(caller)),
        deadline_(deadline),
        cancelled_(std::make_shared<std::atomic<bool>>(false)) {}

  const Caller& caller() const { return caller_; }
  absl::Time deadline() const { return deadline_; }

  // Returns true once the call was cancelled or its deadline has passed.
  // Long-running tools should poll this and give up early.
  bool Cancelled() const {
    return cancelled_->load(std::memory_order_acquire) || absl::Now() >= deadline_;
  }
  // Requests cancellation (the caller went away or the deadline fired).
  void Cancel() const { cancelled_->store(true, std::memory_order_release); }

 private:
  Caller caller_;
  absl::Time deadline_ = absl::InfiniteFuture();
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

// Runs a tool with already validated arguments. Returns the structured result
// (a JSON object conforming to the output schema when one is declared).
// A non-OK status is a tool-level failure reported to the model as an error
// result; INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, NOT_FOUND and
// PERMISSION_DENIED messages are shown verbatim, other codes get a generic
// message (their text is only logged).
using ToolHandler =
    std::function<absl::StatusOr<nlohmann::json>(const nlohmann::json& args, const CallContext& ctx)>;

// The result of a tool that builds its own MCP content blocks (images, audio,
// embedded resources, several texts) instead of returning one JSON value.
struct ToolContent {
  std::vector<nlohmann::json> blocks;  // e.g. {"type": "image", "data": ..., "mimeType": ...}
  bool is_error = false;               // a tool-level failure the model should see
};

// Like ToolHandler, for tools that return content blocks; the same status
// rules apply.
using ContentToolHandler =
    std::function<absl::StatusOr<ToolContent>(const nlohmann::json& args, const CallContext& ctx)>;

struct ToolDefinition {
  std::string name;         // unique, e.g. "get_time"
  std::string title;        // optional human-friendly name
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
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOL_H_
