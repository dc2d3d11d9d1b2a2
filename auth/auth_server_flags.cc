#include "auth/auth_server_flags.h"

#include "absl/strings/str_cat.h"

namespace mcp_oauth::auth {

std::vector<FlagHelp> AuthServerFlags() {
  std::vector<FlagHelp> flags = {
      {"grpc-listen", "ADDR", "gRPC address to serve AuthService on (default 127.0.0.1:9005)"},
      {"store", "SPEC",
       "sqlite:PATH|postgres://...|memory: holds tokens, codes, revocations and throttles "
       "(env MCP_STORE; default sqlite:$MCP_DATA_DIR/auth.db, else "
       "sqlite:${XDG_STATE_HOME:-~/.local/state}/mcp-oauth/auth.db)"},
      {"log-level", "LEVEL", "debug, info, warning or error (default info)"},
      {"help", "", "this text"},
  };
  const std::vector<FlagHelp>& auth = AuthFlags();
  flags.insert(flags.end(), auth.begin(), auth.end());
  // Internal port security (common/grpc_security): required for a
  // non-loopback --grpc-listen.
  flags.insert(flags.end(), {
      {"grpc-tls-cert", "PEM", "TLS certificate of the gRPC port (env MCP_GRPC_TLS_CERT)"},
      {"grpc-tls-key", "PEM", "its private key (env MCP_GRPC_TLS_KEY)"},
      {"grpc-tls-client-ca", "PEM",
       "CA that must have signed the callers' client certificates (env MCP_GRPC_TLS_CLIENT_CA)"},
      {"grpc-shared-secret-file", "FILE",
       "every call must send 'authorization: Bearer <secret>' (env "
       "MCP_GRPC_SHARED_SECRET_FILE, or MCP_GRPC_SHARED_SECRET)"},
  });
  return flags;
}

std::set<std::string> AuthServerFlagNames() {
  std::set<std::string> names;
  for (const FlagHelp& flag : AuthServerFlags()) names.insert(flag.name);
  return names;
}

std::string AuthServerUsage() {
  return absl::StrCat(
      "Usage: auth_server [flags]\n"
      "Serves AuthService (gRPC) with health, reflection and metrics. A --grpc-listen\n"
      "address other than loopback is refused unless TLS with client certificates\n"
      "and/or a shared secret protects it. Flags:\n",
      FormatFlagHelp(AuthServerFlags()));
}

}  // namespace mcp_oauth::auth
