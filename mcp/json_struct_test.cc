#include "mcp/json_struct.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace mcp_oauth::mcp
