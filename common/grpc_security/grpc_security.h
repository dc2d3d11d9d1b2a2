// Security of the internal gRPC port, both ends.
//
// Server side: a port on loopback (or a unix socket) may be plaintext and
// open, as it is a trusted local interface. Any other address is refused
// unless the port is protected by (a) TLS with required, verified client
// certificates, or (b) a shared credential that every call must carry
// (metadata `authorization: Bearer <secret>`, compared in constant time before
// any handler runs; missing or wrong -> UNAUTHENTICATED), or both. Once
// configured, a protection covers every service on the port, health checking
// and reflection included.
//
// Client side (the gateway calling a remote AuthService/ToolService): TLS
// verifying the server against a CA, optionally presenting a client
// certificate, and/or sending the shared credential on every call.
//
// Options hold PEM contents and the secret, read once at startup by
// Read*Security from the files the --grpc-* flags name (Add*SecurityFlags);
// the secret is never logged. No gRPC headers here: the
// gRPC types are only forward-declared.
#ifndef MCP_OAUTH_COMMON_GRPC_SECURITY_GRPC_SECURITY_H_
#define MCP_OAUTH_COMMON_GRPC_SECURITY_GRPC_SECURITY_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/flags.h"

namespace grpc {
class Channel;
class ChannelArguments;
class ServerCredentials;
}  // namespace grpc

namespace mcp_oauth::grpc_security {

// Metadata key and scheme of the shared credential.
inline constexpr char kCredentialMetadataKey[] = "authorization";
inline constexpr char kCredentialScheme[] = "Bearer ";
// A shared secret must be at least this long (visible ASCII, no spaces).
inline constexpr size_t kMinSharedSecretLength = 32;

struct ServerSecurity {
  // TLS with client certificates: PEM contents, all three or none.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string client_ca_pem;
  // Shared credential every call must carry; empty = none.
  std::string shared_secret;

  bool tls() const { return !tls_cert_pem.empty(); }
  bool protected_port() const { return tls() || !shared_secret.empty(); }
};

struct ClientSecurity {
  // TLS: the CA that signed the remote servers' certificates (empty = plaintext).
  std::string server_ca_pem;
  // Client certificate presented over TLS (both or none).
  std::string client_cert_pem;
  std::string client_key_pem;
  // Sent on every call; empty = none.
  std::string shared_secret;
};

using GetEnvFunction = flags::GetEnvFunction;

// The files the --grpc-* flags name ("" or nullopt: not given).
struct SecurityFlags {
  std::string tls_cert_file;       // --grpc-tls-cert (env MCP_GRPC_TLS_CERT)
  std::string tls_key_file;        // --grpc-tls-key (env MCP_GRPC_TLS_KEY)
  std::string tls_client_ca_file;  // --grpc-tls-client-ca (env MCP_GRPC_TLS_CLIENT_CA)
  std::string server_ca_file;      // --grpc-server-ca (env MCP_GRPC_SERVER_CA)
  std::string client_cert_file;    // --grpc-client-cert (env MCP_GRPC_CLIENT_CERT)
  std::string client_key_file;     // --grpc-client-key (env MCP_GRPC_CLIENT_KEY)
  // --grpc-shared-secret-file (env MCP_GRPC_SHARED_SECRET_FILE); unset, the
  // secret itself may be in env MCP_GRPC_SHARED_SECRET.
  std::optional<std::string> shared_secret_file;
};

// Adds the server side's flags (--grpc-tls-cert, --grpc-tls-key,
// --grpc-tls-client-ca, --grpc-shared-secret-file) to `table`, storing into
// `*out`, which must outlive the table's Parse.
void AddServerSecurityFlags(flags::FlagTable* table, SecurityFlags* out);
// Adds the client side's flags (--grpc-server-ca, --grpc-client-cert,
// --grpc-client-key and --grpc-shared-secret-file unless already there).
void AddClientSecurityFlags(flags::FlagTable* table, SecurityFlags* out);

// Reads the files `flags` names (and MCP_GRPC_SHARED_SECRET from `getenv`)
// and checks that they go together.
absl::StatusOr<ServerSecurity> ReadServerSecurity(const SecurityFlags& flags,
                                                  const GetEnvFunction& getenv);
absl::StatusOr<ClientSecurity> ReadClientSecurity(const SecurityFlags& flags,
                                                  const GetEnvFunction& getenv);

// True for 127.0.0.0/8, ::1 and localhost (with a port), and unix sockets.
bool IsLoopbackListenAddress(const std::string& address);

// Returns the credentials to listen on `address` with, or an error naming the
// address when it is not loopback and `security` protects nothing.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const std::string& address, const ServerSecurity& security);

// Returns a channel to `target` using `security`.
std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target,
                                             const ClientSecurity& security);
// Same, with `arguments` (e.g. a channel of its own for long-lived streams).
std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target,
                                             const ClientSecurity& security,
                                             const grpc::ChannelArguments& arguments);
// Same, with gRPC's reconnect backoff capped at `max_reconnect_backoff_ms`
// (0: gRPC's default, up to 120 s), so a restarted server is found again soon.
std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target,
                                             const ClientSecurity& security,
                                             int max_reconnect_backoff_ms);

}  // namespace mcp_oauth::grpc_security

#endif  // MCP_OAUTH_COMMON_GRPC_SECURITY_GRPC_SECURITY_H_
