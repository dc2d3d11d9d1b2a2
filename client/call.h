// What every service client call carries, whichever way it travels (see
// tool_client.h): the HTTP request's id, a timeout and an optional
// cancellation. Free of gRPC headers apart from the small status type.
#ifndef MCP_OAUTH_CLIENT_CALL_H_
#define MCP_OAUTH_CLIENT_CALL_H_

#include <grpcpp/support/status.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace mcp_oauth::client {

// Cancels one call from any thread, before it starts, while it runs or after
// it finished (then a no-op). The caller creates it and keeps it to cancel;
// the client implementation attaches the way to cancel (SetHook). This class
// is thread safe.
class Cancellation {
 public:
  Cancellation() = default;
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  // Runs the hook once (if any); later hooks run at once when set.
  void Cancel();
  bool cancelled() const;
  // Sets what Cancel does (replacing an earlier hook); runs it now when
  // already cancelled. The hook must not call back into this object.
  void SetHook(std::function<void()> hook);

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> hook_ ABSL_GUARDED_BY(mu_);
};

struct CallOptions {
  // The HTTP request's id: `x-request-id` metadata on a remote call, the
  // request id of the service's logs on a local one (ignored when invalid).
  std::string request_id;
  // The call's deadline is now + timeout; infinite means none (watches).
  absl::Duration timeout = absl::Seconds(10);
  // Optional: cancels the call (it then ends with CANCELLED).
  std::shared_ptr<Cancellation> cancellation;
};

// The end of a unary call: its status and response (which the callee may
// move from). Runs exactly once, possibly before the call returns (a local
// call that does not block) or on another thread.
template <typename Response>
using UnaryDone = std::function<void(const grpc::Status& status, Response& response)>;

// Records a finished call's latency in
// grpc_client_call_duration_seconds{method}; `method` is a fixed
// "Service/Method" string. Clients built by the factories do this for every
// call; other implementations need not.
void ObserveCall(const char* method, absl::Time started);

// Returns `done` (any end-of-call callback: UnaryDone, a stream's end)
// preceded by ObserveCall(method, <now>) when it runs.
template <typename Done>
auto Observed(const char* method, Done done) {
  return [method, started = absl::Now(), done = std::move(done)](auto&&... args) {
    ObserveCall(method, started);
    done(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_CALL_H_
