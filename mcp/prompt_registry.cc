#include "mcp/prompt_registry.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mcp/paging.h"

namespace mcp_oauth::mcp {

absl::Status PromptRegistry::Register(PromptDefinition prompt) {
  if (prompt.name.empty()) return absl::InvalidArgumentError("prompt name must not be empty");
  if (static_cast<bool>(prompt.render) == static_cast<bool>(prompt.render_with_input)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "prompt '", prompt.name, "' needs exactly one of render and render_with_input"));
  }
  std::set<std::string> names;
  bool completes = false;
  for (const auto& argument : prompt.arguments) {
    if (argument.name.empty() || !names.insert(argument.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("prompt '", prompt.name, "': argument names must be non-empty and unique"));
    }
    completes = completes || static_cast<bool>(argument.complete);
  }
  if (index_.count(prompt.name) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("prompt '", prompt.name, "' is already registered"));
  }
  has_completions_ = has_completions_ || completes;
  version_tag_ = ListVersionTag(absl::StrCat(version_tag_, "|", prompt.name));
  index_[prompt.name] = prompts_.size();
  prompts_.push_back(std::move(prompt));
  return absl::OkStatus();
}

const PromptDefinition* PromptRegistry::Find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &prompts_[it->second];
}

}  // namespace mcp_oauth::mcp
