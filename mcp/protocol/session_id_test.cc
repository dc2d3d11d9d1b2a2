#include "mcp/protocol/session_id.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"

namespace mcp_oauth::mcp {
namespace {

SessionClaims Claims() {
  SessionClaims c;
  c.binding = SessionIdCodec::Binding("user-1", "client-1");
  c.created = absl::FromUnixSeconds(1764195005);
  c.protocol_version = "2025-06-18";
  return c;
}

TEST(SessionIdTest, RoundTrips) {
  SessionIdCodec codec(std::string(32, 'k'));
  const std::string id = codec.Mint(Claims());
  for (char c : id) EXPECT_TRUE(c > 0x20 && c < 0x7F) << id;
  absl::StatusOr<SessionClaims> claims = codec.Verify(id);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->binding, Claims().binding);
  EXPECT_EQ(claims->created, Claims().created);
  EXPECT_EQ(claims->protocol_version, "2025-06-18");
}

TEST(SessionIdTest, IdsAreUnique) {
  SessionIdCodec codec(std::string(32, 'k'));
  EXPECT_NE(codec.Mint(Claims()), codec.Mint(Claims()));
}

TEST(SessionIdTest, RejectsTamperingAndOtherKeys) {
  SessionIdCodec codec(std::string(32, 'k'));
  const std::string id = codec.Mint(Claims());
  std::string tampered = id;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(codec.Verify(tampered).status().code(), absl::StatusCode::kNotFound);
  // Every other spelling of the last character (including ones that differ
  // only in base64url's unused low bits) is rejected.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (char c : alphabet) {
    std::string variant = id;
    variant.back() = c;
    EXPECT_EQ(codec.Verify(variant).ok(), c == id.back()) << c;
  }
  std::string payload_variant = id;
  const size_t dot = id.find('.');
  for (char c : alphabet) {
    payload_variant[dot - 1] = c;
    EXPECT_EQ(codec.Verify(payload_variant).ok(), c == id[dot - 1]) << c;
  }
  EXPECT_FALSE(SessionIdCodec(std::string(32, 'x')).Verify(id).ok());
  EXPECT_FALSE(codec.Verify("").ok());
  EXPECT_FALSE(codec.Verify("abc").ok());
  EXPECT_FALSE(codec.Verify("!!!.???").ok());
  EXPECT_FALSE(codec.Verify(std::string(1000, 'A') + "." + std::string(43, 'A')).ok());
}

TEST(SessionIdTest, BindingSeparatesPrincipals) {
  EXPECT_EQ(SessionIdCodec::Binding("a", "b").size(), 16u);
  EXPECT_NE(SessionIdCodec::Binding("a", "b"), SessionIdCodec::Binding("a", "c"));
  EXPECT_NE(SessionIdCodec::Binding("ab", ""), SessionIdCodec::Binding("a", "b"));
}

}  // namespace
}  // namespace mcp_oauth::mcp
