#include "client/tool_call_mux.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "client/tool_call_mux_features.h"
#include "common/deadline_timer.h"
#include "common/request_id.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::client {
namespace {

using mcp_oauth::tools::v1::CallToolMuxRequest;
using mcp_oauth::tools::v1::CallToolMuxResponse;
using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using nlohmann::json;
using JsonResult = ToolClient::JsonResult;

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

// Rewrites `value` as its trip through a google.protobuf.Struct would leave
// it (what the Struct answer gives); false where that conversion fails.
bool AsStructWould(json* value) {
  return !mcp::ChangedByStruct(*value) || mcp::NormalizeAsStruct(value).ok();
}

// Moves a "json" answer into `result`, as ToJsonResult gives the same
// answer sent as Structs: the blocks that are objects, structured content
// when it is one. INTERNAL when the server sent text that is not JSON.
grpc::Status ReadJsonAnswer(CallToolMuxResponse* answer, JsonResult* result) {
  CallToolResponse* response = answer->mutable_result();
  response->clear_content();
  response->clear_structured_content();
  result->response.Swap(response);
  if (!answer->content_json().empty()) {
    json content = json::parse(answer->content_json(), nullptr, /*allow_exceptions=*/false);
    if (!content.is_array())
      return grpc::Status(grpc::StatusCode::INTERNAL, "tool server sent malformed content_json");
    for (json& block : content) {
      if (block.is_object() && AsStructWould(&block)) result->content.push_back(std::move(block));
    }
  }
  if (!answer->structured_content_json().empty()) {
    json structured =
        json::parse(answer->structured_content_json(), nullptr, /*allow_exceptions=*/false);
    if (structured.is_discarded()) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          "tool server sent malformed structured_content_json");
    }
    if (structured.is_object() && AsStructWould(&structured))
      result->structured_content = std::move(structured);
  }
  return grpc::Status::OK;
}

// Whether the server's initial metadata in `context` advertises `feature`.
bool ServerHas(const grpc::ClientContext& context, std::string_view feature) {
  const auto range = context.GetServerInitialMetadata().equal_range(kToolMuxFeaturesKey);
  for (auto it = range.first; it != range.second; ++it) {
    if (HasToolMuxFeature(std::string_view(it->second.data(), it->second.size()), feature))
      return true;
  }
  return false;
}

}  // namespace

