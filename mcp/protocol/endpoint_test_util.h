// Test helper of //mcp/protocol's endpoint tests: hands one request to the
// endpoint and waits for its answer.
#ifndef MCP_OAUTH_MCP_PROTOCOL_ENDPOINT_TEST_UTIL_H_
#define MCP_OAUTH_MCP_PROTOCOL_ENDPOINT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "mcp/protocol/mcp_endpoint.h"

namespace mcp_oauth::mcp {

// The endpoint's answer to `request`; fails the test when none comes
// within 10 s.
inline McpResponse HandleAndWait(McpEndpoint& endpoint, McpRequest request) {
  McpResponse out;
  absl::Notification done;
  endpoint.Handle(std::move(request), [&](McpResponse response) {
    out = std::move(response);
    done.Notify();
  });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  return out;
}

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_ENDPOINT_TEST_UTIL_H_
