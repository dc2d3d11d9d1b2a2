// ServiceHost (HostServices): Shutdown drains ToolService, so that a tool
// call still running ends (UNAVAILABLE) before Shutdown returns, while the
// routes it answers to still exist.
#include "gateway/service_host.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/tool_client.h"
#include "gtest/gtest.h"
#include "mcp/catalog.h"
#include "mcp/tool.h"

namespace mcp_oauth::gateway {
namespace {

using nlohmann::json;

std::atomic<bool> g_block_running{false};

// "block": runs until cancelled (10 s at the most).
absl::Status AddBlockingTool(mcp::Catalog* catalog) {
  mcp::ToolDefinition tool;
  tool.name = "block";
  tool.description = "runs until cancelled";
  tool.input_schema = {{"type", "object"}};
  tool.handler = [](const json&, const mcp::CallContext& ctx) -> absl::StatusOr<json> {
    g_block_running = true;
    for (int i = 0; i < 1000 && !ctx.Cancelled(); ++i) absl::SleepFor(absl::Milliseconds(10));
    return json{{"cancelled", ctx.Cancelled()}};
  };
  return catalog->tools->Register(std::move(tool));
}
const bool kBlockingTool = mcp::AddCatalogExtension(&AddBlockingTool);

TEST(ServiceHostTest, ShutdownEndsToolCallsStillRunning) {
  ASSERT_TRUE(kBlockingTool);
  GatewayOptions options;
  options.grpc_listen = "";             // in process only
  options.auth_target = "127.0.0.1:1";  // AuthService is not hosted here
  absl::StatusOr<std::unique_ptr<HostedServices>> host = HostServices(options);
  ASSERT_TRUE(host.ok()) << host.status();
  std::shared_ptr<client::ToolClient> tools = (*host)->LocalToolClient(nullptr);
  ASSERT_NE(tools, nullptr);

  absl::Notification done;
  grpc::Status status;
  mcp_oauth::tools::v1::CallToolRequest request;
  request.set_name("block");
  client::CallOptions call;
  call.timeout = absl::Seconds(30);
  tools->CallTool(call, request,
                  [&](const grpc::Status& s, mcp_oauth::tools::v1::CallToolResponse&) {
                    status = s;
                    done.Notify();
                  });
  for (int i = 0; i < 1000 && !g_block_running; ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_TRUE(g_block_running);
  EXPECT_FALSE(done.HasBeenNotified());

  (*host)->Shutdown(std::chrono::milliseconds(0));
  EXPECT_TRUE(done.HasBeenNotified()) << "Shutdown returned with a tool call still running";
  host->reset();
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

}  // namespace
}  // namespace mcp_oauth::gateway
