// The AuthClient of an AuthServiceImpl in this process (see auth_client.h):
// each method calls AuthServiceImpl::Call(Via::kInProcess, ...) directly,
// with the same messages, statuses, deadlines, cancellation and request ids
// as over gRPC but no transport. What the service runs inline (metadata,
// registration, and the access-token check on a store that never blocks)
// answers before the method returns, on the caller's thread; everything that
// may wait on a database, a password hash or an identity provider runs on
// the service's pools, never on the caller's thread (auth/auth_service.h).
//
// As with gRPC, the deadline and a cancellation end the call at once
// (DEADLINE_EXCEEDED, CANCELLED) while the service may still finish the work;
// its late answer is dropped.
#ifndef MCP_OAUTH_CLIENT_LOCAL_AUTH_CLIENT_H_
#define MCP_OAUTH_CLIENT_LOCAL_AUTH_CLIENT_H_

#include <memory>

#include "client/auth_client.h"

namespace mcp_oauth::auth {
class AuthServiceImpl;
}  // namespace mcp_oauth::auth

namespace mcp_oauth::client {

// `service` must outlive every call made through the client. Returns a
// Metered client.
std::shared_ptr<AuthClient> MakeLocalAuthClient(auth::AuthServiceImpl* service);

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_LOCAL_AUTH_CLIENT_H_
