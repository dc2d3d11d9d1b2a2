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

// Validates `value` against `schema` both as JSON and compiled
// (CompileSchema), expects the same status from both, and returns it: every
// test below covers both paths.
absl::Status Validate(const json& schema, const json& value) {
  absl::Status plain = ValidateJson(schema, value);
  absl::Status compiled = ValidateCompiled(*CompileSchema(schema), value);
  EXPECT_EQ(plain, compiled) << value.dump();
  return compiled;
}

std::string Error(const json& schema, const json& value) {
  absl::Status s = Validate(schema, value);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << value.dump();
  return std::string(s.message());
}

TEST(JsonSchemaTest, AcceptsConformingObject) {
  EXPECT_TRUE(CheckSchema(EchoSchema()).ok());
  EXPECT_TRUE(Validate(EchoSchema(), json{{"message", "hi"}}).ok());
}

TEST(JsonSchemaTest, MissingRequired) {
  EXPECT_EQ(Error(EchoSchema(), json::object()), "missing required argument 'message'");
}

TEST(JsonSchemaTest, WrongType) {
  EXPECT_EQ(Error(EchoSchema(), json{{"message", 3}}), "argument 'message' must be a string");
  EXPECT_EQ(Error(EchoSchema(), json::array()), "arguments must be an object");
}

TEST(JsonSchemaTest, AdditionalPropertiesFalse) {
  EXPECT_EQ(Error(EchoSchema(), json{{"message", "a"}, {"extra", 1}}),
            "unexpected argument 'extra'");
  json open = EchoSchema();
  open.erase("additionalProperties");
  EXPECT_TRUE(Validate(open, json{{"message", "a"}, {"extra", 1}}).ok());
}

TEST(JsonSchemaTest, AdditionalPropertiesSchema) {
  json schema = {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}};
  EXPECT_TRUE(Validate(schema, json{{"a", 1}, {"b", 2}}).ok());
  EXPECT_EQ(Error(schema, json{{"a", "x"}}), "argument 'a' must be an integer");
}

TEST(JsonSchemaTest, StringLengthCountsCodePoints) {
  EXPECT_TRUE(
      Validate(EchoSchema(), json{{"message", "h\xC3\xA9llo"}}).ok());  // 5 code points, 6 bytes
  EXPECT_THAT(Error(EchoSchema(), json{{"message", ""}}), HasSubstr("at least 1"));
  EXPECT_THAT(Error(EchoSchema(), json{{"message", "abcdef"}}), HasSubstr("at most 5"));
}

TEST(JsonSchemaTest, Enum) {
  json schema = {{"type", "string"}, {"enum", {"a", "b"}}};
  EXPECT_TRUE(Validate(schema, "a").ok());
  EXPECT_EQ(Error(schema, "c"), "arguments must be one of: \"a\", \"b\"");
  json numbers = {{"enum", {1, 2}}};
  EXPECT_TRUE(Validate(numbers, 2.0).ok());
  EXPECT_FALSE(Validate(numbers, 3).ok());
}

TEST(JsonSchemaTest, NumbersAndIntegers) {
  json schema = json::parse(R"({"type":"object","properties":{
      "n":{"type":"integer","minimum":1,"maximum":10},
      "x":{"type":"number","exclusiveMinimum":0}}})");
  EXPECT_TRUE(Validate(schema, json{{"n", 5}, {"x", 0.5}}).ok());
  EXPECT_TRUE(Validate(schema, json{{"n", 5.0}}).ok());  // integral double is an integer
  EXPECT_EQ(Error(schema, json{{"n", 5.5}}), "argument 'n' must be an integer");
  EXPECT_EQ(Error(schema, json{{"n", 0}}), "argument 'n' must be >= 1");
  EXPECT_EQ(Error(schema, json{{"n", 11}}), "argument 'n' must be <= 10");
  EXPECT_EQ(Error(schema, json{{"x", 0}}), "argument 'x' must be > 0");
  EXPECT_EQ(Error(schema, json{{"x", "1"}}), "argument 'x' must be a number");
}

TEST(JsonSchemaTest, BooleanNullAndUnionTypes) {
  json schema = json::parse(R"({"type":"object","properties":{
      "b":{"type":"boolean"}, "z":{"type":"null"}, "u":{"type":["string","null"]}}})");
  EXPECT_TRUE(Validate(schema, json{{"b", true}, {"z", nullptr}, {"u", nullptr}}).ok());
  EXPECT_TRUE(Validate(schema, json{{"u", "s"}}).ok());
  EXPECT_EQ(Error(schema, json{{"b", 1}}), "argument 'b' must be a boolean");
  EXPECT_EQ(Error(schema, json{{"z", false}}), "argument 'z' must be null");
  EXPECT_EQ(Error(schema, json{{"u", 1}}), "argument 'u' must be a string or null");
}

