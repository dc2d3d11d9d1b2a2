// BackendCatalog: what each backend offers of one service (prompts, or
// resources and templates), kept current from the BackendMonitor the tool
// aggregate runs for the same backends: every watch event re-lists the
// backend, a watch that ends marks it down (its items leave the merged view,
// remembered as unavailable). A backend that answers UNIMPLEMENTED does not
// serve the service and is skipped, which is not an error.
//
// After every change the merged view is rebuilt by `Merger` (see
// named_merge.h) and new collisions are logged.
//
// This class is thread safe. Listing runs on gRPC threads; Shutdown waits for
// the listings it started.
#ifndef MCP_OAUTH_MCP_AGGREGATE_BACKEND_CATALOG_H_
#define MCP_OAUTH_MCP_AGGREGATE_BACKEND_CATALOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "mcp/aggregate/backend_monitor.h"

namespace mcp_oauth::mcp {

template <typename Snapshot>
struct CatalogBackend {
  std::string name;
  std::string prefix;
  // Listed since its watch last (re)started (or at startup).
  bool up = false;
  // False once it answered UNIMPLEMENTED: it does not serve the service.
  bool serves = true;
  // As last listed; kept while down, to name what is unavailable.
  Snapshot snapshot;
  // Bumped by every listing started and every watch end: a listing that
  // finishes after a newer one started, or after the watch ended, is stale.
  uint64_t seq = 0;
};

template <typename Snapshot, typename Merged>
class BackendCatalog final : public BackendMonitor::Listener {
 public:
  using Done = std::function<void(absl::StatusOr<Snapshot>)>;
  // Lists everything backend `index` offers; calls `done` once.
  using Lister = std::function<void(size_t index, Done done)>;
  // Builds the merged view; `previous` is the last one. The result has a
  // `collisions` member (messages).
  using Merger = std::function<Merged(const std::vector<CatalogBackend<Snapshot>>& backends,
                                      const Merged& previous)>;
  // Called (outside the lock) after a successful listing of a backend that
  // serves the service.
  using Listed = std::function<void(size_t index)>;

  // `service` names it in logs, e.g. "PromptService". `backends`: (name,
  // prefix) in the monitor's order.
  BackendCatalog(std::string service, std::vector<std::pair<std::string, std::string>> backends,
                 Lister lister, Merger merger, Listed listed = nullptr)
      : service_(std::move(service)),
        lister_(std::move(lister)),
        merger_(std::move(merger)),
        listed_(std::move(listed)),
        merged_(std::make_shared<const Merged>()) {
    absl::MutexLock lock(&mu_);
    for (auto& [name, prefix] : backends) {
      CatalogBackend<Snapshot> backend;
      backend.name = std::move(name);
      backend.prefix = std::move(prefix);
      backends_.push_back(std::move(backend));
    }
  }

  // Lists every backend once, waits for the answers and merges them all at
  // once (so that configuration order, not timing, settles collisions at
  // startup). A backend that does not answer is down until its watch says
  // otherwise; watch events arriving meanwhile are replayed afterwards.
  void Initialize() {
    const size_t n = size();
    std::vector<absl::StatusOr<Snapshot>> results(n, absl::UnavailableError("no answer"));
    absl::BlockingCounter pending(static_cast<int>(n));
    for (size_t i = 0; i < n; ++i) {
      lister_(i, [&results, &pending, i](absl::StatusOr<Snapshot> snapshot) {
        results[i] = std::move(snapshot);
        pending.DecrementCount();
      });
    }
    pending.Wait();
    std::vector<std::string> collisions;
    std::set<size_t> dirty;
    std::vector<size_t> listed;
    {
      absl::MutexLock lock(&mu_);
      for (size_t i = 0; i < n; ++i) {
        if (StoreLocked(i, std::move(results[i]))) listed.push_back(i);
      }
      collisions = RemergeLocked();
      initializing_ = false;
      dirty.swap(dirty_);
    }
    for (const auto& message : collisions) log::Error(message);
    if (listed_) {
      for (size_t i : listed) listed_(i);
    }
    for (size_t i : dirty) Refresh(i);
  }

