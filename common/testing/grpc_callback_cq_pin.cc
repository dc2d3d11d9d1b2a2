// gRPC 1.51 (Debian 12) runs callback-API completions on a process-wide
// "alternative" completion queue with its own threads, reference-counted by
// the servers and channels that use it. When a test destroys the last of
// them and the next test creates a new one, the old queue's teardown can
// race the new one's start: a double free in grpc_cq_internal_unref on a
// "nexting_thread" under ASan, or "ref_counted.h: assertion failed: prior >
// 0" without it (seen in task_manager_test, health_test and
// readme_task_tool_test). This test environment keeps one channel with a
// callback call made on it for the whole run, so the queue is created once
// and never torn down between tests.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>

#include "gtest/gtest.h"

namespace {

// A channel with one callback call made on it: the call makes the channel
// take its reference on the queue, held until the channel goes.
struct Pin {
  Pin()
      : channel(
            grpc::CreateChannel("unix:/nonexistent-cq-pin", grpc::InsecureChannelCredentials())),
        stub(channel),
        request(&empty, 1) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(1));
    stub.UnaryCall(&context, "/pin.Pin/Pin", grpc::StubOptions(), &request, &response,
                   [](grpc::Status) {});
  }
  std::shared_ptr<grpc::Channel> channel;
  grpc::GenericStub stub;
  grpc::ClientContext context;
  grpc::Slice empty;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

class CallbackQueuePin : public ::testing::Environment {
 public:
  // Once per process (gtest runs SetUp again on each --gtest_repeat); never
  // destroyed, so the queue lives until exit.
  void SetUp() override {
    static Pin* const pin = new Pin();
    (void)pin;
  }
};

const ::testing::Environment* const kPin =
    ::testing::AddGlobalTestEnvironment(new CallbackQueuePin);

}  // namespace
