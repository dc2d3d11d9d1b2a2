// The ResourceClient and PromptClient of catalog services behind a gRPC
// channel (see catalog_client.h). Include only from .cc files: it pulls in
// gRPC.
#ifndef MCP_OAUTH_CLIENT_REMOTE_CATALOG_CLIENT_H_
#define MCP_OAUTH_CLIENT_REMOTE_CATALOG_CLIENT_H_

#include <memory>

#include "client/catalog_client.h"
#include "proto/prompts/v1/prompts.grpc.pb.h"
#include "proto/resources/v1/resources.grpc.pb.h"

namespace mcp_oauth::client {

// Every call sets its deadline and `x-request-id` metadata from CallOptions;
// a Cancellation cancels the RPC. Return Metered clients.
std::shared_ptr<ResourceClient> MakeRemoteResourceClient(
    std::shared_ptr<resources::v1::ResourceService::StubInterface> stub);
std::shared_ptr<PromptClient> MakeRemotePromptClient(
    std::shared_ptr<prompts::v1::PromptService::StubInterface> stub);

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_REMOTE_CATALOG_CLIENT_H_
