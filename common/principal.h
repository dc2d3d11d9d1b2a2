// Principal: the verified identity behind a request (from an access token the
// authorization server validated). One struct for the gateway's bearer check,
// the MCP endpoint's requests and the tools' CallContext, so the identity is
// copied field by field nowhere.
//
// A plain value type; no dependencies.
#ifndef MCP_OAUTH_COMMON_PRINCIPAL_H_
#define MCP_OAUTH_COMMON_PRINCIPAL_H_

#include <string>
#include <vector>

namespace mcp_oauth {

struct Principal {
  // The OAuth subject (the user's stable id).
  std::string subject;
  std::string username;
  // The OAuth client the token was issued to.
  std::string client_id;
  std::vector<std::string> scopes;
};

}  // namespace mcp_oauth

#endif  // MCP_OAUTH_COMMON_PRINCIPAL_H_
