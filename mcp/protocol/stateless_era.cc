#include "mcp/protocol/stateless_era.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

// Returns the header's value without surrounding optional whitespace.
std::optional<std::string> Trimmed(const HttpHeaders& headers, const char* name) {
  std::optional<std::string> value = headers.Get(name);
  if (value) *value = std::string(absl::StripAsciiWhitespace(*value));
  return value;
}

StatelessRejection Reject(int http_status, int code, std::string message, json data = nullptr) {
  return StatelessRejection{http_status, code, std::move(message), std::move(data)};
}

const json& NullJson() {
  static const json* const kNull = new json();
  return *kNull;
}

const std::string& EmptyString() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

// Returns `object`'s member `key`, or null when there is none.
const json& Member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? NullJson() : *it;
}

// The params member Mcp-Name mirrors for `method`, or nullptr for none.
const char* NameParamOf(const std::string& method) {
  if (method == "tools/call" || method == "prompts/get") return "name";
  if (method == "resources/read") return "uri";
  // The tasks extension (SEP-2663, "Routing Headers").
  if (method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel")
    return "taskId";
  return nullptr;
}

}  // namespace

ProtocolEra DetectEra(const HttpHeaders& headers, const json& message) {
  if (headers.Has("mcp-session-id") || !message.is_object()) return ProtocolEra::kSessions;
  auto method = message.find("method");
  const bool has_method = method != message.end() && method->is_string();
  if (auto params = message.find("params"); params != message.end() && params->is_object()) {
    auto meta = params->find("_meta");
    if (meta != params->end() && meta->is_object() && meta->contains(kMetaProtocolVersion)) {
      return ProtocolEra::kStateless;
    }
  }
  if (auto version = Trimmed(headers, "mcp-protocol-version");
      version && !IsSessionEraName(*version)) {
    return ProtocolEra::kStateless;
  }
  // A 2025-era initialize names its version in params, not in _meta or a
  // newer header (checked above: such an "initialize" is a 2026-07-28 call
  // of a method that no longer exists).
  if (has_method && *method == "initialize") return ProtocolEra::kSessions;
  if (has_method && *method == "server/discover") return ProtocolEra::kStateless;
  return ProtocolEra::kSessions;
}

std::optional<StatelessRejection> CheckStatelessRequest(const HttpHeaders& headers,
                                                        const json& message,
                                                        const std::vector<std::string>& supported) {
  const std::optional<std::string> header_version = Trimmed(headers, "mcp-protocol-version");
  if (!header_version || header_version->empty()) {
    return Reject(400, kHeaderMismatch, "Header mismatch: missing MCP-Protocol-Version header");
  }
  // Looked at in place: the params carry the tool's arguments.
  const json& params = Member(message, "params");
  const json& meta = params.is_object() ? Member(params, "_meta") : NullJson();
  std::vector<std::string> missing;
  for (const char* key : {kMetaProtocolVersion, kMetaClientCapabilities}) {
    if (!meta.is_object() || !meta.contains(key)) missing.push_back(key);
  }
  if (!missing.empty()) {
    return Reject(
        400, -32602,
        absl::StrCat("Invalid params: missing _meta keys: ", absl::StrJoin(missing, ", ")));
  }
  const json& meta_version = Member(meta, kMetaProtocolVersion);
  if (!meta_version.is_string()) {
    return Reject(
        400, -32602,
        absl::StrCat("Invalid params: _meta ", kMetaProtocolVersion, " must be a string"));
  }
  if (!Member(meta, kMetaClientCapabilities).is_object()) {
    return Reject(
        400, -32602,
        absl::StrCat("Invalid params: _meta ", kMetaClientCapabilities, " must be an object"));
  }
  if (meta_version.get_ref<const std::string&>() != *header_version) {
    return Reject(400, kHeaderMismatch,
                  "Header mismatch: MCP-Protocol-Version does not match _meta protocolVersion");
  }
  bool known = false;
  for (const std::string& version : supported) known = known || version == *header_version;
  if (!known) {
    return Reject(400, kUnsupportedProtocolVersion, "Unsupported protocol version",
                  json{{"supported", supported}, {"requested", *header_version}});
  }
  const json& method_value = Member(message, "method");
  const std::string& method =
      method_value.is_string() ? method_value.get_ref<const std::string&>() : EmptyString();
  const std::optional<std::string> header_method = Trimmed(headers, "mcp-method");
  if (!header_method)
    return Reject(400, kHeaderMismatch, "Header mismatch: missing Mcp-Method header");
  if (*header_method != method) {
    return Reject(400, kHeaderMismatch,
                  "Header mismatch: Mcp-Method does not match the request method");
  }
  if (const char* member = NameParamOf(method)) {
    auto value = params.find(member);
    if (value != params.end() && value->is_string()) {
      const std::optional<std::string> header_name = Trimmed(headers, "mcp-name");
      if (!header_name)
        return Reject(400, kHeaderMismatch, "Header mismatch: missing Mcp-Name header");
      if (*header_name != value->get_ref<const std::string&>()) {
        return Reject(400, kHeaderMismatch,
                      absl::StrCat("Header mismatch: Mcp-Name does not match params.", member));
      }
    }
  }
  return std::nullopt;
}

int StatelessHttpStatus(int code) {
  switch (code) {
    case -32601:
      return 404;
    case -32700:
    case -32600:
    case -32602:
    case kHeaderMismatch:
    case kMissingClientCapability:
    case kUnsupportedProtocolVersion:
      return 400;
    case -32603:
      return 500;
    default:
      return 200;
  }
}

}  // namespace mcp_oauth::mcp
