// The resources and resource templates a ResourceService serves, in
// registration order.
//
// Filled at startup, then read-only: Register* are not thread safe, every
// const method is. Resource contents may change at any time: NotifyUpdated
// announces it to the watchers (WatchResources -> MCP subscriptions).
#ifndef MCP_OAUTH_MCP_RESOURCE_REGISTRY_H_
#define MCP_OAUTH_MCP_RESOURCE_REGISTRY_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "mcp/change_feed.h"
#include "mcp/resource.h"
#include "mcp/uri_template.h"

namespace mcp_oauth::mcp {

class ResourceRegistry {
 public:
  ResourceRegistry() = default;
  ResourceRegistry(const ResourceRegistry&) = delete;
  ResourceRegistry& operator=(const ResourceRegistry&) = delete;

  // Adds a concrete resource. INVALID_ARGUMENT for an empty uri or name or a
  // missing reader; ALREADY_EXISTS for a duplicate uri.
  absl::Status Register(ResourceDefinition resource);

  // Adds a template. INVALID_ARGUMENT for an unparsable template (see
  // UriTemplate::Parse), an empty name, a missing reader or a completer for a
  // variable the template does not have; ALREADY_EXISTS for a duplicate.
  absl::Status RegisterTemplate(ResourceTemplateDefinition resource_template);

  // Returns the concrete resource `uri`, or nullptr.
  const ResourceDefinition* Find(std::string_view uri) const;
  // Returns the template registered as `uri_template`, or nullptr.
  const ResourceTemplateDefinition* FindTemplate(std::string_view uri_template) const;
  // Returns the first template (in registration order) matching `uri`, with
  // its variables, or nullptr.
  const ResourceTemplateDefinition* MatchTemplate(
      std::string_view uri, std::map<std::string, std::string>* variables) const;

  const std::vector<ResourceDefinition>& resources() const { return resources_; }
  const std::vector<ResourceTemplateDefinition>& templates() const { return templates_; }
  bool empty() const { return resources_.empty() && templates_.empty(); }
  // True when some template offers completions.
  bool has_completions() const { return has_completions_; }

  // Tags that change whenever the resource / template list changes (the same
  // in every process running the same build), for page tokens.
  const std::string& resources_tag() const { return resources_tag_; }
  const std::string& templates_tag() const { return templates_tag_; }

  // Announces that what `uri` reads as has changed, so that clients
  // subscribed to it get notifications/resources/updated. Thread safe.
  void NotifyUpdated(const std::string& uri) const { updates_.Publish(uri); }
  // The URIs passed to NotifyUpdated.
  ChangeFeed& updates() const { return updates_; }

 private:
  mutable ChangeFeed updates_;
  std::vector<ResourceDefinition> resources_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<ResourceTemplateDefinition> templates_;
  std::vector<UriTemplate> parsed_;  // parallel to templates_
  std::unordered_map<std::string, size_t> template_index_;
  bool has_completions_ = false;
  std::string resources_tag_;
  std::string templates_tag_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_RESOURCE_REGISTRY_H_
