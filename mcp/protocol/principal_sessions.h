// PrincipalSessions: which MCP sessions each principal (OAuth subject +
// client, as SessionIdCodec::Binding) opened on this endpoint, for the cap on
// concurrent sessions per principal (McpOptions::max_sessions_per_principal).
//
// Holds weak references only: the endpoint's session table owns the sessions
// and decides what "live" means; entries of sessions that are gone or no
// longer live are forgotten as they are counted, and principals without
// sessions are dropped by an amortised sweep, so memory follows the table.
//
// Not thread safe: the endpoint calls it under its session mutex.
#ifndef MCP_OAUTH_MCP_PROTOCOL_PRINCIPAL_SESSIONS_H_
#define MCP_OAUTH_MCP_PROTOCOL_PRINCIPAL_SESSIONS_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace mcp_oauth::mcp {

struct Session;  // session_table.h

class PrincipalSessions {
 public:
  using IsLive = std::function<bool(const Session&)>;

  // Returns how many sessions of `principal` are still live by `is_live`,
  // forgetting the others.
  size_t CountLive(const std::string& principal, const IsLive& is_live);

  // Records that `principal` opened `session`.
  void Add(const std::string& principal, const std::shared_ptr<Session>& session);

  // Number of principals currently tracked (for tests).
  size_t principal_count() const { return by_principal_.size(); }

 private:
  // Drops expired references, and principals left with none.
  void SweepExpired();

  absl::flat_hash_map<std::string, std::vector<std::weak_ptr<Session>>> by_principal_;
  size_t sweep_at_ = 64;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_PRINCIPAL_SESSIONS_H_
