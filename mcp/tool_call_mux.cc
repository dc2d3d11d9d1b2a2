#include "mcp/tool_call_mux.h"

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/call.h"
#include "common/grpc_metrics.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::mcp {

using mcp_oauth::tools::v1::CallToolMuxRequest;
using mcp_oauth::tools::v1::CallToolMuxResponse;
using mcp_oauth::tools::v1::CallToolResponse;

namespace {

// Each multiplexed call counts as a ToolService/CallTool RPC.
const metrics::MultiplexedCallMetrics& CallMetrics() {
  static const auto* const metrics = new metrics::MultiplexedCallMetrics("ToolService/CallTool");
  return *metrics;
}

}  // namespace

struct CallToolMuxStreams::Registry {
  absl::Mutex mu;
  bool ending ABSL_GUARDED_BY(mu) = false;
  absl::flat_hash_set<Stream*> open ABSL_GUARDED_BY(mu);
};

// What one stream's reactor and its calls share. A call may finish on a
// worker or the timer thread, also after the stream is done: it holds this
// object, which no longer touches the reactor once it called Finish.
class CallToolMuxStreams::Stream {
 public:
  explicit Stream(Reactor* reactor) : reactor_(reactor) {}

  // Registers call `id` and returns its cancellation, or answers it at once
  // and returns null (the stream is ending, too busy, or the id is in use).
  std::shared_ptr<client::Cancellation> Begin(uint64_t id, size_t max_calls) {
    grpc::Status refusal;
    {
      absl::MutexLock lock(&mu_);
      if (ending_ || cancelled_) {
        refusal = grpc::Status(grpc::StatusCode::UNAVAILABLE, "tool service shutting down");
      } else if (calls_.size() >= max_calls) {
        refusal = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "too many tool calls on this stream");
      } else if (calls_.contains(id)) {
        refusal = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "call_id already in use");
      } else {
        std::shared_ptr<client::Cancellation>& cancellation = calls_[id];
        cancellation = std::make_shared<client::Cancellation>();
        return cancellation;
      }
      Write(id, refusal, nullptr);
    }
    CallMetrics().Record(refusal.error_code(), absl::ZeroDuration());
    return nullptr;
  }

  // The end of call `id` (exactly once per Begin that returned non-null).
  void Answer(uint64_t id, const grpc::Status& status, CallToolResponse* result,
              absl::Time started) {
    CallMetrics().Record(status.error_code(), absl::Now() - started);
    absl::MutexLock lock(&mu_);
    calls_.erase(id);
    Write(id, status, result);
    MaybeFinish();
  }

  // The caller cancelled call `id` (it answers CANCELLED, unless it ended).
  void CancelCall(uint64_t id) {
    std::shared_ptr<client::Cancellation> cancellation;
    {
      absl::MutexLock lock(&mu_);
      auto it = calls_.find(id);
      if (it == calls_.end()) return;
      cancellation = it->second;
    }
    cancellation->Cancel();
  }

  // The caller sent its last request: finish once the calls answered.
  void ReadsDone() {
    absl::MutexLock lock(&mu_);
    reads_done_ = true;
    MaybeFinish();
  }

  // The RPC was cancelled (the caller left, or the server is shutting
  // down): the calls are cancelled and their answers dropped.
  void Cancelled() { CancelAll(/*cancelled=*/true); }

  // Answers the calls in flight, refuses new ones and finishes.
  void End() { CancelAll(/*cancelled=*/false); }

  void WriteDone(bool ok) {
    absl::MutexLock lock(&mu_);
    writes_.pop_front();
    if (!ok) {
      // The stream is broken: OnCancel or OnDone follows.
      writes_.clear();
      broken_ = true;
    }
    if (!writes_.empty()) {
      reactor_->StartWrite(&writes_.front());
      return;
    }
    writing_ = false;
    MaybeFinish();
  }

 private:
  void CancelAll(bool cancelled) {
    std::vector<std::shared_ptr<client::Cancellation>> calls;
    {
      absl::MutexLock lock(&mu_);
      if (cancelled) cancelled_ = true;
      ending_ = true;
      calls.reserve(calls_.size());
      for (const auto& [id, cancellation] : calls_) calls.push_back(cancellation);
      MaybeFinish();
    }
    // A call still queued or running ends CANCELLED now; its Answer
    // (on this thread or a worker) finishes the stream with the last one.
    if (cancelled) {
      for (const auto& cancellation : calls) cancellation->Cancel();
    }
  }

  // Queues the answer of call `id` unless the stream finished or broke.
  void Write(uint64_t id, const grpc::Status& status, CallToolResponse* result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr || cancelled_ || broken_) return;
    CallToolMuxResponse& response = writes_.emplace_back();
    response.set_call_id(id);
    response.set_code(static_cast<int32_t>(status.error_code()));
    if (!status.ok()) {
      response.set_message(status.error_message());
    } else if (result != nullptr) {
      response.mutable_result()->Swap(result);
    }
    if (!writing_) {
      writing_ = true;
      reactor_->StartWrite(&writes_.front());
    }
  }

  // Finishes the RPC once nothing is left to read, answer or write.
  void MaybeFinish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr || writing_) return;
    const bool idle = calls_.empty() && (reads_done_ || ending_);
    if (!idle && !cancelled_ && !broken_) return;
    Reactor* reactor = reactor_;
    reactor_ = nullptr;
    reactor->Finish(ending_ && !reads_done_ && !cancelled_
                        ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "tool service shutting down")
                        : grpc::Status::OK);
  }

  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_);  // null once Finish was called
  absl::flat_hash_map<uint64_t, std::shared_ptr<client::Cancellation>> calls_ ABSL_GUARDED_BY(mu_);
  // writes_.front() is being written while writing_.
  std::deque<CallToolMuxResponse> writes_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
};

