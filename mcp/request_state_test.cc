#include "mcp/request_state.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/time/time.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

class RequestStateTest : public ::testing::Test {
 protected:
  RequestStateCodec codec_{std::string(32, 'k'), absl::Minutes(10)};
  std::string binding_ =
      RequestStateCodec::Binding("alice", "client-1", "book", json{{"seats", 2}});
};

TEST_F(RequestStateTest, RoundTripsTheState) {
  const std::string token = codec_.Seal(binding_, "round=2;name=Alice", kNow);
  absl::StatusOr<std::string> opened = codec_.Open(token, binding_, kNow + absl::Minutes(9));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "round=2;name=Alice");
}

TEST(RequestStateKeyTest, ReplicasSharingASecretDeriveTheSameKey) {
  const std::string secret(40, 's');
  const std::string key = RequestStateCodec::DeriveKey(secret);
  EXPECT_EQ(key, RequestStateCodec::DeriveKey(secret));
  EXPECT_EQ(key.size(), 32u);
  EXPECT_NE(key, secret);  // the session key itself never seals states
  EXPECT_NE(key, RequestStateCodec::DeriveKey(std::string(40, 't')));
  EXPECT_EQ(RequestStateCodec::DeriveKey(""), "");

  // A state sealed by one replica opens on another with the same secret.
  const std::string binding =
      RequestStateCodec::Binding("alice", "client-1", "book", json::object());
  RequestStateCodec replica_a(key, absl::Minutes(10));
  RequestStateCodec replica_b(RequestStateCodec::DeriveKey(secret), absl::Minutes(10));
  absl::StatusOr<std::string> opened =
      replica_b.Open(replica_a.Seal(binding, "s", kNow), binding, kNow);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "s");
  RequestStateCodec other(RequestStateCodec::DeriveKey(std::string(40, 't')), absl::Minutes(10));
  EXPECT_FALSE(other.Open(replica_a.Seal(binding, "s", kNow), binding, kNow).ok());
}

TEST_F(RequestStateTest, RefusesAlteredTokens) {
  const std::string token = codec_.Seal(binding_, "round=2", kNow);
  EXPECT_FALSE(codec_.Open(token + "-TAMPERED", binding_, kNow).ok());
  // Flip one character in each of the state, expiry and MAC parts.
  for (size_t pos :
       {token.find('.') + 1, token.find('.', token.find('.') + 1) + 1, token.size() - 2}) {
    std::string altered = token;
    altered[pos] = altered[pos] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec_.Open(altered, binding_, kNow).ok()) << altered;
  }
  EXPECT_FALSE(codec_.Open("", binding_, kNow).ok());
  EXPECT_FALSE(codec_.Open("rs1...", binding_, kNow).ok());
  EXPECT_FALSE(codec_.Open("not a token", binding_, kNow).ok());
}

TEST_F(RequestStateTest, RefusesAnotherCallersOrCallsState) {
  const std::string token = codec_.Seal(binding_, "s", kNow);
  EXPECT_FALSE(
      codec_
          .Open(token,
                RequestStateCodec::Binding("mallory", "client-1", "book", json{{"seats", 2}}), kNow)
          .ok());
  EXPECT_FALSE(
      codec_
          .Open(token, RequestStateCodec::Binding("alice", "client-2", "book", json{{"seats", 2}}),
                kNow)
          .ok());
  EXPECT_FALSE(
      codec_
          .Open(token,
                RequestStateCodec::Binding("alice", "client-1", "cancel", json{{"seats", 2}}), kNow)
          .ok());
  EXPECT_FALSE(
      codec_
          .Open(token, RequestStateCodec::Binding("alice", "client-1", "book", json{{"seats", 3}}),
                kNow)
          .ok());
}

TEST_F(RequestStateTest, BindingFieldsCannotBeShifted) {
  EXPECT_NE(RequestStateCodec::Binding("ab", "c", "t", json::object()),
            RequestStateCodec::Binding("a", "bc", "t", json::object()));
}

TEST_F(RequestStateTest, RefusesExpiredState) {
  const std::string token = codec_.Seal(binding_, "s", kNow);
  EXPECT_FALSE(codec_.Open(token, binding_, kNow + absl::Minutes(10)).ok());
  EXPECT_FALSE(codec_.Open(token, binding_, kNow + absl::Hours(1)).ok());
}

TEST_F(RequestStateTest, RefusesStateSealedWithAnotherKey) {
  RequestStateCodec other(std::string(32, 'x'), absl::Minutes(10));
  EXPECT_FALSE(codec_.Open(other.Seal(binding_, "s", kNow), binding_, kNow).ok());
}

TEST_F(RequestStateTest, ErrorSaysNothingSpecific) {
  absl::StatusOr<std::string> opened = codec_.Open("rs1.x.1.y", binding_, kNow);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(opened.status().message(), "invalid or expired requestState");
}

}  // namespace
}  // namespace mcp_oauth::mcp
