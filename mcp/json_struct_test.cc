#include "mcp/json_struct.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

TEST(JsonStructTest, RoundTripsNestedDocument) {
  const json doc = json::parse(R"({
    "s": "h\u00e9llo \ud83c\udf0d",
    "i": 42, "neg": -7, "f": 1.5, "big": 9007199254740992,
    "t": true, "fl": false, "n": null,
    "arr": [1, "two", [3.25, null], {"k": "v"}],
    "obj": {"inner": {"deep": [true]}},
    "empty_obj": {}, "empty_arr": []
  })");
  absl::StatusOr<google::protobuf::Struct> s = JsonToStruct(doc);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fields().at("s").string_value(), "h\xC3\xA9llo \xF0\x9F\x8C\x8D");
  EXPECT_EQ(s->fields().at("i").number_value(), 42);
  EXPECT_TRUE(s->fields().at("n").has_null_value());
  EXPECT_EQ(s->fields().at("arr").list_value().values(2).list_value().values(0).number_value(),
            3.25);
  const json back = StructToJson(*s);
  EXPECT_EQ(back, doc);
  EXPECT_TRUE(back["i"].is_number_integer());
  EXPECT_TRUE(back["f"].is_number_float());
}

TEST(JsonStructTest, StructRequiresObject) {
  EXPECT_FALSE(JsonToStruct(json::array()).ok());
  EXPECT_FALSE(JsonToStruct(json("x")).ok());
  EXPECT_TRUE(JsonToStruct(json::object()).ok());
}

TEST(JsonStructTest, ValueConversions) {
  auto v = JsonToValue(json::array({1, 2}));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->list_value().values_size(), 2);
  google::protobuf::Value nan;
  nan.set_number_value(std::nan(""));
  EXPECT_TRUE(ValueToJson(nan).is_null());
  google::protobuf::Value unset;
  EXPECT_TRUE(ValueToJson(unset).is_null());
  google::protobuf::Value huge;
  huge.set_number_value(1e300);
  EXPECT_TRUE(ValueToJson(huge).is_number_float());
}

TEST(JsonStructTest, RejectsExcessiveNesting) {
  json deep = json::object();
  for (int i = 0; i < 150; ++i) deep = json{{"a", deep}};
  EXPECT_FALSE(JsonToStruct(deep).ok());
}

TEST(JsonStructTest, DumpNeverThrowsOnInvalidUtf8) {
  json bad = std::string("a\xFF");
  EXPECT_EQ(DumpJson(bad), "\"a\xEF\xBF\xBD\"");
}

// NormalizeAsStruct is the Struct round trip without the protobuf: for each
// value, the same JSON (type and text) as ValueToJson(JsonToValue(value)),
// and ChangedByStruct says whether it differs.
TEST(JsonStructTest, NormalizeMatchesTheStructRoundTrip) {
  const std::vector<json> values = {
      json::parse(
          R"({"i": 5, "f": 5.0, "neg": -3.0, "half": 1.5, "s": "x", "n": null, "t": true})"),
      json::parse("[9007199254740992, 9007199254740993, -9007199254740993, 18446744073709551615]"),
      json::parse("[1e300, -0.0, 0.1, 123456789012.0, 4503599627370496.5]"),
      json::parse(R"({"a": [{"b": [2.0, {"c": 7}]}], "e": {}, "l": []})"),
      json::parse(R"({"message": "hello"})"),
      json(std::numeric_limits<double>::infinity()),
      json(std::nan("")),
      json(int64_t{-9007199254740992}),
  };
  for (const json& value : values) {
    absl::StatusOr<google::protobuf::Value> proto = JsonToValue(value);
    ASSERT_TRUE(proto.ok());
    const json expected = ValueToJson(*proto);
    json normalized = value;
    ASSERT_TRUE(NormalizeAsStruct(&normalized).ok()) << value.dump();
    EXPECT_EQ(normalized.dump(), expected.dump()) << value.dump();
    EXPECT_EQ(normalized, expected) << value.dump();
    // (nlohmann dumps a non-finite double as null, the round trip makes it one.)
    const bool non_finite = value.is_number_float() && !std::isfinite(value.get<double>());
    EXPECT_EQ(ChangedByStruct(value), value.dump() != expected.dump() || non_finite)
        << value.dump();
    EXPECT_EQ(normalized.type(), expected.type()) << value.dump();
  }
  json normalized = json::parse(R"({"f": 5.0, "u": 7})");
  ASSERT_TRUE(NormalizeAsStruct(&normalized).ok());
  EXPECT_TRUE(normalized["f"].is_number_integer());
  EXPECT_FALSE(normalized["u"].is_number_unsigned());  // as StructToJson gives it
  EXPECT_FALSE(ChangedByStruct(json::parse(R"({"message": "hello", "n": 7, "x": 0.5})")));
  EXPECT_TRUE(ChangedByStruct(json::parse(R"({"message": "hello", "n": 7.0})")));
}

TEST(JsonStructTest, NormalizeRejectsWhatJsonToValueRejects) {
  json deep = json::array();
  for (int i = 0; i < 150; ++i) deep = json::array({deep});
  EXPECT_FALSE(JsonToValue(deep).ok());
  EXPECT_TRUE(ChangedByStruct(deep));
  EXPECT_FALSE(NormalizeAsStruct(&deep).ok());
  json shallow = json::array();
  for (int i = 0; i < 99; ++i) shallow = json::array({shallow});
  EXPECT_TRUE(JsonToValue(shallow).ok());
  EXPECT_FALSE(ChangedByStruct(shallow));
  EXPECT_TRUE(NormalizeAsStruct(&shallow).ok());
}

}  // namespace
}  // namespace mcp_oauth::mcp
