// SessionToolCalls: tools/call in a 2025 session. Each call runs through the
// ToolCallRunner, tracked by its JSON-RPC id while it runs so that
// notifications/cancelled cancels it. When the tool answers input_required
// (MCP 2026-07-28 multi round-trip requests), its input requests go to the
// client as server-to-client requests (server-generated ids) on the
// tools/call POST's SSE stream; the client's responses arrive as separate
// POSTs (Deliver), and once all are in the tool is called again with
// input_responses and request_state. Bounded: a few rounds, each wait at
// most the input timeout; notifications/cancelled ends a wait too.
//
// Internal to //mcp/protocol. Thread safe. The endpoint owns it and the
// sessions; the endpoint's mutex guards the sessions' fields used here
// (in_flight, awaiting_input, next_server_request_id, ended,
// client_capabilities, the log level) and the rounds' state. Callbacks
// lock `owner` (the endpoint) and touch nothing of this object once it is
// gone.
#ifndef MCP_OAUTH_MCP_PROTOCOL_SESSION_TOOL_CALLS_H_
#define MCP_OAUTH_MCP_PROTOCOL_SESSION_TOOL_CALLS_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/call.h"
#include "common/principal.h"
#include "mcp/protocol/reply.h"
#include "mcp/protocol/session_table.h"
#include "mcp/protocol/sse_stream.h"
#include "mcp/protocol/tool_call_runner.h"
#include "proto/tools/v1/tools.pb.h"

namespace mcp_oauth::mcp {

class SessionToolCalls {
 public:
  // `runner` and `mu` (which guards the sessions' fields) outlive this
  // object. `input_timeout`: how long one round waits for the client's
  // answers.
  SessionToolCalls(const ToolCallRunner* runner, absl::Mutex* mu, absl::Duration input_timeout);

  // tools/call of `session`; `post` (null for a batched request) carries the
  // streamed events and the input requests. Answers through `reply` once,
  // maybe before returning.
  void Call(const std::weak_ptr<const void>& owner, const std::shared_ptr<Session>& session,
            const nlohmann::json& id, const nlohmann::json& params, const Principal& principal,
            const std::string& request_id, Reply reply, std::shared_ptr<PostResponder> post);
  // A JSON-RPC response from the client: the answer to one of the input
  // requests (unknown ids are ignored).
  void Deliver(const std::weak_ptr<const void>& owner, const std::shared_ptr<Session>& session,
               const nlohmann::json& message);
  // notifications/cancelled of the tools/call `call_id`: cancels its RPC, or
  // ends its wait for input.
  void Cancel(const std::shared_ptr<Session>& session, const nlohmann::json& call_id);

 private:
  using CallToolRequest = mcp_oauth::tools::v1::CallToolRequest;

  // One RPC of a tools/call (`round` 0 first, then one more per round of
  // answers, those without events), tracked for notifications/cancelled:
  // its result, or its input-required answer handed to AskForInput.
  void Round(const std::weak_ptr<const void>& owner, const std::shared_ptr<Session>& session,
             const nlohmann::json& id, CallToolRequest request, nlohmann::json arguments,
             const std::string& request_id, Reply reply, std::shared_ptr<PostResponder> post,
             int round, const ToolCallEvents& events = ToolCallEvents());
  // Sends the tool's input requests to the client and calls the tool again
  // once every answer is in (Deliver); errors when the client lacks a
  // capability, after too many rounds, or when the wait times out.
  void AskForInput(const std::weak_ptr<const void>& owner, const std::shared_ptr<Session>& session,
                   const nlohmann::json& id, CallToolRequest request,
                   const mcp_oauth::tools::v1::InputRequired& required,
                   const std::string& request_id, Reply reply, std::shared_ptr<PostResponder> post,
                   int round);
  // Ends `round` (once): no more answers are taken; `error` (if any) answers
  // the tools/call. False when it had already ended.
  bool EndInput(const std::shared_ptr<Session>& session, const std::shared_ptr<InputRound>& round,
                std::optional<nlohmann::json> error);
  // Registers `call` as the in-flight call `id`; false (with the error sent)
  // when the session ended or the id is already in flight.
  bool Track(const std::shared_ptr<Session>& session, const nlohmann::json& id,
             const std::shared_ptr<client::Cancellation>& call, const Reply& reply);
  void Untrack(const std::shared_ptr<Session>& session, const std::string& key,
               const std::shared_ptr<client::Cancellation>& call);

  const ToolCallRunner* const runner_;
  absl::Mutex* const mu_;
  const absl::Duration input_timeout_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_SESSION_TOOL_CALLS_H_
