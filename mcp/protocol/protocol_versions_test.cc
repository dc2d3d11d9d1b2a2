#include "mcp/protocol/protocol_versions.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace mcp_oauth::mcp {
namespace {

TEST(ProtocolVersionsTest, OneListNewestFirst) {
  const std::vector<std::string>& all = SupportedVersions();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.front(), kStatelessVersion);
  EXPECT_TRUE(std::is_sorted(all.rbegin(), all.rend()));
  // The session-era list is the same list without the stateless version.
  EXPECT_EQ(SessionVersions(), std::vector<std::string>(all.begin() + 1, all.end()));
  EXPECT_EQ(SessionVersions().front(), kLatestSessionVersion);
}

TEST(ProtocolVersionsTest, SessionVersions) {
  EXPECT_TRUE(IsSessionVersion("2025-11-25"));
  EXPECT_TRUE(IsSessionVersion("2025-06-18"));
  EXPECT_TRUE(IsSessionVersion(kMissingHeaderVersion));
  EXPECT_FALSE(IsSessionVersion(kStatelessVersion));
  EXPECT_FALSE(IsSessionVersion("2024-11-05"));  // retired
  EXPECT_FALSE(IsSessionVersion(""));
  // A retired version still names the session era; the stateless one does not.
  EXPECT_TRUE(IsSessionEraName("2024-11-05"));
  EXPECT_TRUE(IsSessionEraName("2025-11-25"));
  EXPECT_FALSE(IsSessionEraName(kStatelessVersion));
  EXPECT_FALSE(IsSessionEraName("v999"));
}

TEST(ProtocolVersionsTest, BatchesAndPrimingByVersion) {
  EXPECT_TRUE(AllowsBatches("2025-03-26"));
  EXPECT_FALSE(AllowsBatches("2025-06-18"));
  EXPECT_FALSE(AllowsBatches("2025-11-25"));
  EXPECT_FALSE(SendsPrimingEvent("2025-06-18"));
  EXPECT_TRUE(SendsPrimingEvent("2025-11-25"));
}

}  // namespace
}  // namespace mcp_oauth::mcp
