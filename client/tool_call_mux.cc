#include "client/tool_call_mux.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/time/clock.h"
#include "common/deadline_timer.h"
#include "common/request_id.h"

namespace mcp_oauth::client {
namespace {

using mcp_oauth::tools::v1::CallToolMuxRequest;
using mcp_oauth::tools::v1::CallToolMuxResponse;
using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;

// The deadlines of every stream's calls, on one thread for the process
// (never destroyed: a stream may outlive its ToolCallMux by a callback).
DeadlineTimer& Timer() {
  static DeadlineTimer* const timer = new DeadlineTimer();
  return *timer;
}

grpc::Status StatusOf(const CallToolMuxResponse& response) {
  const int32_t code = response.code();
  if (code == 0) return grpc::Status::OK;
  if (code < 0 || code > static_cast<int32_t>(grpc::StatusCode::UNAUTHENTICATED)) {
    return grpc::Status(grpc::StatusCode::UNKNOWN, response.message());
  }
  return grpc::Status(static_cast<grpc::StatusCode>(code), response.message());
}

void Answer(UnaryDone<CallToolResponse>& done, const grpc::Status& status) {
  CallToolResponse empty;
  done(status, empty);
}

}  // namespace

// One CallToolMux stream. Owns itself from Start until OnDone; the calls'
// timers and cancellations hold it weakly.
class ToolCallMux::Stream final
    : public grpc::ClientBidiReactor<CallToolMuxRequest, CallToolMuxResponse>,
      public std::enable_shared_from_this<ToolCallMux::Stream> {
 public:
  enum class Outcome { kTaken, kDeclined, kEnded };

  Stream(size_t max_calls, std::shared_ptr<std::atomic<bool>> unsupported)
      : max_calls_(max_calls), unsupported_(std::move(unsupported)) {}

  void Start(mcp_oauth::tools::v1::ToolService::StubInterface* stub) {
    self_ = shared_from_this();
    stub->async()->CallToolMux(&context_, this);
    StartRead(&response_);
    StartCall();
  }

  Outcome TryCall(const CallOptions& options, CallToolRequest& request,
                  UnaryDone<CallToolResponse>& done) {
    const bool timed = options.timeout != absl::InfiniteDuration();
    const absl::Time deadline = timed ? absl::Now() + options.timeout : absl::InfiniteFuture();
    uint64_t id;
    bool arm = false;
    {
      absl::MutexLock lock(&mu_);
      if (ended_ || broken_) return Outcome::kEnded;
      if (!open_ || pending_.size() >= max_calls_) return Outcome::kDeclined;
      id = next_id_++;
      pending_.emplace(id, Pending{std::move(done), deadline});
      CallToolMuxRequest& call = writes_.emplace_back();
      call.set_call_id(id);
      call.mutable_call()->Swap(&request);
      if (timed)
        call.set_timeout_micros(std::max<int64_t>(1, absl::ToInt64Microseconds(options.timeout)));
      if (request_id::IsValid(options.request_id)) call.set_request_id(options.request_id);
      WriteNext();
      if (deadline < armed_) {
        armed_ = deadline;
        arm = true;
      }
    }
    if (arm) Arm(deadline);
    if (options.cancellation != nullptr) {
      // Runs at once when already cancelled.
      options.cancellation->SetHook([weak = weak_from_this(), id] {
        if (auto stream = weak.lock())
          stream->Fail(id, grpc::Status(grpc::StatusCode::CANCELLED, "Cancelled"));
      });
    }
    return Outcome::kTaken;
  }

  void TryCancel() {
    {
      absl::MutexLock lock(&mu_);
      cancelled_here_ = true;
    }
    context_.TryCancel();
  }

  // Returns once OnDone has begun (the stream no longer uses its mux).
  void AwaitEnded() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&ended_));
  }

  void OnReadInitialMetadataDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    absl::MutexLock lock(&mu_);
    open_ = true;
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    UnaryDone<CallToolResponse> done;
    {
      absl::MutexLock lock(&mu_);
      auto it = pending_.find(response_.call_id());
      if (it != pending_.end()) {
        done = std::move(it->second.done);
        pending_.erase(it);
      }
    }
    // (An answer to a call that ended here already, by its deadline or a
    // cancellation, is dropped.)
    const grpc::Status status = StatusOf(response_);
    CallToolResponse result;
    if (status.ok()) result.Swap(response_.mutable_result());
    StartRead(&response_);
    if (done) done(status, result);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writes_.pop_front();
    writing_ = false;
    if (!ok) {
      // The stream broke: OnDone follows and fails the calls.
      broken_ = true;
      writes_.clear();
      return;
    }
    WriteNext();
  }

  void OnDone(const grpc::Status& status) override {
    absl::flat_hash_map<uint64_t, Pending> pending;
    bool was_open;
    bool cancelled_here;
    {
      absl::MutexLock lock(&mu_);
      ended_ = true;
      was_open = open_;
      cancelled_here = cancelled_here_;
      pending.swap(pending_);
      writes_.clear();
    }
    if (!was_open && status.error_code() == grpc::StatusCode::UNIMPLEMENTED)
      unsupported_->store(true);
    // The server ending or cancelling the stream is its going away, as a
    // unary call sees a closed connection.
    grpc::Status failure = status;
    if (status.ok() || (status.error_code() == grpc::StatusCode::CANCELLED && !cancelled_here)) {
      failure = grpc::Status(grpc::StatusCode::UNAVAILABLE, "tool call stream ended");
    }
    for (auto& [id, call] : pending) Answer(call.done, failure);
    std::shared_ptr<Stream> keep = std::move(self_);
  }

 private:
  struct Pending {
    UnaryDone<CallToolResponse> done;
    absl::Time deadline;
  };

  // Ends call `id` here with `status` (unless it ended) and asks the server
  // to cancel it.
  void Fail(uint64_t id, const grpc::Status& status) {
    UnaryDone<CallToolResponse> done;
    {
      absl::MutexLock lock(&mu_);
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      done = std::move(it->second.done);
      pending_.erase(it);
      if (!ended_ && !broken_) {
        CallToolMuxRequest& cancel = writes_.emplace_back();
        cancel.set_call_id(id);
        cancel.set_cancel(true);
        WriteNext();
      }
    }
    Answer(done, status);
  }

  // Schedules a sweep of the calls past their deadline at `when`. One sweep
  // is armed at a time (for the earliest deadline), not one timer per call.
  void Arm(absl::Time when) {
    Timer().Schedule(when, [weak = weak_from_this()] {
      if (auto stream = weak.lock()) stream->Sweep();
    });
  }

  void Sweep() {
    std::vector<uint64_t> expired;
    absl::Time next = absl::InfiniteFuture();
    {
      absl::MutexLock lock(&mu_);
      const absl::Time now = absl::Now();
      for (const auto& [id, call] : pending_) {
        if (call.deadline <= now) {
          expired.push_back(id);
        } else {
          next = std::min(next, call.deadline);
        }
      }
      armed_ = next;
    }
    if (next != absl::InfiniteFuture()) Arm(next);
    for (uint64_t id : expired)
      Fail(id, grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"));
  }

  // Starts writing writes_.front() unless a write is in progress.
  void WriteNext() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || writes_.empty()) return;
    writing_ = true;
    StartWrite(&writes_.front());
  }

  const size_t max_calls_;
  const std::shared_ptr<std::atomic<bool>> unsupported_;
  grpc::ClientContext context_;
  CallToolMuxResponse response_;  // read into by gRPC, one read at a time
  std::shared_ptr<Stream> self_;

  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;            // the server has the method
  bool ended_ ABSL_GUARDED_BY(mu_) = false;           // OnDone has begun
  bool broken_ ABSL_GUARDED_BY(mu_) = false;          // a write failed
  bool cancelled_here_ ABSL_GUARDED_BY(mu_) = false;  // by TryCancel
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Pending> pending_ ABSL_GUARDED_BY(mu_);
  // writes_.front() is being written while writing_.
  std::deque<CallToolMuxRequest> writes_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // The earliest armed sweep (InfiniteFuture: none).
  absl::Time armed_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
};