  // Stops listing and waits for the listings in flight. Idempotent.
  void Shutdown() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    mu_.Await(absl::Condition(
        +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
  }

  std::shared_ptr<const Merged> merged() const {
    absl::ReaderMutexLock lock(&mu_);
    return merged_;
  }

  std::string backend_name(size_t index) const {
    absl::ReaderMutexLock lock(&mu_);
    return backends_[index].name;
  }

  size_t size() const {
    absl::ReaderMutexLock lock(&mu_);
    return backends_.size();
  }

  // BackendMonitor::Listener.
  void OnWatchEvent(size_t index) override {
    {
      absl::MutexLock lock(&mu_);
      if (initializing_) {
        dirty_.insert(index);
        return;
      }
    }
    Refresh(index);
  }

  void OnWatchEnded(size_t index, const grpc::Status& /*status*/) override {
    std::vector<std::string> collisions;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      if (initializing_) {
        dirty_.insert(index);  // re-listed (or found down) after startup
        return;
      }
      CatalogBackend<Snapshot>& backend = backends_[index];
      ++backend.seq;
      if (!backend.up) return;
      backend.up = false;
      collisions = RemergeLocked();
    }
    for (const auto& message : collisions) log::Error(message);
  }

 private:
  void Refresh(size_t index) {
    uint64_t seq;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      seq = ++backends_[index].seq;
      ++in_flight_;
    }
    lister_(index, [this, index, seq](absl::StatusOr<Snapshot> snapshot) {
      Apply(index, seq, std::move(snapshot));
      absl::MutexLock lock(&mu_);
      --in_flight_;
    });
  }

  void Apply(size_t index, uint64_t seq, absl::StatusOr<Snapshot> snapshot) {
    std::vector<std::string> collisions;
    bool listed = false;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || seq != backends_[index].seq) return;
      listed = StoreLocked(index, std::move(snapshot));
      collisions = RemergeLocked();
    }
    for (const auto& message : collisions) log::Error(message);
    if (listed && listed_) listed_(index);
  }

  // Records a listing's result; returns true when the backend serves the
  // service and was listed.
  bool StoreLocked(size_t index, absl::StatusOr<Snapshot> snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    CatalogBackend<Snapshot>& backend = backends_[index];
    if (!snapshot.ok() && snapshot.status().code() == absl::StatusCode::kUnimplemented) {
      if (backend.serves) {
        log::Info("backend '" + backend.name + "' does not serve " + service_ + ": skipped");
      }
      backend.serves = false;
      backend.up = true;
      backend.snapshot = Snapshot();
      return false;
    }
    if (!snapshot.ok()) {
      if (backend.up) {
        log::Warning("backend '" + backend.name + "': " + service_ + " listing failed (" +
                     std::string(snapshot.status().message()) + ")");
      }
      backend.up = false;
      return false;
    }
    backend.serves = true;
    backend.up = true;
    backend.snapshot = *std::move(snapshot);
    return true;
  }

  // Returns the collisions that are new since the previous merge.
  std::vector<std::string> RemergeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto merged = std::make_shared<const Merged>(merger_(backends_, *merged_));
    std::set<std::string> known(merged_->collisions.begin(), merged_->collisions.end());
    std::vector<std::string> fresh;
    for (const auto& message : merged->collisions) {
      if (known.count(message) == 0) fresh.push_back(message);
    }
    merged_ = std::move(merged);
    return fresh;
  }

  const std::string service_;
  const Lister lister_;
  const Merger merger_;
  const Listed listed_;
  mutable absl::Mutex mu_;
  std::vector<CatalogBackend<Snapshot>> backends_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const Merged> merged_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool initializing_ ABSL_GUARDED_BY(mu_) = true;
  std::set<size_t> dirty_ ABSL_GUARDED_BY(mu_);  // watch news while initializing
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_BACKEND_CATALOG_H_
