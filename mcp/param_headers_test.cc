#include "mcp/param_headers.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

json Schema() {
  return json{{"type", "object"},
              {"properties",
               {{"region", {{"type", "string"}, {"x-mcp-header", "Region"}}},
                {"priority", {{"type", "integer"}, {"x-mcp-header", "Priority"}}},
                {"verbose", {{"type", "boolean"}, {"x-mcp-header", "Verbose"}}},
                {"target",
                 {{"type", "object"},
                  {"properties", {{"zone", {{"type", "string"}, {"x-mcp-header", "Zone"}}}}}}},
                {"query", {{"type", "string"}}}}}};
}

std::vector<HeaderParam> Params() {
  absl::StatusOr<std::vector<HeaderParam>> params = HeaderParams(Schema());
  EXPECT_TRUE(params.ok()) << params.status();
  return params.ok() ? *params : std::vector<HeaderParam>{};
}

TEST(ParamHeadersTest, CollectsAnnotatedPropertiesThroughProperties) {
  std::vector<HeaderParam> params = Params();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].header, "Priority");
  EXPECT_EQ(params[1].header, "Region");
  EXPECT_EQ(params[2].header, "Zone");
  EXPECT_EQ(params[2].path, (std::vector<std::string>{"target", "zone"}));
  EXPECT_EQ(params[2].type, "string");
}

TEST(ParamHeadersTest, RefusesBadAnnotations) {
  auto with = [](json property) {
    return json{{"type", "object"}, {"properties", {{"a", std::move(property)}}}};
  };
  EXPECT_FALSE(HeaderParams(with({{"type", "number"}, {"x-mcp-header", "A"}})).ok());
  EXPECT_FALSE(HeaderParams(with({{"type", "string"}, {"x-mcp-header", ""}})).ok());
  EXPECT_FALSE(HeaderParams(with({{"type", "string"}, {"x-mcp-header", "Région"}})).ok());
  EXPECT_FALSE(HeaderParams(with({{"type", "string"}, {"x-mcp-header", "Region\t1"}})).ok());
  EXPECT_FALSE(HeaderParams(with({{"type", "string"}, {"x-mcp-header", 5}})).ok());
  EXPECT_FALSE(HeaderParams(json{{"type", "object"},
                                 {"properties",
                                  {{"a", {{"type", "string"}, {"x-mcp-header", "Same"}}},
                                   {"b", {{"type", "string"}, {"x-mcp-header", "same"}}}}}})
                   .ok());
  EXPECT_FALSE(HeaderParams(with({{"type", "array"},
                                  {"items", {{"type", "string"}, {"x-mcp-header", "I"}}}}))
                   .ok());
  EXPECT_FALSE(
      HeaderParams(
          json{{"type", "object"},
               {"anyOf", {{{"properties", {{"a", {{"type", "string"}, {"x-mcp-header", "A"}}}}}}}}})
          .ok());
  EXPECT_TRUE(HeaderParams(with({{"type", "string"}})).ok());
}

TEST(ParamHeadersTest, MatchingHeadersPass) {
  const json args = {
      {"region", "us-west1"}, {"priority", 42}, {"verbose", false}, {"target", {{"zone", "b"}}}};
  EXPECT_TRUE(
      CheckParamHeaders(
          Params(), args,
          {{"region", "us-west1"}, {"priority", "42.0"}, {"verbose", "false"}, {"zone", "b"}})
          .ok());
  // Absent and null values expect no header.
  EXPECT_TRUE(CheckParamHeaders(Params(), json{{"verbose", nullptr}}, {}).ok());
}

TEST(ParamHeadersTest, Base64SentinelIsDecodedStrictly) {
  const json hello = {{"region", "Hello"}};
  EXPECT_TRUE(CheckParamHeaders(Params(), hello, {{"region", "=?base64?SGVsbG8=?="}}).ok());
  EXPECT_TRUE(CheckParamHeaders(Params(), json{{"region", "Hello, 世界"}},
                                {{"region", "=?base64?SGVsbG8sIOS4lueVjA==?="}})
                  .ok());
  EXPECT_FALSE(
      CheckParamHeaders(Params(), hello, {{"region", "=?base64?SGVsbG8?="}}).ok());  // no padding
  EXPECT_FALSE(CheckParamHeaders(Params(), hello, {{"region", "=?base64?SGVs!!!bG8=?="}})
                   .ok());  // bad chars
  // Without the exact wrapper a value is literal.
  EXPECT_TRUE(
      CheckParamHeaders(Params(), json{{"region", "SGVsbG8="}}, {{"region", "SGVsbG8="}}).ok());
  EXPECT_TRUE(CheckParamHeaders(Params(), json{{"region", "=?base64?SGVsbG8="}},
                                {{"region", "=?base64?SGVsbG8="}})
                  .ok());
  EXPECT_FALSE(CheckParamHeaders(Params(), hello, {{"region", "SGVsbG8="}}).ok());
}

TEST(ParamHeadersTest, MismatchesAreRefused) {
  const json args = {{"region", "us-west1"}, {"priority", 42}, {"verbose", true}};
  const std::map<std::string, std::string> good = {
      {"region", "us-west1"}, {"priority", "42"}, {"verbose", "true"}};
  ASSERT_TRUE(CheckParamHeaders(Params(), args, good).ok());
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"region", "us-east1"},
                                                        {"priority", "43"},
                                                        {"verbose", "True"},
                                                        {"priority", "forty-two"}}) {
    std::map<std::string, std::string> headers = good;
    headers[name] = value;
    absl::Status s = CheckParamHeaders(Params(), args, headers);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << name << "=" << value;
    EXPECT_EQ(s.message().find(value), std::string::npos) << "the message must not echo values";
  }
  std::map<std::string, std::string> missing = good;
  missing.erase("region");
  EXPECT_EQ(CheckParamHeaders(Params(), args, missing).code(),
            absl::StatusCode::kFailedPrecondition);
  std::map<std::string, std::string> control = good;
  control["region"] = "us-west1\n";
  EXPECT_FALSE(CheckParamHeaders(Params(), args, control).ok());
  // A header for an argument the body does not carry.
  EXPECT_FALSE(CheckParamHeaders(Params(), json{{"priority", 42}, {"verbose", true}}, good).ok());
}

}  // namespace
}  // namespace mcp_oauth::mcp