// One CallToolMux stream. Owns itself from Start until OnDone; the calls'
// timers and cancellations hold it weakly. Writes are started outside the
// lock, one at a time; a hold (gRPC's AddHold) keeps OnDone away until the
// reads ended and no write is in flight, so a write started from TryCall
// never races the stream's end.
class ToolCallMux::Stream final
    : public grpc::ClientBidiReactor<CallToolMuxRequest, CallToolMuxResponse>,
      public std::enable_shared_from_this<ToolCallMux::Stream> {
 public:
  enum class Outcome { kTaken, kDeclined, kEnded };

  // A call in flight: exactly one of the two `done`s is set.
  struct Pending {
    UnaryDone<CallToolResponse> done;
    UnaryDone<JsonResult> json_done;
    bool json_text = false;  // the answer comes as content_json
    absl::Time deadline;
  };

  Stream(size_t max_calls, std::shared_ptr<std::atomic<bool>> unsupported)
      : max_calls_(max_calls), unsupported_(std::move(unsupported)) {}

  void Start(mcp_oauth::tools::v1::ToolService::StubInterface* stub) {
    self_ = shared_from_this();
    // This client takes batched answers.
    context_.AddMetadata(kToolMuxFeaturesKey, kToolMuxBatch);
    stub->async()->CallToolMux(&context_, this);
    AddHold();
    StartRead(&response_);
    StartCall();
  }

  // Whether the stream is open and its server takes JSON text (set before
  // the stream takes calls).
  bool open() const { return open_flag_.load(std::memory_order_acquire); }
  bool json_text() const { return json_text_.load(std::memory_order_acquire); }
  // Whether the stream takes no more calls (it is to be replaced).
  bool ended() {
    absl::MutexLock lock(&mu_);
    return ended_ || broken_ || reads_ended_;
  }

  // Starts `call` (its call field set) with `pending` (its done set) and
  // returns kTaken, having moved from both; else leaves both untouched.
  Outcome Submit(const CallOptions& options, CallToolMuxRequest& call, Pending& pending) {
    const bool timed = options.timeout != absl::InfiniteDuration();
    const absl::Time deadline = timed ? absl::Now() + options.timeout : absl::InfiniteFuture();
    pending.deadline = deadline;
    if (timed)
      call.set_timeout_micros(std::max<int64_t>(1, absl::ToInt64Microseconds(options.timeout)));
    if (request_id::IsValid(options.request_id)) call.set_request_id(options.request_id);
    uint64_t id;
    bool arm = false;
    bool write = false;
    {
      absl::MutexLock lock(&mu_);
      if (ended_ || broken_ || reads_ended_) return Outcome::kEnded;
      if (!open_ || pending_.size() >= max_calls_) return Outcome::kDeclined;
      id = next_id_++;
      call.set_call_id(id);
      pending_.emplace(id, std::move(pending));
      queued_.push_back(std::move(call));
      write = StartWriteLocked();
      if (deadline < armed_) {
        armed_ = deadline;
        arm = true;
      }
    }
    if (write) StartWrite(&out_);
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

  // Answers `call` with `status` (not OK) and no result.
  static void Answer(Pending& call, const grpc::Status& status) {
    if (call.done) {
      CallToolResponse empty;
      call.done(status, empty);
    } else {
      JsonResult empty;
      call.json_done(status, empty);
    }
  }

  void OnReadInitialMetadataDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    json_text_.store(ServerHas(context_, kToolMuxJson), std::memory_order_release);
    const bool batch = ServerHas(context_, kToolMuxBatch);
    {
      absl::MutexLock lock(&mu_);
      batch_ = batch;
      open_ = true;
    }
    open_flag_.store(true, std::memory_order_release);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // OnDone follows once no write is in flight.
      bool release;
      {
        absl::MutexLock lock(&mu_);
        reads_ended_ = true;
        release = ReleaseHoldLocked();
      }
      if (release) RemoveHold();
      return;
    }
    CallToolMuxResponse message;
    message.Swap(&response_);
    StartRead(&response_);
    // The calls this message answers, in order. (An answer to a call that
    // ended here already, by its deadline or a cancellation, is dropped.)
    absl::InlinedVector<std::pair<Pending, CallToolMuxResponse*>, 4> answered;
    {
      absl::MutexLock lock(&mu_);
      Take(&message, &answered);
      for (CallToolMuxResponse& more : *message.mutable_more()) Take(&more, &answered);
    }
    for (auto& [call, answer] : answered) Deliver(call, answer);
  }

  void OnWriteDone(bool ok) override {
    bool write = false;
    bool release;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        // The stream broke: OnDone follows and fails the calls.
        broken_ = true;
        queued_.clear();
      } else {
        write = StartWriteLocked();
      }
      release = ReleaseHoldLocked();
    }
    if (write) StartWrite(&out_);
    if (release) RemoveHold();
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
      queued_.clear();
    }
    if (!was_open && status.error_code() == grpc::StatusCode::UNIMPLEMENTED)
      unsupported_->store(true);
    // The server ending or cancelling the stream is its going away, as a
    // unary call sees a closed connection.
    grpc::Status failure = status;
    if (status.ok() || (status.error_code() == grpc::StatusCode::CANCELLED && !cancelled_here)) {
      failure = grpc::Status(grpc::StatusCode::UNAVAILABLE, "tool call stream ended");
    }
    for (auto& [id, call] : pending) Answer(call, failure);
    std::shared_ptr<Stream> keep = std::move(self_);
  }

 private:
  // Moves the call `answer` ends out of pending_ into `answered`.
  void Take(CallToolMuxResponse* answer,
            absl::InlinedVector<std::pair<Pending, CallToolMuxResponse*>, 4>* answered)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = pending_.find(answer->call_id());
    if (it == pending_.end()) return;
    answered->emplace_back(std::move(it->second), answer);
    pending_.erase(it);
  }

  // Gives `call` its answer.
  static void Deliver(Pending& call, CallToolMuxResponse* answer) {
    const grpc::Status status = StatusOf(*answer);
    if (call.done) {
      CallToolResponse result;
      if (status.ok()) result.Swap(answer->mutable_result());
      call.done(status, result);
      return;
    }
    JsonResult result;
    if (status.ok()) {
      if (call.json_text) {
        if (grpc::Status read = ReadJsonAnswer(answer, &result); !read.ok()) {
          Answer(call, read);
          return;
        }
      } else {
        result = ToJsonResult(answer->mutable_result());
      }
    }
    call.json_done(status, result);
  }

  // Ends call `id` here with `status` (unless it ended) and asks the server
  // to cancel it.
  void Fail(uint64_t id, const grpc::Status& status) {
    Pending call;
    bool write = false;
    {
      absl::MutexLock lock(&mu_);
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      call = std::move(it->second);
      pending_.erase(it);
      if (!ended_ && !broken_ && !reads_ended_) {
        CallToolMuxRequest& cancel = queued_.emplace_back();
        cancel.set_call_id(id);
        cancel.set_cancel(true);
        write = StartWriteLocked();
      }
    }
    if (write) StartWrite(&out_);
    Answer(call, status);
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

  // Moves what is queued into out_ (everything when the server takes
  // batches, else the first request) unless a write is in flight. Returns
  // true when the caller is to StartWrite(&out_) after releasing the lock.
  bool StartWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || queued_.empty() || reads_ended_ || ended_ || broken_) return false;
    writing_ = true;
    out_ = std::move(queued_.front());
    queued_.pop_front();
    if (batch_) {
      while (!queued_.empty()) {
        out_.add_more()->Swap(&queued_.front());
        queued_.pop_front();
      }
    }
    return true;
  }

  // Whether the caller is to RemoveHold now: the reads ended and no write
  // is in flight (once).
  bool ReleaseHoldLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!reads_ended_ || writing_ || hold_released_) return false;
    hold_released_ = true;
    return true;
  }

  const size_t max_calls_;
  const std::shared_ptr<std::atomic<bool>> unsupported_;
  grpc::ClientContext context_;
  CallToolMuxResponse response_;  // read into by gRPC, one read at a time
  // The message being written: set under mu_ by whoever set writing_, then
  // read by gRPC until OnWriteDone.
  CallToolMuxRequest out_;
  std::shared_ptr<Stream> self_;
  std::atomic<bool> open_flag_{false};
  std::atomic<bool> json_text_{false};

  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;            // the server has the method
  bool batch_ ABSL_GUARDED_BY(mu_) = false;           // and takes batches
  bool ended_ ABSL_GUARDED_BY(mu_) = false;           // OnDone has begun
  bool broken_ ABSL_GUARDED_BY(mu_) = false;          // a write failed
  bool reads_ended_ ABSL_GUARDED_BY(mu_) = false;     // a read failed
  bool hold_released_ ABSL_GUARDED_BY(mu_) = false;   // RemoveHold was called
  bool cancelled_here_ ABSL_GUARDED_BY(mu_) = false;  // by TryCancel
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Pending> pending_ ABSL_GUARDED_BY(mu_);
  // Requests not yet written.
  std::deque<CallToolMuxRequest> queued_ ABSL_GUARDED_BY(mu_);
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

