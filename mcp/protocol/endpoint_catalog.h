// EndpointCatalog: what the MCP endpoint serves besides tools, and how it
// describes itself. resources/list, resources/templates/list,
// resources/read, prompts/list, prompts/get and completion/complete are
// each one async call of the ResourceService or PromptService (through
// client/catalog_client.h: deadline, request id, metric, logging); in a
// 2026-07-28 request, prompts/get and resources/read carry
// inputResponses/requestState and may answer an InputRequiredResult. Also
// the capabilities and instructions of initialize and server/discover.
//
// Internal to //mcp/protocol. Thread safe: immutable after construction.
// The clients are shared; calls in flight keep nothing of this object.
#ifndef MCP_OAUTH_MCP_PROTOCOL_ENDPOINT_CATALOG_H_
#define MCP_OAUTH_MCP_PROTOCOL_ENDPOINT_CATALOG_H_

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/call.h"
#include "client/catalog_client.h"
#include "common/principal.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/protocol/reply.h"

namespace mcp_oauth::mcp {

// MCP: resources/read of an unknown URI.
inline constexpr int kResourceNotFound = -32002;

class EndpointCatalog {
 public:
  // Takes what it needs of `options` (offer_*, catalog_call_timeout,
  // client_id, tool_names, instructions). Either client may be null.
  EndpointCatalog(const McpOptions& options, std::shared_ptr<client::ResourceClient> resources,
                  std::shared_ptr<client::PromptClient> prompts);

  // Whether each method family is served (offered, with a backend); the
  // methods of a family not served are "not found".
  bool serves_resources() const { return offer_resources_ && resources_ != nullptr; }
  bool serves_prompts() const { return offer_prompts_ && prompts_ != nullptr; }
  bool serves_completions() const { return offer_completions_; }
  // The ResourceService's client (null without one), for its watch.
  const std::shared_ptr<client::ResourceClient>& resources() const { return resources_; }

  // Each answers through `reply` once, maybe before returning. `stateless`:
  // a 2026-07-28 request.
  void ListResources(const nlohmann::json& id, const nlohmann::json& params,
                     const std::string& request_id, Reply reply) const;
  void ListResourceTemplates(const nlohmann::json& id, const nlohmann::json& params,
                             const std::string& request_id, Reply reply) const;
  void ReadResource(const nlohmann::json& id, const nlohmann::json& params,
                    const Principal& principal, const std::string& request_id, Reply reply,
                    bool stateless) const;
  void ListPrompts(const nlohmann::json& id, const nlohmann::json& params,
                   const std::string& request_id, Reply reply) const;
  void GetPrompt(const nlohmann::json& id, const nlohmann::json& params, const Principal& principal,
                 const std::string& request_id, Reply reply, bool stateless) const;
  void Complete(const nlohmann::json& id, const nlohmann::json& params, const Principal& principal,
                const std::string& request_id, Reply reply) const;

  // The ServerCapabilities of initialize and server/discover.
  nlohmann::json Capabilities() const;
  // Their instructions: McpOptions::instructions, else the client id and
  // the tools served now.
  std::string Instructions() const;

 private:
  // A call's options: its request id and the catalog's timeout.
  client::CallOptions Options(const std::string& request_id) const;

  const bool offer_resources_;
  const bool offer_prompts_;
  const bool offer_completions_;
  const absl::Duration timeout_;
  const std::string client_id_;
  const std::string instructions_;
  const std::function<std::vector<std::string>()> tool_names_;
  const std::shared_ptr<client::ResourceClient> resources_;
  const std::shared_ptr<client::PromptClient> prompts_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_ENDPOINT_CATALOG_H_
