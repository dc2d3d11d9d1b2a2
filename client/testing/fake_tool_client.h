// FakeToolClient: an in-process ToolClient for unit tests of its callers (the
// MCP endpoint behind the gateway's /mcp route). ListTools answers `tools`;
// CallTool records the request and answers `call_status` / `call_result`;
// CallToolStream answers like CallTool with no events; WatchTools ends at once
// with UNIMPLEMENTED (no change feed). Every answer comes before the call
// returns.
//
// Thread safe (the endpoint may call from any thread).
#ifndef MCP_OAUTH_CLIENT_TESTING_FAKE_TOOL_CLIENT_H_
#define MCP_OAUTH_CLIENT_TESTING_FAKE_TOOL_CLIENT_H_

#include "absl/synchronization/mutex.h"
#include "client/tool_client.h"

namespace mcp_oauth::client::testing {

class FakeToolClient final : public ToolClient {
 public:
  // Set before the first call.
  ListToolsResponse tools;
  grpc::Status call_status;
  CallToolResponse call_result;

  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  CallToolRequest last_call() const {
    absl::MutexLock lock(&mu_);
    return last_call_;
  }

  void ListTools(const CallOptions&, const ListToolsRequest&,
                 UnaryDone<ListToolsResponse> done) override {
    ListToolsResponse response = tools;
    done(grpc::Status::OK, response);
  }
  void CallTool(const CallOptions&, const CallToolRequest& request,
                UnaryDone<CallToolResponse> done) override {
    Record(request);
    CallToolResponse response = call_status.ok() ? call_result : CallToolResponse();
    done(call_status, response);
  }
  void CallToolStream(const CallOptions&, const CallToolStreamRequest& request, EventFn,
                      StreamDoneFn done) override {
    Record(request.call());
    CallToolResponse response = call_result;
    done(call_status, call_status.ok() ? &response : nullptr);
  }
  void WatchTools(const CallOptions&, ChangeFn, StatusFn done) override {
    done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no change feed"));
  }

 private:
  void Record(const CallToolRequest& request) {
    absl::MutexLock lock(&mu_);
    ++calls_;
    last_call_ = request;
  }

  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  CallToolRequest last_call_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mcp_oauth::client::testing

#endif  // MCP_OAUTH_CLIENT_TESTING_FAKE_TOOL_CLIENT_H_
