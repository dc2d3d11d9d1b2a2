#include "mcp/param_headers.h"

#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

constexpr char kSentinelPrefix[] = "=?base64?";
constexpr char kSentinelSuffix[] = "?=";
// Integers beyond JavaScript's safe range cannot be mirrored exactly.
constexpr double kMaxSafeInteger = 9007199254740991.0;

// RFC 9110 tchar.
bool IsToken(const std::string& name) {
  if (name.empty()) return false;
  static const std::string kSpecials = "!#$%&'*+-.^_`|~";
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        kSpecials.find(c) == std::string::npos)
      return false;
  }
  return true;
}

// Keywords whose subschemas are not "statically reachable": an annotation
// under one of them is an error, not silently ignored.
const std::set<std::string>& UnreachableKeywords() {
  static const auto* keywords = new std::set<std::string>{"items",
                                                          "prefixItems",
                                                          "contains",
                                                          "additionalProperties",
                                                          "patternProperties",
                                                          "allOf",
                                                          "anyOf",
                                                          "oneOf",
                                                          "not",
                                                          "if",
                                                          "then",
                                                          "else",
                                                          "$defs",
                                                          "definitions",
                                                          "dependentSchemas"};
  return *keywords;
}

bool ContainsAnnotation(const json& schema) {
  if (schema.is_object()) {
    if (schema.contains(kHeaderAnnotation)) return true;
    for (const auto& [key, value] : schema.items()) {
      if (ContainsAnnotation(value)) return true;
    }
  } else if (schema.is_array()) {
    for (const json& item : schema) {
      if (ContainsAnnotation(item)) return true;
    }
  }
  return false;
}

absl::Status Collect(const json& schema, std::vector<std::string>& path,
                     std::set<std::string>& seen, std::vector<HeaderParam>* out) {
  if (!schema.is_object()) return absl::OkStatus();
  for (const auto& [key, value] : schema.items()) {
    if (key != "properties" && UnreachableKeywords().count(key) > 0 && ContainsAnnotation(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("x-mcp-header under '", key, "' is not reachable through properties"));
    }
  }
  if (auto it = schema.find(kHeaderAnnotation); it != schema.end()) {
    if (path.empty()) return absl::InvalidArgumentError("x-mcp-header on the schema root");
    if (!it->is_string() || !IsToken(it->get<std::string>())) {
      return absl::InvalidArgumentError("x-mcp-header must be an HTTP token (RFC 9110 tchar)");
    }
    const std::string name = it->get<std::string>();
    if (!seen.insert(absl::AsciiStrToLower(name)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("x-mcp-header '", name, "' is used twice (ignoring case)"));
    }
    const json type = schema.value("type", json());
    if (type != "string" && type != "integer" && type != "boolean") {
      return absl::InvalidArgumentError(absl::StrCat(
          "x-mcp-header '", name, "' must be on a string, integer or boolean property"));
    }
    out->push_back(HeaderParam{name, path, type.get<std::string>()});
  }
  if (auto properties = schema.find("properties");
      properties != schema.end() && properties->is_object()) {
    for (const auto& [name, sub] : properties->items()) {
      path.push_back(name);
      absl::Status s = Collect(sub, path, seen, out);
      path.pop_back();
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

// Returns the argument at `path`, or nullptr when absent.
const json* ValueAt(const json& arguments, const std::vector<std::string>& path) {
  const json* at = &arguments;
  for (const std::string& name : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(name);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// Strict standard Base64 (padded, standard alphabet).
bool DecodeBase64(const std::string& encoded, std::string* out) {
  if (encoded.size() % 4 != 0) return false;
  size_t padding = 0;
  for (size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return false;  // data after padding
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
  }
  return padding <= 2 && absl::Base64Unescape(encoded, out);
}

// Returns the header's value decoded (the =?base64?...?= form), or false
// when it holds characters no header value may hold or bad Base64.
bool DecodeValue(const std::string& raw, std::string* out) {
  for (char c : raw) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u != '\t' && (u < 0x20 || u > 0x7e)) return false;
  }
  const std::string value(absl::StripAsciiWhitespace(raw));
  const size_t prefix = sizeof(kSentinelPrefix) - 1;
  const size_t suffix = sizeof(kSentinelSuffix) - 1;
  if (value.size() >= prefix + suffix && value.compare(0, prefix, kSentinelPrefix) == 0 &&
      value.compare(value.size() - suffix, suffix, kSentinelSuffix) == 0) {
    return DecodeBase64(value.substr(prefix, value.size() - prefix - suffix), out);
  }
  *out = value;
  return true;
}

bool Matches(const HeaderParam& param, const json& body, const std::string& header) {
  if (param.type == "string") return body.is_string() && body.get<std::string>() == header;
  if (param.type == "boolean")
    return body.is_boolean() && header == (body.get<bool>() ? "true" : "false");
  double number = 0;
  if (!body.is_number() || !absl::SimpleAtod(header, &number) || !std::isfinite(number))
    return false;
  return std::fabs(number) <= kMaxSafeInteger && number == body.get<double>();
}

}  // namespace

absl::StatusOr<std::vector<HeaderParam>> HeaderParams(const json& input_schema) {
  std::vector<HeaderParam> params;
  std::vector<std::string> path;
  std::set<std::string> seen;
  if (absl::Status s = Collect(input_schema, path, seen, &params); !s.ok()) return s;
  return params;
}

absl::Status CheckParamHeaders(const std::vector<HeaderParam>& params, const json& arguments,
                               const std::map<std::string, std::string>& headers) {
  for (const HeaderParam& param : params) {
    const std::string header_name = absl::StrCat("Mcp-Param-", param.header);
    const json* body = ValueAt(arguments, param.path);
    auto header = headers.find(absl::AsciiStrToLower(param.header));
    const bool has_value = body != nullptr && !body->is_null();
    if (!has_value) {
      if (header != headers.end()) {
        return absl::FailedPreconditionError(
            absl::StrCat("Header mismatch: ", header_name, " is set but the argument is absent"));
      }
      continue;
    }
    if (header == headers.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("Header mismatch: missing ", header_name, " header"));
    }
    std::string decoded;
    if (!DecodeValue(header->second, &decoded)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Header mismatch: ", header_name, " holds invalid characters or invalid Base64"));
    }
    if (!Matches(param, *body, decoded)) {
      return absl::FailedPreconditionError(
          absl::StrCat("Header mismatch: ", header_name, " does not match the argument"));
    }
  }
  return absl::OkStatus();
}

}  // namespace mcp_oauth::mcp
