#include "gateway/rfc_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <string>
#include <vector>

namespace mcp_oauth::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsWellKnownType(const google::protobuf::Descriptor& descriptor) {
  return descriptor.file()->package() == "google.protobuf";
}

nlohmann::json MessageValue(const Message& message) {
  if (!IsWellKnownType(*message.GetDescriptor())) return ProtoToRfcJson(message);
  // Struct, Timestamp, wrappers...: their JSON form is defined by protobuf.
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json).ok()) return nullptr;
  return nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
}

// The value of a singular field, or of element `index` of a repeated one.
nlohmann::json FieldValue(const Message& message, const Reflection& reflection,
                          const FieldDescriptor& field, int index) {
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return repeated ? reflection.GetRepeatedInt32(message, &field, index)
                      : reflection.GetInt32(message, &field);
    case FieldDescriptor::CPPTYPE_INT64:
      return repeated ? reflection.GetRepeatedInt64(message, &field, index)
                      : reflection.GetInt64(message, &field);
    case FieldDescriptor::CPPTYPE_UINT32:
      return repeated ? reflection.GetRepeatedUInt32(message, &field, index)
                      : reflection.GetUInt32(message, &field);
    case FieldDescriptor::CPPTYPE_UINT64:
      return repeated ? reflection.GetRepeatedUInt64(message, &field, index)
                      : reflection.GetUInt64(message, &field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return repeated ? reflection.GetRepeatedDouble(message, &field, index)
                      : reflection.GetDouble(message, &field);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return repeated ? reflection.GetRepeatedFloat(message, &field, index)
                      : reflection.GetFloat(message, &field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return repeated ? reflection.GetRepeatedBool(message, &field, index)
                      : reflection.GetBool(message, &field);
    case FieldDescriptor::CPPTYPE_ENUM:
      return (repeated ? reflection.GetRepeatedEnum(message, &field, index)
                       : reflection.GetEnum(message, &field))
          ->name();
    case FieldDescriptor::CPPTYPE_STRING:
      return repeated ? reflection.GetRepeatedString(message, &field, index)
                      : reflection.GetString(message, &field);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageValue(repeated ? reflection.GetRepeatedMessage(message, &field, index)
                                   : reflection.GetMessage(message, &field));
  }
  return nullptr;
}

// A map entry's key as a JSON object key (keys are strings, integers or bool).
std::string MapKey(const Message& entry) {
  const Reflection& reflection = *entry.GetReflection();
  const FieldDescriptor& key = *entry.GetDescriptor()->map_key();
  nlohmann::json value = FieldValue(entry, reflection, key, 0);
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

nlohmann::json ProtoToRfcJson(const Message& message) {
  nlohmann::json object = nlohmann::json::object();
  const Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  // Only fields holding a non-default value (proto3 presence).
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    nlohmann::json value;
    if (field->is_map()) {
      value = nlohmann::json::object();
      const FieldDescriptor& value_field = *field->message_type()->map_value();
      for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
        const Message& entry = reflection.GetRepeatedMessage(message, field, i);
        value[MapKey(entry)] = FieldValue(entry, *entry.GetReflection(), value_field, 0);
      }
    } else if (field->is_repeated()) {
      value = nlohmann::json::array();
      for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
        value.push_back(FieldValue(message, reflection, *field, i));
      }
    } else {
      value = FieldValue(message, reflection, *field, 0);
    }
    object[field->name()] = std::move(value);
  }
  return object;
}

std::string ProtoToRfcJsonString(const Message& message) {
  return ProtoToRfcJson(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mcp_oauth::gateway
