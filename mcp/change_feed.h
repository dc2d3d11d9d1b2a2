// ChangeFeed: a process-local publish/subscribe list through which registries
// announce runtime changes (a tool added or removed, a resource updated) to
// the watch RPCs that stream them to the MCP endpoint.
//
// Thread safe. Listeners are called with the feed's lock held, so that after
// Unsubscribe returns a listener is never called again: they must be quick,
// must not block and must not call back into the feed.
#ifndef MCP_OAUTH_MCP_CHANGE_FEED_H_
#define MCP_OAUTH_MCP_CHANGE_FEED_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace mcp_oauth::mcp {

class ChangeFeed {
 public:
  using Listener = std::function<void(const std::string& what)>;

  // Returns an id for Unsubscribe.
  uint64_t Subscribe(Listener listener) {
    absl::MutexLock lock(&mu_);
    listeners_.emplace(next_id_, std::move(listener));
    return next_id_++;
  }
  void Unsubscribe(uint64_t id) {
    absl::MutexLock lock(&mu_);
    listeners_.erase(id);
  }
  // Calls every listener with `what` (e.g. a resource URI).
  void Publish(const std::string& what) {
    absl::MutexLock lock(&mu_);
    for (auto& [id, listener] : listeners_) listener(what);
  }
  size_t listener_count() const {
    absl::MutexLock lock(&mu_);
    return listeners_.size();
  }

 private:
  mutable absl::Mutex mu_;
  std::map<uint64_t, Listener> listeners_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_CHANGE_FEED_H_