void SetToolCallMuxChannelArguments(grpc::ChannelArguments* arguments) {
  arguments->SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  arguments->SetInt(GRPC_ARG_MINIMAL_STACK, 1);
}

ToolCallMux::ToolCallMux(std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub,
                         ToolCallMuxOptions options)
    : stub_(std::move(stub)),
      options_(options),
      unsupported_(std::make_shared<std::atomic<bool>>(false)),
      slot_count_(static_cast<size_t>(std::max(1, options.streams))),
      slots_(slot_count_) {}

ToolCallMux::~ToolCallMux() {
  std::vector<std::shared_ptr<Stream>> streams;
  {
    absl::MutexLock lock(&mu_);
    for (const Slot& slot : slots_) {
      if (slot.stream != nullptr) streams.push_back(slot.stream);
    }
    for (const auto& weak : retired_) {
      if (auto stream = weak.lock()) streams.push_back(std::move(stream));
    }
  }
  for (const auto& stream : streams) stream->TryCancel();
  for (const auto& stream : streams) stream->AwaitEnded();
}

bool ToolCallMux::TryCall(const CallOptions& options, CallToolRequest& request,
                          UnaryDone<CallToolResponse>& done) {
  if (unsupported_->load(std::memory_order_relaxed)) return false;
  if (options.cancellation != nullptr && options.cancellation->cancelled()) {
    Answer(done,
           grpc::Status(grpc::StatusCode::CANCELLED, "Cancelled"));  // never sent, as a unary call
    return true;
  }
  const size_t index = next_slot_.fetch_add(1, std::memory_order_relaxed) % slot_count_;
  std::shared_ptr<Stream> stream;
  {
    absl::MutexLock lock(&mu_);
    stream = slots_[index].stream;
  }
  if (stream != nullptr) {
    switch (stream->TryCall(options, request, done)) {
      case Stream::Outcome::kTaken:
        return true;
      case Stream::Outcome::kDeclined:
        return false;
      case Stream::Outcome::kEnded:
        break;
    }
  }
  Reopen(index, stream.get());
  return false;  // this call goes unary; the next ones take the new stream once open
}

void ToolCallMux::Reopen(size_t index, const Stream* ended) {
  std::shared_ptr<Stream> fresh;
  {
    absl::MutexLock lock(&mu_);
    Slot& slot = slots_[index];
    if (slot.stream.get() != ended) return;  // another caller reopened it
    const absl::Time now = absl::Now();
    if (now - slot.opened < options_.reopen_interval) return;
    slot.opened = now;
    if (slot.stream != nullptr) {
      retired_.erase(
          std::remove_if(retired_.begin(), retired_.end(),
                         [](const std::weak_ptr<Stream>& weak) { return weak.expired(); }),
          retired_.end());
      retired_.push_back(slot.stream);
    }
    slot.stream = fresh = std::make_shared<Stream>(options_.max_calls_per_stream, unsupported_);
    // Started under the lock: the destructor cancels only started streams.
    fresh->Start(stub_.get());
  }
}

}  // namespace mcp_oauth::client
