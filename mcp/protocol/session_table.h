// SessionTable: this process's table of 2025-era MCP sessions: the live
// ones, tombstones of ended ones (so an ended id stays ended until it
// expires), the cap on sessions per principal, idle expiry and the sweep.
// Session ids are self-validating (session_id.h); the table adds what a
// session accumulates (logging level, in-flight calls, SSE streams, ...).
//
// Not thread safe: the endpoint holds its mutex around every call, and the
// same mutex guards the sessions' fields.
#ifndef MCP_OAUTH_MCP_PROTOCOL_SESSION_TABLE_H_
#define MCP_OAUTH_MCP_PROTOCOL_SESSION_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/call.h"
#include "common/principal.h"
#include "mcp/protocol/principal_sessions.h"
#include "mcp/protocol/sse_stream.h"

namespace mcp_oauth::mcp {

// A 2025 session's tools/call waiting for the client's answers to the input
// requests its tool asked for (session_tool_calls.cc).
struct InputRound;

// Per-session state. Every field is guarded by the endpoint's mutex
// (McpEndpoint::Impl::mu_, which also guards the table).
struct Session {
  std::string id;
  // The principal the id is bound to (its binding's preimage), so that a
  // known id is checked without recomputing its MAC or binding.
  std::string subject;
  std::string client_id;
  std::string protocol_version;
  absl::Time created;
  absl::Time last_seen;
  bool ended = false;
  std::string log_level = "info";
  // True once logging/setLevel was called: tool log messages are then sent
  // (and tools/call uses the streaming RPC to get them).
  bool log_level_set = false;
  // JSON-dumped request id -> the cancellation of the in-flight tools/call
  // (unary or streaming), for notifications/cancelled.
  std::map<std::string, std::shared_ptr<client::Cancellation>> in_flight;
  // In creation order.
  std::vector<std::shared_ptr<SseChannel>> channels;
  // URIs of resources/subscribe (notifications/resources/updated).
  std::set<std::string> subscriptions;
  // The capabilities the client declared in initialize (ClientCapabilities).
  nlohmann::json client_capabilities = nlohmann::json::object();
  // Server-to-client requests sent for a tools/call and not answered yet:
  // JSON-dumped request id -> the call waiting for it.
  std::map<std::string, std::shared_ptr<InputRound>> awaiting_input;
  int64_t next_server_request_id = 1;
};

// Work collected under the lock and run after it is released (these call
// into gRPC and the gateway).
struct Cleanup {
  std::vector<std::shared_ptr<SseChannel>> channels;
  std::vector<std::shared_ptr<client::Cancellation>> calls;

  void Run() {
    for (auto& channel : channels) channel->Close();
    for (auto& call : calls) call->Cancel();
  }
};

struct SessionLimits {
  absl::Duration idle_timeout;
  absl::Duration max_lifetime;
  // Entries (live sessions and tombstones).
  size_t max_sessions;
  // Live sessions one principal opened here; 0 = no limit.
  int max_per_principal;
};

class SessionTable {
 public:
  explicit SessionTable(SessionLimits limits) : limits_(limits) {}

  // Returns true when `session` has an open SSE stream (which keeps it from
  // idling out).
  static bool HasActiveStream(const Session& session);
  // Returns the newest open SSE stream of `session` (where a server message
  // goes: each to exactly one stream), or nullptr.
  static std::shared_ptr<SseChannel> NewestOpenStream(const Session& session);
  // Returns true when `session` is live at `now`: not ended, within its
  // lifetime, and not idle.
  bool IsLive(const Session& session, absl::Time now) const;

  enum class Admission { kAdded, kFull, kOverPrincipalCap };
  // Adds a session that initialize opened for the principal `binding`
  // (SessionIdCodec::Binding), unless the table is full even after dropping
  // tombstones, or the principal holds max_per_principal live sessions.
  Admission Add(std::shared_ptr<Session> session, const std::string& binding, absl::Time now,
                Cleanup* cleanup);

  // Returns the session `id` when the table knows it (`*known`) and
  // `principal` may use it now (it is then marked seen; an idle one is
  // ended instead). Sweeps the table at most once a minute.
  std::shared_ptr<Session> Use(const std::string& id, const Principal& principal, absl::Time now,
                               Cleanup* cleanup, bool* known);
  // Adds a session minted by another replica (or before a restart) with our
  // key, which the caller verified; if a concurrent request adopted it
  // first, returns that one when `principal` may use it, else nullptr.
  std::shared_ptr<Session> Adopt(const std::string& id, const Principal& principal,
                                 const std::string& protocol_version, absl::Time created,
                                 absl::Time now, Cleanup* cleanup);
  // Returns the session `id` unless it is unknown or ended.
  std::shared_ptr<Session> Find(const std::string& id) const;
  // Returns the number of live sessions.
  size_t LiveCount(absl::Time now) const;
  // True when a session that has not ended has an open SSE stream.
  bool AnyActiveStream() const;
  // Calls `fn(session)` for each session that has not ended.
  template <typename Fn>
  void ForEachOpen(Fn fn) const {
    for (const auto& [id, session] : sessions_) {
      if (!session->ended) fn(*session);
    }
  }

  // Ends `session` (its streams and in-flight calls go to `cleanup`); its
  // tombstone stays until the id expires.
  static void End(Session& session, Cleanup* cleanup);
  void EndAll(Cleanup* cleanup);

 private:
  bool UseLocked(Session& session, const Principal& principal, absl::Time now, Cleanup* cleanup);
  void MaybeSweep(absl::Time now, bool force, Cleanup* cleanup);

  const SessionLimits limits_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  // The sessions initialized here, by principal (max_per_principal).
  PrincipalSessions by_principal_;
  absl::Time last_sweep_ = absl::InfinitePast();
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_SESSION_TABLE_H_
