// Principal <-> mcp_oauth.identity.v1.Principal (proto/identity/v1), the one
// message every service carries the verified identity in: the bearer check
// reads it from AuthService, the MCP endpoint fills a call's `caller` with it,
// and the tool, resource and prompt services read it back.
#ifndef MCP_OAUTH_COMMON_PRINCIPAL_PROTO_H_
#define MCP_OAUTH_COMMON_PRINCIPAL_PROTO_H_

#include "common/principal.h"
#include "proto/identity/v1/identity.pb.h"

namespace mcp_oauth {

// Copies subject, username, client and scopes (expires_at is the token's, not
// the identity's: callers that need it read the proto).
Principal PrincipalFromProto(const identity::v1::Principal& proto);

// Sets subject, username, client and scopes of `proto` (appends the scopes).
void PrincipalToProto(const Principal& principal, identity::v1::Principal* proto);

}  // namespace mcp_oauth

#endif  // MCP_OAUTH_COMMON_PRINCIPAL_PROTO_H_
