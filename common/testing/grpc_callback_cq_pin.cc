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

class CallbackQueuePin : public ::testing::Environment {
 public:
  void SetUp() override {
    // Never destroyed: its callback queue reference lasts until exit.
    static auto* channel =
        new std::shared_ptr<grpc::Channel>(grpc::CreateChannel("unix:/nonexistent-cq-pin",
                                                               grpc::InsecureChannelCredentials()));
    static auto* stub = new grpc::GenericStub(*channel);
    static auto* context = new grpc::ClientContext();
    grpc::Slice empty;
    static auto* request = new grpc::ByteBuffer(&empty, 1);
    static auto* response = new grpc::ByteBuffer();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(1));
    // A callback call makes the channel take its reference on the queue.
    stub->UnaryCall(context, "/pin.Pin/Pin", grpc::StubOptions(), request, response,
                    [](grpc::Status) {});
  }
};

const ::testing::Environment* const kPin =
    ::testing::AddGlobalTestEnvironment(new CallbackQueuePin);

}  // namespace
