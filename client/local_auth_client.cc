#include "client/local_auth_client.h"

#include <cstdint>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "auth/auth_service.h"
#include "client/uniform_auth_client.h"
#include "common/deadline_timer.h"

namespace mcp_oauth::client {
namespace {

using Via = auth::AuthServiceImpl::Via;

// One call in flight. Whichever comes first of the service's answer, the
// deadline and the cancellation is delivered; the others are dropped.
template <typename Response>
class PendingCall : public std::enable_shared_from_this<PendingCall<Response>> {
 public:
  PendingCall(UnaryDone<Response> done, DeadlineTimer* timer)
      : done_(std::move(done)), timer_(timer) {}

  void Finish(const grpc::Status& status, Response& response) {
    UnaryDone<Response> done;
    uint64_t timer_id = 0;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
      done = std::move(done_);
      timer_id = timer_id_;
    }
    if (timer_id != 0) timer_->Cancel(timer_id);
    done(status, response);
  }

  bool finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }

  void Fail(grpc::StatusCode code, const char* message) {
    Response empty;
    Finish(grpc::Status(code, message), empty);
  }

  // Ends the call with DEADLINE_EXCEEDED at `deadline` unless it has
  // finished by then.
  void ExpireAt(absl::Time deadline) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
    }
    std::weak_ptr<PendingCall> weak = this->shared_from_this();
    uint64_t id = timer_->Schedule(deadline, [weak] {
      if (auto live = weak.lock())
        live->Fail(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded");
    });
    absl::MutexLock lock(&mu_);
    if (!finished_) {
      timer_id_ = id;
      return;
    }
    timer_->Cancel(id);  // Answered meanwhile.
  }

  void CancelVia(Cancellation& cancellation) {
    std::weak_ptr<PendingCall> weak = this->shared_from_this();
    cancellation.SetHook([weak] {
      if (auto live = weak.lock()) live->Fail(grpc::StatusCode::CANCELLED, "Cancelled");
    });
  }

 private:
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  UnaryDone<Response> done_ ABSL_GUARDED_BY(mu_);
  uint64_t timer_id_ ABSL_GUARDED_BY(mu_) = 0;
  DeadlineTimer* const timer_;
};

class LocalAuthClient final : public UniformAuthClient<LocalAuthClient> {
 public:
  explicit LocalAuthClient(auth::AuthServiceImpl* service) : service_(service) {}

  // The service has one Call per request type: the method name is not needed.
  template <typename Request, typename Response>
  void Call(AuthMethod<Request, Response>, const CallOptions& options, const Request& request,
            UnaryDone<Response> done) {
    Start(options, request, std::move(done));
  }

 private:
  template <typename Request, typename Response>
  void Start(const CallOptions& options, const Request& request, UnaryDone<Response> done) {
    const bool has_deadline = options.timeout != absl::InfiniteDuration();
    const absl::Time deadline =
        has_deadline ? absl::Now() + options.timeout : absl::InfiniteFuture();
    auto call = std::make_shared<PendingCall<Response>>(std::move(done), &timer_);
    if (options.cancellation != nullptr) {
      call->CancelVia(*options.cancellation);  // Fails at once when cancelled already.
    }
    if (has_deadline && options.timeout <= absl::ZeroDuration()) {
      call->Fail(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded");
    }
    if (call->finished()) return;
    // The service ignores an invalid request id.
    service_->Call(
        Via::kInProcess, options.request_id, request,
        [call](const grpc::Status& status, Response& response) { call->Finish(status, response); });
    // Inline work has answered already; work on a pool may outlast the deadline.
    if (has_deadline) call->ExpireAt(deadline);
  }

  auth::AuthServiceImpl* const service_;
  DeadlineTimer timer_;
};

}  // namespace

std::shared_ptr<AuthClient> MakeLocalAuthClient(auth::AuthServiceImpl* service) {
  return Metered(std::make_shared<LocalAuthClient>(service));
}

}  // namespace mcp_oauth::client
