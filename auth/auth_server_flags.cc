#include "auth/auth_server_flags.h"

#include "common/server_main.h"

namespace mcp_oauth::auth {

flags::FlagTable AuthServerFlagTable(AuthServerFlags* out) {
  flags::FlagTable table(
      "Usage: auth_server [flags]\n"
      "Serves AuthService (gRPC) with health, reflection and metrics.\n",
      "\nFlag spellings with '-' and '_' are equivalent (--client-id = --client_id).\n"
      "Precedence: flag > environment > config file > default.\n");
  table.Section("gRPC");
  table.String("grpc-listen", "ADDR", "", "gRPC address to serve AuthService on", out->grpc_listen,
               &out->grpc_listen);
  table.Note(
      "A --grpc-listen address other than loopback is refused unless TLS with client "
      "certificates and/or a shared secret protects it:");
  grpc_security::AddServerSecurityFlags(&table, &out->security);
  table.Section("OAuth");
  AddAuthFlags(&table, &out->auth);
  AddDefaultPublicUrlFlags(&table, &out->auth);
  table.Optional("store", "SPEC", "MCP_STORE",
                 "sqlite:PATH|postgres://...|memory: holds tokens, codes, revocations and "
                 "throttles",
                 "sqlite:$MCP_DATA_DIR/auth.db, else "
                 "sqlite:${XDG_STATE_HOME:-~/.local/state}/mcp-oauth/auth.db",
                 &out->store);
  table.Section("Operations");
  AddLogLevelFlag(&table, "", &out->log_level);
  return table;
}

}  // namespace mcp_oauth::auth
