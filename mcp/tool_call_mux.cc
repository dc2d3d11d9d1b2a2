#include "mcp/tool_call_mux.h"

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/call.h"
#include "client/tool_call_mux_features.h"
#include "client/tool_client.h"
#include "common/grpc_metrics.h"
#include "mcp/json_struct.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::mcp {

using mcp_oauth::tools::v1::CallToolMuxRequest;
using mcp_oauth::tools::v1::CallToolMuxResponse;
using mcp_oauth::tools::v1::CallToolResponse;
using JsonResult = client::ToolClient::JsonResult;

namespace {

// Each multiplexed call counts as a ToolService/CallTool RPC.
const metrics::MultiplexedCallMetrics& CallMetrics() {
  static const auto* const metrics = new metrics::MultiplexedCallMetrics("ToolService/CallTool");
  return *metrics;
}

// What this server accepts (client/tool_call_mux_features.h).
constexpr char kServerFeatures[] = "json,batch";

// Whether the client of `context` advertised `feature`.
bool ClientHas(const grpc::CallbackServerContext& context, std::string_view feature) {
  const auto range = context.client_metadata().equal_range(client::kToolMuxFeaturesKey);
  for (auto it = range.first; it != range.second; ++it) {
    if (client::HasToolMuxFeature(std::string_view(it->second.data(), it->second.size()),
                                  feature)) {
      return true;
    }
  }
  return false;
}

// The answer of call `id` without its result.
CallToolMuxResponse AnswerOf(uint64_t id, const grpc::Status& status) {
  CallToolMuxResponse answer;
  answer.set_call_id(id);
  answer.set_code(static_cast<int32_t>(status.error_code()));
  if (!status.ok()) answer.set_message(status.error_message());
  return answer;
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
// StartWrite is called outside the lock (one write at a time: writing_).
class CallToolMuxStreams::Stream {
 public:
  // `batch_answers`: the client takes several answers per message.
  Stream(Reactor* reactor, bool batch_answers) : batch_answers_(batch_answers), reactor_(reactor) {}

  // Registers call `id` and returns its cancellation, or answers it at once
  // and returns null (the stream is ending, too busy, or the id is in use).
  std::shared_ptr<client::Cancellation> Begin(uint64_t id, size_t max_calls) {
    grpc::Status refusal;
    Reactor* write = nullptr;
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
      write = Queue(AnswerOf(id, refusal));
    }
    if (write != nullptr) write->StartWrite(&out_);
    CallMetrics().Record(refusal.error_code(), absl::ZeroDuration());
    return nullptr;
  }

  // The end of call `id` (exactly once per Begin that returned non-null):
  // `answer` has its id, status and (when OK) result.
  void Answer(uint64_t id, CallToolMuxResponse answer, absl::Time started) {
    CallMetrics().Record(static_cast<grpc::StatusCode>(answer.code()), absl::Now() - started);
    Reactor* write = nullptr;
    {
      absl::MutexLock lock(&mu_);
      calls_.erase(id);
      write = Queue(std::move(answer));
      if (write == nullptr) MaybeFinish();
    }
    if (write != nullptr) write->StartWrite(&out_);
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

  // Between Cork and Uncork (the handling of one request message) answers
  // wait, so that a client taking batches gets them in one message.
  void Cork() {
    if (!batch_answers_) return;
    absl::MutexLock lock(&mu_);
    corked_ = true;
  }
  void Uncork() {
    if (!batch_answers_) return;
    Reactor* write = nullptr;
    {
      absl::MutexLock lock(&mu_);
      corked_ = false;
      write = StartWriteLocked();
      if (write == nullptr) MaybeFinish();
    }
    if (write != nullptr) write->StartWrite(&out_);
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
    Reactor* write = nullptr;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        // The stream is broken: OnCancel or OnDone follows.
        queued_.clear();
        broken_ = true;
      } else {
        write = StartWriteLocked();
      }
      if (write == nullptr) MaybeFinish();
    }
    if (write != nullptr) write->StartWrite(&out_);
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

  // Queues `answer` unless the stream finished or broke. Returns the reactor
  // to StartWrite(&out_) on, outside the lock, when a write is to start.
  Reactor* Queue(CallToolMuxResponse answer) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr || cancelled_ || broken_) return nullptr;
    queued_.push_back(std::move(answer));
    return StartWriteLocked();
  }

  // Moves what is queued into out_ (everything when the client takes
  // batches, else the first answer) unless a write is in flight or the
  // answers are corked. Returns the reactor to write out_ on, or null.
  Reactor* StartWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || corked_ || queued_.empty() || reactor_ == nullptr) return nullptr;
    writing_ = true;
    out_ = std::move(queued_.front());
    queued_.pop_front();
    if (batch_answers_) {
      while (!queued_.empty()) {
        out_.add_more()->Swap(&queued_.front());
        queued_.pop_front();
      }
    }
    return reactor_;
  }

  // Finishes the RPC once nothing is left to read, answer or write.
  void MaybeFinish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr || writing_) return;
    const bool idle = calls_.empty() && queued_.empty() && (reads_done_ || ending_);
    if (!idle && !cancelled_ && !broken_) return;
    Reactor* reactor = reactor_;
    reactor_ = nullptr;
    reactor->Finish(ending_ && !reads_done_ && !cancelled_
                        ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "tool service shutting down")
                        : grpc::Status::OK);
  }

  const bool batch_answers_;
  // The message being written: set under mu_ by whoever set writing_, then
  // read by gRPC until WriteDone.
  CallToolMuxResponse out_;
  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_);  // null once Finish was called
  absl::flat_hash_map<uint64_t, std::shared_ptr<client::Cancellation>> calls_ ABSL_GUARDED_BY(mu_);
  // Answers not yet written.
  std::deque<CallToolMuxResponse> queued_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool corked_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
};