std::shared_ptr<ToolCallMux::Stream> ToolCallMux::Pick(size_t* index) {
  *index = next_slot_.fetch_add(1, std::memory_order_relaxed) % slot_count_;
  absl::MutexLock lock(&mu_);
  return slots_[*index].stream;
}

bool ToolCallMux::TryCall(const CallOptions& options, CallToolRequest& request,
                          UnaryDone<CallToolResponse>& done) {
  if (unsupported_->load(std::memory_order_relaxed)) return false;
  if (options.cancellation != nullptr && options.cancellation->cancelled()) {
    CallToolResponse empty;  // never sent, as a unary call
    done(grpc::Status(grpc::StatusCode::CANCELLED, "Cancelled"), empty);
    return true;
  }
  size_t index;
  std::shared_ptr<Stream> stream = Pick(&index);
  if (stream != nullptr) {
    CallToolMuxRequest call;
    call.mutable_call()->Swap(&request);
    Stream::Pending pending;
    pending.done = std::move(done);
    switch (stream->Submit(options, call, pending)) {
      case Stream::Outcome::kTaken:
        return true;
      case Stream::Outcome::kDeclined:
        call.mutable_call()->Swap(&request);
        done = std::move(pending.done);
        return false;
      case Stream::Outcome::kEnded:
        call.mutable_call()->Swap(&request);
        done = std::move(pending.done);
        break;
    }
  }
  Reopen(index, stream.get());
  return false;  // this call goes unary; the next ones take the new stream once open
}

bool ToolCallMux::TryCallJson(const CallOptions& options, const CallToolRequest& request,
                              const json& arguments, UnaryDone<JsonResult>& done) {
  if (unsupported_->load(std::memory_order_relaxed)) return false;
  if (options.cancellation != nullptr && options.cancellation->cancelled()) {
    JsonResult empty;  // never sent, as a unary call
    done(grpc::Status(grpc::StatusCode::CANCELLED, "Cancelled"), empty);
    return true;
  }
  size_t index;
  std::shared_ptr<Stream> stream = Pick(&index);
  if (stream != nullptr && stream->open()) {
    CallToolMuxRequest call;
    *call.mutable_call() = request;
    Stream::Pending pending;
    if (stream->json_text()) {
      call.set_arguments_json(mcp::DumpJson(arguments));
      pending.json_text = true;
    } else {
      absl::StatusOr<google::protobuf::Struct> converted = mcp::JsonToStruct(arguments);
      if (!converted.ok()) {
        JsonResult empty;
        done(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(converted.status().message())),
             empty);
        return true;
      }
      call.mutable_call()->mutable_arguments()->Swap(&*converted);
    }
    pending.json_done = std::move(done);
    switch (stream->Submit(options, call, pending)) {
      case Stream::Outcome::kTaken:
        return true;
      case Stream::Outcome::kDeclined:
        done = std::move(pending.json_done);
        return false;
      case Stream::Outcome::kEnded:
        done = std::move(pending.json_done);
        break;
    }
  } else if (stream != nullptr && !stream->ended()) {
    return false;  // not open yet
  }
  Reopen(index, stream.get());
  return false;
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
