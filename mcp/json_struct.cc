#include "mcp/json_struct.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 100;
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

absl::Status ToValue(const json& in, google::protobuf::Value* out, int depth);

absl::Status ToStruct(const json& in, google::protobuf::Struct* out, int depth) {
  auto* fields = out->mutable_fields();
  for (const auto& [key, item] : in.items()) {
    absl::Status s = ToValue(item, &(*fields)[key], depth + 1);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ToValue(const json& in, google::protobuf::Value* out, int depth) {
  if (depth > kMaxDepth) return absl::InvalidArgumentError("JSON nested too deeply");
  switch (in.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      out->set_null_value(google::protobuf::NULL_VALUE);
      break;
    case json::value_t::boolean:
      out->set_bool_value(in.get<bool>());
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      out->set_number_value(in.get<double>());
      break;
    case json::value_t::string:
      out->set_string_value(in.get_ref<const std::string&>());
      break;
    case json::value_t::array: {
      auto* list = out->mutable_list_value();
      for (const json& item : in) {
        absl::Status s = ToValue(item, list->add_values(), depth + 1);
        if (!s.ok()) return s;
      }
      break;
    }
    case json::value_t::object:
      return ToStruct(in, out->mutable_struct_value(), depth);
    case json::value_t::binary:
      return absl::InvalidArgumentError("binary JSON values are not supported");
  }
  return absl::OkStatus();
}

json FromValue(const google::protobuf::Value& v, int depth);

json FromStruct(const google::protobuf::Struct& s, int depth) {
  json out = json::object();
  for (const auto& [key, item] : s.fields()) out[key] = FromValue(item, depth + 1);
  return out;
}

json FromValue(const google::protobuf::Value& v, int depth) {
  if (depth > kMaxDepth) return nullptr;
  switch (v.kind_case()) {
    case google::protobuf::Value::kBoolValue:
      return v.bool_value();
    case google::protobuf::Value::kNumberValue: {
      const double d = v.number_value();
      if (!std::isfinite(d)) return nullptr;
      if (std::floor(d) == d && std::fabs(d) <= kMaxExactInteger) return static_cast<int64_t>(d);
      return d;
    }
    case google::protobuf::Value::kStringValue:
      return v.string_value();
    case google::protobuf::Value::kListValue: {
      json out = json::array();
      for (const auto& item : v.list_value().values()) out.push_back(FromValue(item, depth + 1));
      return out;
    }
    case google::protobuf::Value::kStructValue:
      return FromStruct(v.struct_value(), depth);
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET:
      break;
  }
  return nullptr;
}

// The number a Value round trip gives back for `d` (FromValue's rule).
json NumberAfterStruct(double d) {
  if (!std::isfinite(d)) return nullptr;
  if (std::floor(d) == d && std::fabs(d) <= kMaxExactInteger) return static_cast<int64_t>(d);
  return d;
}

// True when a number of `in` would come back as a different JSON number.
bool NumberChanges(const json& in) {
  if (in.is_number_float()) {
    const double d = in.get<double>();
    return !std::isfinite(d) || (std::floor(d) == d && std::fabs(d) <= kMaxExactInteger);
  }
  // Integers beyond 2^53 come back as doubles (or rounded integers).
  constexpr int64_t kMax = int64_t{1} << 53;
  if (in.is_number_unsigned()) return in.get<uint64_t>() > static_cast<uint64_t>(kMax);
  const int64_t n = in.get<int64_t>();
  return n > kMax || n < -kMax;
}

bool Changes(const json& in, int depth) {
  if (depth > kMaxDepth) return true;
  switch (in.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return NumberChanges(in);
    case json::value_t::array:
    case json::value_t::object:
      for (const json& item : in) {
        if (Changes(item, depth + 1)) return true;
      }
      return false;
    case json::value_t::discarded:
    case json::value_t::binary:
      return true;
    default:
      return false;
  }
}

absl::Status Normalize(json* in, int depth) {
  if (depth > kMaxDepth) return absl::InvalidArgumentError("JSON nested too deeply");
  switch (in->type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      *in = NumberAfterStruct(in->get<double>());
      break;
    case json::value_t::discarded:
      *in = nullptr;
      break;
    case json::value_t::binary:
      return absl::InvalidArgumentError("binary JSON values are not supported");
    case json::value_t::array:
    case json::value_t::object:
      for (json& item : *in) {
        absl::Status s = Normalize(&item, depth + 1);
        if (!s.ok()) return s;
      }
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status NormalizeAsStruct(json* value) { return Normalize(value, 0); }

bool ChangedByStruct(const json& value) { return Changes(value, 0); }

absl::StatusOr<google::protobuf::Value> JsonToValue(const json& value) {
  google::protobuf::Value out;
  absl::Status s = ToValue(value, &out, 0);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<google::protobuf::Struct> JsonToStruct(const json& object) {
  if (!object.is_object()) return absl::InvalidArgumentError("expected a JSON object");
  google::protobuf::Struct out;
  absl::Status s = ToStruct(object, &out, 0);
  if (!s.ok()) return s;
  return out;
}

json ValueToJson(const google::protobuf::Value& value) { return FromValue(value, 0); }

json StructToJson(const google::protobuf::Struct& object) { return FromStruct(object, 0); }

std::string DumpJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace mcp_oauth::mcp
