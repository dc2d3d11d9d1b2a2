#include "common/principal_proto.h"

#include <string>

#include "common/testdata/legacy_identity.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace mcp_oauth {
namespace {

identity::v1::Principal Alice() {
  identity::v1::Principal proto;
  proto.set_subject("sub-1");
  proto.set_username("alice");
  proto.set_client_id("client-1");
  proto.add_scopes("user");
  proto.add_scopes("admin");
  return proto;
}

std::string Json(const google::protobuf::Message& message) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &out).ok());
  return out;
}

TEST(PrincipalProtoTest, RoundTripsEveryField) {
  const Principal principal = PrincipalFromProto(Alice());
  EXPECT_EQ(principal.subject, "sub-1");
  EXPECT_EQ(principal.username, "alice");
  EXPECT_EQ(principal.client_id, "client-1");
  EXPECT_EQ(principal.scopes, (std::vector<std::string>{"user", "admin"}));

  identity::v1::Principal back;
  PrincipalToProto(principal, &back);
  EXPECT_EQ(back.SerializeAsString(), Alice().SerializeAsString());
}

// A backend built from the tools.proto before identity.proto sent and read
// tools.v1.Caller: the bytes and the JSON must be the same both ways.
TEST(PrincipalProtoTest, SameWireAsTheFormerToolsCaller) {
  legacy::ToolsCaller old;
  ASSERT_TRUE(old.ParseFromString(Alice().SerializeAsString()));
  EXPECT_EQ(old.subject(), "sub-1");
  EXPECT_EQ(old.username(), "alice");
  EXPECT_EQ(old.client_id(), "client-1");
  ASSERT_EQ(old.scopes_size(), 2);
  EXPECT_EQ(old.scopes(1), "admin");

  identity::v1::Principal now;
  ASSERT_TRUE(now.ParseFromString(old.SerializeAsString()));
  EXPECT_EQ(now.SerializeAsString(), Alice().SerializeAsString());
  EXPECT_EQ(Json(now), Json(old));
}

// AuthService.ValidateAccessToken answered auth.v1.Principal, expires_at
// included: internal callers (grpcurl, JSON) see the same fields.
TEST(PrincipalProtoTest, SameWireAsTheFormerAuthPrincipal) {
  identity::v1::Principal now = Alice();
  now.set_expires_at(1767225600);

  legacy::AuthPrincipal old;
  ASSERT_TRUE(old.ParseFromString(now.SerializeAsString()));
  EXPECT_EQ(old.expires_at(), 1767225600);
  EXPECT_EQ(old.SerializeAsString(), now.SerializeAsString());
  EXPECT_EQ(Json(old), Json(now));
}

}  // namespace
}  // namespace mcp_oauth
