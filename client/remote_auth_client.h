// The AuthClient of an AuthService behind a gRPC channel (see auth_client.h).
// Include only from .cc files: it pulls in gRPC.
#ifndef MCP_OAUTH_CLIENT_REMOTE_AUTH_CLIENT_H_
#define MCP_OAUTH_CLIENT_REMOTE_AUTH_CLIENT_H_

#include <memory>

#include "client/auth_client.h"
#include "proto/auth/v1/auth.grpc.pb.h"

namespace mcp_oauth::client {

// Every call sets its deadline and `x-request-id` metadata from CallOptions;
// a Cancellation cancels the RPC. Returns a Metered client.
std::shared_ptr<AuthClient> MakeRemoteAuthClient(
    std::shared_ptr<auth::v1::AuthService::StubInterface> stub);

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_REMOTE_AUTH_CLIENT_H_
