// ResourceClient and PromptClient: how the MCP endpoint calls the catalog
// services (resources, prompts, completion), with their own protobuf
// messages and gRPC status codes, as ToolClient does for ToolService
// (tool_client.h). MakeRemoteResourceClient / MakeRemotePromptClient
// (remote_catalog_client.h) call them over a gRPC channel (the in-process
// one when the gateway hosts them).
//
// Every unary call records its latency in
// grpc_client_call_duration_seconds{method="ResourceService/..."} and logs
// a failure that is not the caller's (any status but NOT_FOUND and
// INVALID_ARGUMENT) with the request id, in one place (Metered below).
//
// Implementations are thread safe. Requests are read (or copied) before the
// methods return. Callbacks may run before the call returns or on another
// thread; they must not block.
#ifndef MCP_OAUTH_CLIENT_CATALOG_CLIENT_H_
#define MCP_OAUTH_CLIENT_CATALOG_CLIENT_H_

#include <functional>
#include <memory>

#include "client/call.h"
#include "proto/prompts/v1/prompts.pb.h"
#include "proto/resources/v1/resources.pb.h"

namespace mcp_oauth::client {

class ResourceClient {
 public:
  using UpdateFn = std::function<void(const resources::v1::ResourceUpdated& update)>;
  using StatusFn = std::function<void(const grpc::Status& status)>;

  virtual ~ResourceClient() = default;

  virtual void ListResources(const CallOptions& options,
                             const resources::v1::ListResourcesRequest& request,
                             UnaryDone<resources::v1::ListResourcesResponse> done) = 0;
  virtual void ListResourceTemplates(
      const CallOptions& options, const resources::v1::ListResourceTemplatesRequest& request,
      UnaryDone<resources::v1::ListResourceTemplatesResponse> done) = 0;
  virtual void ReadResource(const CallOptions& options,
                            const resources::v1::ReadResourceRequest& request,
                            UnaryDone<resources::v1::ReadResourceResponse> done) = 0;
  virtual void Complete(const CallOptions& options, const resources::v1::CompleteRequest& request,
                        UnaryDone<resources::v1::CompleteResponse> done) = 0;
  // `on_update` for each update until cancelled or the service ends the
  // stream; then `done`.
  virtual void WatchResources(const CallOptions& options, UpdateFn on_update, StatusFn done) = 0;
};

class PromptClient {
 public:
  virtual ~PromptClient() = default;

  virtual void ListPrompts(const CallOptions& options,
                           const prompts::v1::ListPromptsRequest& request,
                           UnaryDone<prompts::v1::ListPromptsResponse> done) = 0;
  virtual void GetPrompt(const CallOptions& options, const prompts::v1::GetPromptRequest& request,
                         UnaryDone<prompts::v1::GetPromptResponse> done) = 0;
  virtual void Complete(const CallOptions& options, const prompts::v1::CompleteRequest& request,
                        UnaryDone<prompts::v1::CompleteResponse> done) = 0;
};

// Wrap `inner` so that every unary call is metered and its failures that are
// not the caller's are logged. The factories return clients wrapped this way.
std::shared_ptr<ResourceClient> Metered(std::shared_ptr<ResourceClient> inner);
std::shared_ptr<PromptClient> Metered(std::shared_ptr<PromptClient> inner);

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_CATALOG_CLIENT_H_