namespace {

class MuxReactor final : public CallToolMuxStreams::Reactor {
 public:
  MuxReactor(ToolServiceImpl* service, size_t max_calls, CallToolMuxStreams::Registry* registry)
      : service_(service),
        max_calls_(max_calls),
        registry_(registry),
        stream_(std::make_shared<CallToolMuxStreams::Stream>(this)) {
    bool ending;
    {
      absl::MutexLock lock(&registry_->mu);
      registry_->open.insert(stream_.get());
      ending = registry_->ending;
    }
    // Tells the caller at once that this server has the method (a caller
    // falls back to CallTool when it has not).
    StartSendInitialMetadata();
    if (ending) {
      stream_->End();
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      stream_->ReadsDone();
      return;
    }
    if (request_.cancel()) {
      stream_->CancelCall(request_.call_id());
    } else {
      StartCall();
    }
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override { stream_->WriteDone(ok); }
  void OnCancel() override { stream_->Cancelled(); }

  void OnDone() override {
    {
      absl::MutexLock lock(&registry_->mu);
      registry_->open.erase(stream_.get());
    }
    delete this;
  }

 private:
  void StartCall() {
    const uint64_t id = request_.call_id();
    std::shared_ptr<client::Cancellation> cancellation = stream_->Begin(id, max_calls_);
    if (cancellation == nullptr) return;
    const absl::Time started = absl::Now();
    const absl::Time deadline = request_.timeout_micros() > 0
                                    ? started + absl::Microseconds(request_.timeout_micros())
                                    : absl::InfiniteFuture();
    service_->StartCallTool(
        request_.call(), deadline, request_.request_id(), cancellation,
        [stream = stream_, id, started](const grpc::Status& status, CallToolResponse* result) {
          stream->Answer(id, status, result, started);
        });
  }

  ToolServiceImpl* const service_;
  const size_t max_calls_;
  CallToolMuxStreams::Registry* const registry_;
  const std::shared_ptr<CallToolMuxStreams::Stream> stream_;
  CallToolMuxRequest request_;
};

}  // namespace

CallToolMuxStreams::CallToolMuxStreams(ToolServiceImpl* service, size_t max_calls)
    : service_(service), max_calls_(max_calls), registry_(std::make_unique<Registry>()) {}

CallToolMuxStreams::~CallToolMuxStreams() = default;

CallToolMuxStreams::Reactor* CallToolMuxStreams::Open() {
  return new MuxReactor(service_, max_calls_, registry_.get());
}

void CallToolMuxStreams::EndAll() {
  absl::MutexLock lock(&registry_->mu);
  registry_->ending = true;
  for (Stream* stream : registry_->open) stream->End();
}

}  // namespace mcp_oauth::mcp
