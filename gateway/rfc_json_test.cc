#include "gateway/rfc_json.h"

#include <nlohmann/json.hpp>

#include "gtest/gtest.h"
#include "proto/auth/v1/auth.pb.h"
#include "proto/prompts/v1/prompts.pb.h"

namespace mcp_oauth::gateway {
namespace {

namespace v1 = auth::v1;

TEST(RfcJsonTest, IntrospectionDatesAreNumbers) {
  v1::IntrospectResponse response;
  response.set_active(true);
  response.set_scope("user");
  response.set_client_id("client-1");
  response.set_exp(1796122878);
  response.set_iat(1796119278);
  response.set_aud("https://host/mcp");
  nlohmann::json json = nlohmann::json::parse(ProtoToRfcJsonString(response));
  ASSERT_TRUE(json["exp"].is_number_integer()) << json.dump();
  ASSERT_TRUE(json["iat"].is_number_integer()) << json.dump();
  EXPECT_EQ(json["exp"].get<int64_t>(), 1796122878);
  EXPECT_EQ(json["iat"].get<int64_t>(), 1796119278);
  ASSERT_TRUE(json["active"].is_boolean());
  EXPECT_TRUE(json["active"].get<bool>());
  EXPECT_EQ(json["scope"], "user");
  EXPECT_EQ(json["client_id"], "client-1");
  EXPECT_EQ(json["aud"], "https://host/mcp");
  // Empty optional members are absent, not "" (RFC 7662 §2.2).
  EXPECT_FALSE(json.contains("username")) << json.dump();
  EXPECT_FALSE(json.contains("jti")) << json.dump();
}

TEST(RfcJsonTest, TokenResponseExpiresInIsANumberAndOptionalMembersAreAbsent) {
  v1::TokenResponse response;
  response.set_access_token("at");
  response.set_token_type("Bearer");
  response.set_expires_in(3600);
  nlohmann::json json = ProtoToRfcJson(response);
  ASSERT_TRUE(json["expires_in"].is_number_integer()) << json.dump();
  EXPECT_EQ(json["expires_in"].get<int64_t>(), 3600);
  EXPECT_EQ(json, nlohmann::json::parse(R"({"access_token":"at","token_type":"Bearer",
                                            "expires_in":3600})"));
  response.set_refresh_token("rt");
  response.set_scope("user");
  json = ProtoToRfcJson(response);
  EXPECT_EQ(json["refresh_token"], "rt");
  EXPECT_EQ(json["scope"], "user");
}

TEST(RfcJsonTest, MetadataArraysAndBooleans) {
  v1::ServerMetadata metadata;
  metadata.set_issuer("https://host");
  metadata.add_code_challenge_methods_supported("S256");
  metadata.add_grant_types_supported("authorization_code");
  metadata.add_grant_types_supported("refresh_token");
  metadata.set_authorization_response_iss_parameter_supported(true);
  nlohmann::json json = ProtoToRfcJson(metadata);
  ASSERT_TRUE(json["code_challenge_methods_supported"].is_array());
  EXPECT_EQ(json["code_challenge_methods_supported"], nlohmann::json::array({"S256"}));
  EXPECT_EQ(json["grant_types_supported"],
            nlohmann::json::array({"authorization_code", "refresh_token"}));
  ASSERT_TRUE(json["authorization_response_iss_parameter_supported"].is_boolean());
  EXPECT_TRUE(json["authorization_response_iss_parameter_supported"].get<bool>());
  // Unset: no empty string, no empty array.
  EXPECT_FALSE(json.contains("service_documentation"));
  EXPECT_FALSE(json.contains("scopes_supported"));
}

TEST(RfcJsonTest, NegativeAndLargeIntegersStayExactNumbers) {
  v1::IntrospectResponse response;
  response.set_exp(-1);
  response.set_iat(int64_t{1} << 40);
  nlohmann::json json = ProtoToRfcJson(response);
  EXPECT_EQ(json["exp"].get<int64_t>(), -1);
  EXPECT_EQ(json["iat"].get<int64_t>(), int64_t{1} << 40);
  v1::OAuthError error;
  error.set_http_status(429);
  json = ProtoToRfcJson(error);
  ASSERT_TRUE(json["http_status"].is_number_integer());
  EXPECT_EQ(json["http_status"], 429);
}

TEST(RfcJsonTest, EnumsNestedMessagesMapsAndWellKnownTypes) {
  v1::TokenRequest request;
  request.mutable_client()->set_method(v1::ClientCredentials::CLIENT_SECRET_BASIC);
  request.mutable_client()->set_client_id("c");
  nlohmann::json json = ProtoToRfcJson(request);
  EXPECT_EQ(json["client"],
            nlohmann::json::parse(R"({"method":"CLIENT_SECRET_BASIC","client_id":"c"})"));

  prompts::v1::GetPromptRequest prompt;
  (*prompt.mutable_arguments())["city"] = "Paris";
  json = ProtoToRfcJson(prompt);
  EXPECT_EQ(json["arguments"], nlohmann::json::parse(R"({"city":"Paris"})"));

  v1::RegisterRequest registration;
  (*registration.mutable_metadata()->mutable_fields())["n"].set_number_value(2);
  json = ProtoToRfcJson(registration);
  EXPECT_EQ(json["metadata"], nlohmann::json::parse(R"({"n":2})"));
}

TEST(RfcJsonTest, InvalidUtf8IsReplacedNotThrown) {
  v1::IntrospectResponse response;
  response.set_username(std::string("a\xff", 2));
  std::string body = ProtoToRfcJsonString(response);
  EXPECT_FALSE(nlohmann::json::parse(body, nullptr, false).is_discarded()) << body;
}

}  // namespace
}  // namespace mcp_oauth::gateway