TEST(JsonSchemaTest, ArraysAndNestedPaths) {
  json schema = json::parse(R"({"type":"object","properties":{
      "list":{"type":"array","minItems":1,"maxItems":2,
              "items":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}}}})");
  EXPECT_TRUE(Validate(schema, json::parse(R"({"list":[{"id":1},{"id":2}]})")).ok());
  EXPECT_EQ(Error(schema, json::parse(R"({"list":[{"id":1},{"id":"x"}]})")),
            "argument 'list[1].id' must be an integer");
  EXPECT_EQ(Error(schema, json::parse(R"({"list":[{}]})")),
            "missing required argument 'list[0].id'");
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

// The conformance suite's json_schema_2020_12_tool schema (SEP-1613/2106).
json Schema202012() {
  return json::parse(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {"address": {"$anchor": "addressDef", "type": "object",
                          "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
    "properties": {
      "name": {"type": "string"},
      "address": {"$ref": "#/$defs/address"},
      "home": {"$ref": "#addressDef"},
      "contactMethod": {"type": "string", "enum": ["phone", "email"]},
      "phone": {"type": "string"},
      "email": {"type": "string"}
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": false
  })");
}

TEST(JsonSchemaTest, JsonSchema202012Applicators) {
  const json schema = Schema202012();
  ASSERT_TRUE(CheckSchema(schema).ok()) << CheckSchema(schema);
  EXPECT_TRUE(Validate(schema, json::parse(R"({"email":"a@b"})")).ok());
  EXPECT_TRUE(Validate(schema, json::parse(R"({"contactMethod":"phone","phone":"1"})")).ok());
  // anyOf: neither phone nor email.
  EXPECT_THAT(Error(schema, json::parse(R"({"name":"x"})")),
              HasSubstr("must match one of the allowed forms"));
  // if/then: contactMethod phone needs a phone.
  EXPECT_EQ(Error(schema, json::parse(R"({"contactMethod":"phone","email":"a@b"})")),
            "missing required argument 'phone'");
  // $ref by pointer and by anchor.
  EXPECT_EQ(Error(schema, json::parse(R"({"email":"a@b","address":{"city":5}})")),
            "argument 'address.city' must be a string");
  EXPECT_EQ(Error(schema, json::parse(R"({"email":"a@b","home":{"street":[]}})")),
            "argument 'home.street' must be a string");
  EXPECT_EQ(Error(schema, json::parse(R"({"email":"a@b","extra":1})")),
            "unexpected argument 'extra'");
}

TEST(JsonSchemaTest, OneOfAndNot) {
  const json schema = json::parse(R"({"type":"object","properties":{
    "n": {"oneOf": [{"type": "integer"}, {"minimum": 10}]},
    "s": {"type": "string", "not": {"const": "forbidden"}}}})");
  ASSERT_TRUE(CheckSchema(schema).ok());
  EXPECT_TRUE(Validate(schema, json{{"n", 5}}).ok());
  EXPECT_TRUE(Validate(schema, json{{"n", 10.5}}).ok());
  EXPECT_THAT(Error(schema, json{{"n", 12}}), HasSubstr("exactly one"));  // both
  EXPECT_THAT(Error(schema, json{{"s", "forbidden"}}), HasSubstr("must not"));
  EXPECT_TRUE(Validate(schema, json{{"s", "fine"}}).ok());
}

TEST(JsonSchemaTest, RefsMustResolveInTheDocument) {
  EXPECT_FALSE(
      CheckSchema(json{{"type", "object"}, {"properties", {{"a", {{"$ref", "#/$defs/missing"}}}}}})
          .ok());
  EXPECT_FALSE(
      CheckSchema(json{{"properties", {{"a", {{"$ref", "https://example.com/s.json"}}}}}}).ok());
  EXPECT_FALSE(CheckSchema(json{{"properties", {{"a", {{"$ref", "#nowhere"}}}}}}).ok());
  EXPECT_FALSE(CheckSchema(json{{"$defs", {{"a", {{"type", "strin"}}}}}}).ok());
  // A reference cycle ends at the nesting limit instead of recursing forever.
  const json loop = {{"$defs", {{"a", {{"$ref", "#/$defs/a"}}}}},
                     {"properties", {{"x", {{"$ref", "#/$defs/a"}}}}}};
  ASSERT_TRUE(CheckSchema(loop).ok());
  EXPECT_FALSE(Validate(loop, json{{"x", 1}}).ok());
}

TEST(JsonSchemaTest, CompiledSchemaKeepsItsOwnCopy) {
  json schema = EchoSchema();
  std::shared_ptr<const CompiledSchema> compiled = CompileSchema(schema);
  schema = json{{"type", "string"}};  // the original changes, the compiled form does not
  EXPECT_TRUE(ValidateCompiled(*compiled, json{{"message", "hi"}}).ok());
  EXPECT_EQ(ValidateCompiled(*compiled, json{{"message", 3}}).message(),
            "argument 'message' must be a string");
}

}  // namespace
}  // namespace mcp_oauth::mcp
