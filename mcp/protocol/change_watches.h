// ChangeWatches: the MCP endpoint's watches of its backends and the
// notifications they feed. One WatchTools and one WatchResources stream run
// while at least one session has an open GET stream (started by a GET,
// restarted by the next GET after a failure, cancelled when the last stream
// detaches); notifications/tools/list_changed goes to every session and
// notifications/resources/updated to the sessions subscribed to its URI
// (resources/subscribe, resources/unsubscribe), each on the session's
// newest open GET stream (sessions without one miss it).
//
// Internal to //mcp/protocol. Thread safe. The endpoint owns it and the
// session table; the endpoint's mutex guards both the table and the
// watches' state here, as the watches start and stop with the sessions'
// streams.
#ifndef MCP_OAUTH_MCP_PROTOCOL_CHANGE_WATCHES_H_
#define MCP_OAUTH_MCP_PROTOCOL_CHANGE_WATCHES_H_

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/call.h"
#include "client/catalog_client.h"
#include "client/tool_client.h"
#include "mcp/protocol/reply.h"
#include "mcp/protocol/session_table.h"

namespace mcp_oauth::mcp {

class ChangeWatches {
 public:
  // `tools` null: no tool watch. `resources` null: no resource watch (nor
  // updates). `mu` guards `sessions`; both outlive this object.
  ChangeWatches(std::shared_ptr<client::ToolClient> tools,
                std::shared_ptr<client::ResourceClient> resources, absl::Mutex* mu,
                SessionTable* sessions);

  // Starts the watches that are not running (unless their backend refused
  // them). Their callbacks lock `owner` (the endpoint, which owns this
  // object) and do nothing once it is gone.
  void Ensure(const std::weak_ptr<const void>& owner);
  // Cancels the watches when no session has an open GET stream left, so
  // that they never hold up the backend's shutdown and cost nothing idle.
  void MaybeStop();
  // Cancels the watches and waits (bounded) until their streams ended; no
  // watch starts after it.
  void Shutdown();

  // resources/subscribe and resources/unsubscribe (`method`) of `session`.
  void Subscribe(Session& session, const std::string& method, const nlohmann::json& id,
                 const nlohmann::json& params, const Reply& reply);

 private:
  struct Watch {
    std::shared_ptr<client::Cancellation> context;  // non-null while running
    bool unsupported = false;                       // the backend said UNIMPLEMENTED
  };
  // Claims `watch` for a new stream: its cancellation, or null when it runs
  // already or the endpoint shut down.
  std::shared_ptr<client::Cancellation> Claim(Watch* watch);
  // The end of a watch stream `name` that `context` cancelled.
  void Ended(Watch* watch, const std::shared_ptr<client::Cancellation>& context,
             const grpc::Status& status, const char* name);
  void StartToolWatch(const std::weak_ptr<const void>& owner);
  void StartResourceWatch(const std::weak_ptr<const void>& owner);
  void OnToolsChanged(const std::string& version_tag);
  void OnResourceUpdated(const std::string& uri);
  // Sends `message` to every open session that `wants` it.
  void Broadcast(const std::function<bool(const Session&)>& wants, const nlohmann::json& message);

  const std::shared_ptr<client::ToolClient> tools_;
  const std::shared_ptr<client::ResourceClient> resources_;
  absl::Mutex* const mu_;
  SessionTable* const sessions_ ABSL_PT_GUARDED_BY(mu_);
  Watch tool_watch_ ABSL_GUARDED_BY(mu_);
  Watch resource_watch_ ABSL_GUARDED_BY(mu_);
  std::string tools_tag_ ABSL_GUARDED_BY(mu_);  // last seen; empty before the first
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  // Streams started and not yet done: Shutdown waits for them, so no call
  // outlives the endpoint into the channel's or the process's teardown.
  int live_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_CHANGE_WATCHES_H_
