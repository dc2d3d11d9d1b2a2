// The set of tools a ToolService serves, in registration order.
//
// Thread safe. Filled at startup; tools may also be added or removed while
// serving (e.g. an admin or test hook): every change publishes a new
// immutable Snapshot and announces itself on changes() (what: "tools"), which
// the WatchTools RPC streams so that MCP clients get
// notifications/tools/list_changed.
#ifndef MCP_OAUTH_MCP_TOOL_REGISTRY_H_
#define MCP_OAUTH_MCP_TOOL_REGISTRY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "mcp/change_feed.h"
#include "mcp/tool.h"

namespace mcp_oauth::mcp {

class ToolRegistry {
 public:
  // The registry at one moment. Immutable; definitions are shared.
  struct Snapshot {
    std::vector<std::shared_ptr<const ToolDefinition>> tools;  // registration order
    std::unordered_map<std::string, size_t> index;
    // A short tag that changes whenever the tool list (names, order,
    // schemas) changes; the same list yields the same tag in every process,
    // so page tokens stay valid across replicas.
    std::string version_tag;

    // Returns the tool called `name`, or nullptr.
    const ToolDefinition* Find(std::string_view name) const;
  };

  ToolRegistry();
  ToolRegistry(const ToolRegistry&) = delete;
  ToolRegistry& operator=(const ToolRegistry&) = delete;

  // Adds `tool`. Fails (INVALID_ARGUMENT / ALREADY_EXISTS) for an empty or
  // duplicate name, a missing handler, an input schema that is not an object
  // schema, or a schema using unsupported keywords.
  absl::Status Register(ToolDefinition tool);
  // Removes the tool called `name` (NOT_FOUND if none). Calls already running
  // finish normally.
  absl::Status Unregister(std::string_view name);

  // The current tools. Hold the snapshot while using its definitions.
  std::shared_ptr<const Snapshot> snapshot() const;

  // Shortcuts over the current snapshot. A pointer from Find stays valid for
  // the registry's lifetime (removed definitions are retired, not freed).
  const ToolDefinition* Find(std::string_view name) const;
  std::vector<std::shared_ptr<const ToolDefinition>> tools() const { return snapshot()->tools; }
  size_t size() const { return snapshot()->tools.size(); }
  // The current tools' names, in registration order.
  std::vector<std::string> names() const;
  std::string version_tag() const { return snapshot()->version_tag; }

  // Announces every Register/Unregister (what: "tools"), after the new
  // snapshot is visible.
  ChangeFeed& changes() const { return changes_; }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<const ToolDefinition>> retired_ ABSL_GUARDED_BY(mu_);
  mutable ChangeFeed changes_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOL_REGISTRY_H_