namespace {

class MuxReactor final : public CallToolMuxStreams::Reactor {
 public:
  MuxReactor(ToolServiceImpl* service, size_t max_calls, CallToolMuxStreams::Registry* registry,
             grpc::CallbackServerContext* context)
      : service_(service),
        max_calls_(max_calls),
        registry_(registry),
        stream_(std::make_shared<CallToolMuxStreams::Stream>(
            this, ClientHas(*context, client::kToolMuxBatch))) {
    bool ending;
    {
      absl::MutexLock lock(&registry_->mu);
      registry_->open.insert(stream_.get());
      ending = registry_->ending;
    }
    // Tells the caller at once that this server has the method (a caller
    // falls back to CallTool when it has not) and what it accepts.
    context->AddInitialMetadata(client::kToolMuxFeaturesKey, kServerFeatures);
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
    stream_->Cork();
    Handle(request_);
    for (const CallToolMuxRequest& more : request_.more()) Handle(more);
    stream_->Uncork();
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
  // Starts or cancels the call of `request`.
  void Handle(const CallToolMuxRequest& request) {
    const uint64_t id = request.call_id();
    if (request.cancel()) {
      stream_->CancelCall(id);
      return;
    }
    std::shared_ptr<client::Cancellation> cancellation = stream_->Begin(id, max_calls_);
    if (cancellation == nullptr) return;
    const absl::Time started = absl::Now();
    const absl::Time deadline = request.timeout_micros() > 0
                                    ? started + absl::Microseconds(request.timeout_micros())
                                    : absl::InfiniteFuture();
    if (request.arguments_json().empty()) {
      service_->StartCallTool(
          request.call(), deadline, request.request_id(), cancellation,
          [stream = stream_, id, started](const grpc::Status& status, CallToolResponse* result) {
            CallToolMuxResponse answer = AnswerOf(id, status);
            if (status.ok() && result != nullptr) answer.mutable_result()->Swap(result);
            stream->Answer(id, std::move(answer), started);
          });
      return;
    }
    // Feature "json": no google.protobuf.Struct either way.
    const nlohmann::json arguments =
        nlohmann::json::parse(request.arguments_json(), nullptr, /*allow_exceptions=*/false);
    if (!arguments.is_object()) {  // also a parse error (discarded)
      stream_->Answer(id,
                      AnswerOf(id, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                                "arguments_json is not a JSON object")),
                      started);
      return;
    }
    service_->StartCallToolJson(
        request.call(), arguments, deadline, request.request_id(), cancellation,
        [stream = stream_, id, started](const grpc::Status& status, JsonResult* result) {
          CallToolMuxResponse answer = AnswerOf(id, status);
          if (status.ok() && result != nullptr) {
            if (!result->content.empty()) answer.set_content_json(DumpJson(result->content));
            if (result->structured_content.is_object())
              answer.set_structured_content_json(DumpJson(result->structured_content));
            answer.mutable_result()->Swap(&result->response);
          }
          stream->Answer(id, std::move(answer), started);
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

CallToolMuxStreams::Reactor* CallToolMuxStreams::Open(grpc::CallbackServerContext* context) {
  return new MuxReactor(service_, max_calls_, registry_.get(), context);
}

void CallToolMuxStreams::EndAll() {
  absl::MutexLock lock(&registry_->mu);
  registry_->ending = true;
  for (Stream* stream : registry_->open) stream->End();
}

}  // namespace mcp_oauth::mcp
