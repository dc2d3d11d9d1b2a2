#include "mcp/resource_registry.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mcp/paging.h"

namespace mcp_oauth::mcp {

absl::Status ResourceRegistry::Register(ResourceDefinition resource) {
  if (resource.uri.empty()) return absl::InvalidArgumentError("resource uri must not be empty");
  if (resource.name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("resource '", resource.uri, "' has no name"));
  }
  if (static_cast<bool>(resource.read) == static_cast<bool>(resource.read_with_input)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resource '", resource.uri, "' needs exactly one of read and read_with_input"));
  }
  if (index_.count(resource.uri) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("resource '", resource.uri, "' is already registered"));
  }
  resources_tag_ = ListVersionTag(absl::StrCat(resources_tag_, "|", resource.uri));
  index_[resource.uri] = resources_.size();
  resources_.push_back(std::move(resource));
  return absl::OkStatus();
}

absl::Status ResourceRegistry::RegisterTemplate(ResourceTemplateDefinition resource_template) {
  absl::StatusOr<UriTemplate> parsed = UriTemplate::Parse(resource_template.uri_template);
  if (!parsed.ok()) return parsed.status();
  const std::string& text = resource_template.uri_template;
  if (resource_template.name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("resource template '", text, "' has no name"));
  }
  if (static_cast<bool>(resource_template.read) ==
      static_cast<bool>(resource_template.read_with_input)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resource template '", text, "' needs exactly one of read and read_with_input"));
  }
  for (const auto& [variable, completer] : resource_template.completers) {
    const auto& names = parsed->variables();
    if (std::find(names.begin(), names.end(), variable) == names.end() || !completer) {
      return absl::InvalidArgumentError(
          absl::StrCat("resource template '", text, "': bad completer for '", variable, "'"));
    }
  }
  if (template_index_.count(text) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("resource template '", text, "' is already registered"));
  }
  has_completions_ = has_completions_ || !resource_template.completers.empty();
  templates_tag_ = ListVersionTag(absl::StrCat(templates_tag_, "|", text));
  template_index_[text] = templates_.size();
  templates_.push_back(std::move(resource_template));
  parsed_.push_back(*std::move(parsed));
  return absl::OkStatus();
}

const ResourceDefinition* ResourceRegistry::Find(std::string_view uri) const {
  auto it = index_.find(std::string(uri));
  return it == index_.end() ? nullptr : &resources_[it->second];
}

const ResourceTemplateDefinition* ResourceRegistry::FindTemplate(
    std::string_view uri_template) const {
  auto it = template_index_.find(std::string(uri_template));
  return it == template_index_.end() ? nullptr : &templates_[it->second];
}

const ResourceTemplateDefinition* ResourceRegistry::MatchTemplate(
    std::string_view uri, std::map<std::string, std::string>* variables) const {
  for (size_t i = 0; i < parsed_.size(); ++i) {
    if (parsed_[i].Match(uri, variables)) return &templates_[i];
  }
  return nullptr;
}

}  // namespace mcp_oauth::mcp
