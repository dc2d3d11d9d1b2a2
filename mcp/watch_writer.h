// WatchWriter: the server side of a watch RPC (WatchTools, WatchResources):
// writes a first event at once, then one event per change published on a
// ChangeFeed, until the client cancels. Events should describe the current
// state (e.g. a version tag) or name what changed, never a delta. gRPC allows one write in flight,
// so events queue (bounded: when a reader falls `max_pending` behind, the stream ends with
// RESOURCE_EXHAUSTED and the client re-watches).
//
// Owns itself: deleted in OnDone. Thread safe.
#ifndef MCP_OAUTH_MCP_WATCH_WRITER_H_
#define MCP_OAUTH_MCP_WATCH_WRITER_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "mcp/change_feed.h"

namespace mcp_oauth::mcp {

template <typename Event>
class WatchWriter final : public grpc::ServerWriteReactor<Event> {
 public:
  using MakeEvent = std::function<Event(const std::string& what)>;

  WatchWriter(ChangeFeed* feed, MakeEvent make, Event first, size_t max_pending)
      : feed_(feed), make_(std::move(make)), max_pending_(max_pending) {
    // Listening before `first` is queued, so no change is missed (events
    // describe the state when they are made, so their order does not
    // matter). Outside mu_: the feed calls Push with its own lock held.
    subscription_ = feed_->Subscribe([this](const std::string& what) { Push(make_(what)); });
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(first));
    StartNextLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!queue_.empty()) queue_.pop_front();
    if (!ok) EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
    StartNextLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
    StartNextLocked();
  }

  void OnDone() override {
    feed_->Unsubscribe(subscription_);  // no listener call after this returns
    delete this;
  }

 private:
  void Push(Event event) {
    absl::MutexLock lock(&mu_);
    if (ending_) return;
    if (queue_.size() >= max_pending_) {
      EndLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "watcher too slow"));
    } else {
      queue_.push_back(std::move(event));
    }
    StartNextLocked();
  }

  void EndLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (ending_) return;
    ending_ = true;
    final_status_ = std::move(status);
    // Keep only the event being written.
    while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
  }

  void StartNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return;
    if (!queue_.empty()) {
      writing_ = true;
      this->StartWrite(&queue_.front());
    } else if (ending_) {
      finished_ = true;
      this->Finish(final_status_);
    }
  }

  ChangeFeed* const feed_;
  const MakeEvent make_;
  const size_t max_pending_;
  uint64_t subscription_ = 0;
  absl::Mutex mu_;
  std::deque<Event> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_WATCH_WRITER_H_
