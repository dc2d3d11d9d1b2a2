#include "common/principal_proto.h"

namespace mcp_oauth {

Principal PrincipalFromProto(const identity::v1::Principal& proto) {
  return Principal{proto.subject(),
                   proto.username(),
                   proto.client_id(),
                   {proto.scopes().begin(), proto.scopes().end()}};
}

void PrincipalToProto(const Principal& principal, identity::v1::Principal* proto) {
  proto->set_subject(principal.subject);
  proto->set_username(principal.username);
  proto->set_client_id(principal.client_id);
  for (const std::string& scope : principal.scopes) proto->add_scopes(scope);
}

}  // namespace mcp_oauth
