#include "mcp/tool_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "mcp/json_schema.h"
#include "mcp/json_struct.h"
#include "mcp/param_headers.h"

namespace mcp_oauth::mcp {
namespace {

// Chains a hash over each tool's name and schemas, in order.
std::string VersionTag(const std::vector<std::shared_ptr<const ToolDefinition>>& tools) {
  std::string tag;
  for (const auto& tool : tools) {
    std::string input = tag;
    absl::StrAppend(&input, "|", tool->name, "|", DumpJson(tool->input_schema), "|",
                    DumpJson(tool->output_schema));
    tag = crypto::HexEncode(crypto::Sha256(input)).substr(0, 16);
  }
  return tag;
}

}  // namespace

ToolRegistry::ToolRegistry() : snapshot_(std::make_shared<const Snapshot>()) {}

absl::Status ToolRegistry::Register(ToolDefinition tool) {
  if (tool.name.empty()) return absl::InvalidArgumentError("tool name must not be empty");
  if (static_cast<bool>(tool.handler) == static_cast<bool>(tool.content_handler)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tool '", tool.name, "' needs exactly one of handler and content_handler"));
  }
  if (tool.decides_task &&
      (!tool.content_handler || tool.task_support == ToolDefinition::TaskSupport::kNone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tool '", tool.name, "': decides_task needs a content_handler and task_support"));
  }
  if (tool.task_support != ToolDefinition::TaskSupport::kNone && tool.runs_inline) {
    return absl::InvalidArgumentError(
        absl::StrCat("tool '", tool.name, "': a task tool cannot run inline"));
  }
  if (tool.content_handler && !tool.output_schema.is_null()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tool '", tool.name, "': a content_handler tool cannot declare an output schema"));
  }
  if (!tool.input_schema.is_object() ||
      tool.input_schema.value("type", nlohmann::json()) != "object") {
    return absl::InvalidArgumentError(
        absl::StrCat("tool '", tool.name, "': input schema must be {\"type\": \"object\", ...}"));
  }
  if (absl::Status s = CheckSchema(tool.input_schema); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tool '", tool.name, "' input ", s.message()));
  }
  absl::StatusOr<std::vector<HeaderParam>> headers = HeaderParams(tool.input_schema);
  if (!headers.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tool '", tool.name, "' input schema: ", headers.status().message()));
  }
  tool.header_params = *std::move(headers);
  if (!tool.output_schema.is_null()) {
    if (absl::Status s = CheckSchema(tool.output_schema); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("tool '", tool.name, "' output ", s.message()));
    }
  }
  tool.compiled_input_schema = CompileSchema(tool.input_schema);
  tool.compiled_output_schema =
      tool.output_schema.is_null() ? nullptr : CompileSchema(tool.output_schema);
  {
    absl::MutexLock lock(&mu_);
    if (snapshot_->index.count(tool.name) > 0) {
      return absl::AlreadyExistsError(absl::StrCat("tool '", tool.name, "' is already registered"));
    }
    auto next = std::make_shared<Snapshot>(*snapshot_);
    next->index[tool.name] = next->tools.size();
    next->tools.push_back(std::make_shared<const ToolDefinition>(std::move(tool)));
    next->version_tag = VersionTag(next->tools);
    snapshot_ = std::move(next);
  }
  changes_.Publish("tools");
  return absl::OkStatus();
}

absl::Status ToolRegistry::Unregister(std::string_view name) {
  {
    absl::MutexLock lock(&mu_);
    auto it = snapshot_->index.find(std::string(name));
    if (it == snapshot_->index.end()) {
      return absl::NotFoundError(absl::StrCat("tool '", std::string(name), "' is not registered"));
    }
    auto next = std::make_shared<Snapshot>();
    for (const auto& tool : snapshot_->tools) {
      if (tool->name == name) {
        retired_.push_back(tool);
        continue;
      }
      next->index[tool->name] = next->tools.size();
      next->tools.push_back(tool);
    }
    next->version_tag = VersionTag(next->tools);
    snapshot_ = std::move(next);
  }
  changes_.Publish("tools");
  return absl::OkStatus();
}

std::shared_ptr<const ToolRegistry::Snapshot> ToolRegistry::snapshot() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

const ToolDefinition* ToolRegistry::Snapshot::Find(std::string_view name) const {
  auto it = index.find(std::string(name));
  return it == index.end() ? nullptr : tools[it->second].get();
}

const ToolDefinition* ToolRegistry::Find(std::string_view name) const {
  return snapshot()->Find(name);
}

std::vector<std::string> ToolRegistry::names() const {
  std::shared_ptr<const Snapshot> current = snapshot();
  std::vector<std::string> out;
  out.reserve(current->tools.size());
  for (const auto& tool : current->tools) out.push_back(tool->name);
  return out;
}

}  // namespace mcp_oauth::mcp
