#include "mcp/tool_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "mcp/json_schema.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::mcp {

absl::Status ToolRegistry::Register(ToolDefinition tool) {
  if (tool.name.empty()) return absl::InvalidArgumentError("tool name must not be empty");
  if (index_.count(tool.name) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("tool '", tool.name, "' is already registered"));
  }
  if (static_cast<bool>(tool.handler) == static_cast<bool>(tool.content_handler)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tool '", tool.name, "' needs exactly one of handler and content_handler"));
  }
  if (tool.content_handler && !tool.output_schema.is_null()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tool '", tool.name, "': a content_handler tool cannot declare an output schema"));
  }
  if (!tool.input_schema.is_object() || tool.input_schema.value("type", nlohmann::json()) != "object") {
    return absl::InvalidArgumentError(
        absl::StrCat("tool '", tool.name, "': input schema must be {\"type\": \"object\", ...}"));
  }
  if (absl::Status s = CheckSchema(tool.input_schema); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tool '", tool.name, "' input ", s.message()));
  }
  if (!tool.output_schema.is_null()) {
    if (absl::Status s = CheckSchema(tool.output_schema); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("tool '", tool.name, "' output ", s.message()));
    }
  }
  std::string fingerprint_input = version_tag_;
  absl::StrAppend(&fingerprint_input, "|", tool.name, "|", DumpJson(tool.input_schema), "|",
                  DumpJson(tool.output_schema));
  version_tag_ = crypto::HexEncode(crypto::Sha256(fingerprint_input)).substr(0, 16);
  index_[tool.name] = tools_.size();
  tools_.push_back(std::move(tool));
  return absl::OkStatus();
}

const ToolDefinition* ToolRegistry::Find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &tools_[it->second];
}

}  // namespace mcp_oauth::mcp
