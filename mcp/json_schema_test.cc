#include "mcp/json_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json EchoSchema() {
  return json::parse(R"({
    "type": "object",
    "properties": {"message": {"type": "string", "minLength": 1, "maxLength": 5}},
    "required": ["message"],
    "additionalProperties": false
  })");
}

std::string Error(const json& schema, const json& value) {
  absl::Status s = ValidateJson(schema, value);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << value.dump();
  return std::string(s.message());
}

TEST(JsonSchemaTest, AcceptsConformingObject) {
  EXPECT_TRUE(CheckSchema(EchoSchema()).ok());
  EXPECT_TRUE(ValidateJson(EchoSchema(), json{{"message", "hi"}}).ok());
}

TEST(JsonSchemaTest, MissingRequired) {
  EXPECT_EQ(Error(EchoSchema(), json::object()), "missing required argument 'message'");
}

TEST(JsonSchemaTest, WrongType) {
  EXPECT_EQ(Error(EchoSchema(), json{{"message", 3}}), "argument 'message' must be a string");
  EXPECT_EQ(Error(EchoSchema(), json::array()), "arguments must be an object");
}

TEST(JsonSchemaTest, AdditionalPropertiesFalse) {
  EXPECT_EQ(Error(EchoSchema(), json{{"message", "a"}, {"extra", 1}}), "unexpected argument 'extra'");
  json open = EchoSchema();
  open.erase("additionalProperties");
  EXPECT_TRUE(ValidateJson(open, json{{"message", "a"}, {"extra", 1}}).ok());
}

TEST(JsonSchemaTest, AdditionalPropertiesSchema) {
  json schema = {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}};
  EXPECT_TRUE(ValidateJson(schema, json{{"a", 1}, {"b", 2}}).ok());
  EXPECT_EQ(Error(schema, json{{"a", "x"}}), "argument 'a' must be an integer");
}

TEST(JsonSchemaTest, StringLengthCountsCodePoints) {
  EXPECT_TRUE(ValidateJson(EchoSchema(), json{{"message", "h\xC3\xA9llo"}}).ok());  // 5 code points, 6 bytes
  EXPECT_THAT(Error(EchoSchema(), json{{"message", ""}}), HasSubstr("at least 1"));
  EXPECT_THAT(Error(EchoSchema(), json{{"message", "abcdef"}}), HasSubstr("at most 5"));
}

TEST(JsonSchemaTest, Enum) {
  json schema = {{"type", "string"}, {"enum", {"a", "b"}}};
  EXPECT_TRUE(ValidateJson(schema, "a").ok());
  EXPECT_EQ(Error(schema, "c"), "arguments must be one of: \"a\", \"b\"");
  json numbers = {{"enum", {1, 2}}};
  EXPECT_TRUE(ValidateJson(numbers, 2.0).ok());
  EXPECT_FALSE(ValidateJson(numbers, 3).ok());
}

TEST(JsonSchemaTest, NumbersAndIntegers) {
  json schema = json::parse(R"({"type":"object","properties":{
      "n":{"type":"integer","minimum":1,"maximum":10},
      "x":{"type":"number","exclusiveMinimum":0}}})");
  EXPECT_TRUE(ValidateJson(schema, json{{"n", 5}, {"x", 0.5}}).ok());
  EXPECT_TRUE(ValidateJson(schema, json{{"n", 5.0}}).ok());  // integral double is an integer
  EXPECT_EQ(Error(schema, json{{"n", 5.5}}), "argument 'n' must be an integer");
  EXPECT_EQ(Error(schema, json{{"n", 0}}), "argument 'n' must be >= 1");
  EXPECT_EQ(Error(schema, json{{"n", 11}}), "argument 'n' must be <= 10");
  EXPECT_EQ(Error(schema, json{{"x", 0}}), "argument 'x' must be > 0");
  EXPECT_EQ(Error(schema, json{{"x", "1"}}), "argument 'x' must be a number");
}

TEST(JsonSchemaTest, BooleanNullAndUnionTypes) {
  json schema = json::parse(R"({"type":"object","properties":{
      "b":{"type":"boolean"}, "z":{"type":"null"}, "u":{"type":["string","null"]}}})");
  EXPECT_TRUE(ValidateJson(schema, json{{"b", true}, {"z", nullptr}, {"u", nullptr}}).ok());
  EXPECT_TRUE(ValidateJson(schema, json{{"u", "s"}}).ok());
  EXPECT_EQ(Error(schema, json{{"b", 1}}), "argument 'b' must be a boolean");
  EXPECT_EQ(Error(schema, json{{"z", false}}), "argument 'z' must be null");
  EXPECT_EQ(Error(schema, json{{"u", 1}}), "argument 'u' must be a string or null");
}

TEST(JsonSchemaTest, ArraysAndNestedPaths) {
  json schema = json::parse(R"({"type":"object","properties":{
      "list":{"type":"array","minItems":1,"maxItems":2,
              "items":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}}}})");
  EXPECT_TRUE(ValidateJson(schema, json::parse(R"({"list":[{"id":1},{"id":2}]})")).ok());
  EXPECT_EQ(Error(schema, json::parse(R"({"list":[{"id":1},{"id":"x"}]})")),
            "argument 'list[1].id' must be an integer");
  EXPECT_EQ(Error(schema, json::parse(R"({"list":[{}]})")), "missing required argument 'list[0].id'");
  EXPECT_THAT(Error(schema, json::parse(R"({"list":[]})")), HasSubstr("at least 1 items"));
  EXPECT_THAT(Error(schema, json::parse(R"({"list":[{"id":1},{"id":1},{"id":1}]})")),
              HasSubstr("at most 2 items"));
  EXPECT_EQ(Error(schema, json::parse(R"({"list":{}})")), "argument 'list' must be an array");
}

TEST(JsonSchemaTest, CheckSchemaRejectsBadSchemas) {
  EXPECT_FALSE(CheckSchema(json::array()).ok());
  EXPECT_FALSE(CheckSchema(json{{"type", "strin"}}).ok());
  EXPECT_FALSE(CheckSchema(json{{"type", "object"}, {"required", "message"}}).ok());
  EXPECT_FALSE(CheckSchema(json{{"type", "object"}, {"properties", {{"a", {{"type", 3}}}}}}).ok());
  EXPECT_FALSE(CheckSchema(json{{"type", "object"}, {"oneOf", json::array()}}).ok());
  EXPECT_FALSE(CheckSchema(json{{"minLength", -1}}).ok());
  EXPECT_FALSE(CheckSchema(json{{"enum", json::array()}}).ok());
  EXPECT_TRUE(CheckSchema(json{{"type", "object"}, {"description", "x"}, {"$schema", "y"}}).ok());
}

}  // namespace
}  // namespace mcp_oauth::mcp
