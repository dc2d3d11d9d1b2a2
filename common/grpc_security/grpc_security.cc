#include "common/grpc_security/grpc_security.h"

#include <arpa/inet.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/client_interceptor.h>
#include <netinet/in.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace mcp_oauth::grpc_security {
namespace {

constexpr char kUnauthenticated[] = "missing or wrong internal gRPC credential";

absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(what, ": cannot read ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Reads the PEM file at `path` (given by `flag`) into `out`; "" leaves it empty.
absl::Status ReadPem(const std::string& path, const char* flag, std::string* out) {
  if (path.empty()) return absl::OkStatus();
  std::string what = absl::StrCat("--", flag);
  auto pem = ReadFile(path, what);
  if (!pem.ok()) return pem.status();
  if (!absl::StrContains(*pem, "-----BEGIN ")) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", path, " is not a PEM file"));
  }
  *out = *std::move(pem);
  return absl::OkStatus();
}

// The shared secret: --grpc-shared-secret-file > MCP_GRPC_SHARED_SECRET_FILE >
// MCP_GRPC_SHARED_SECRET. Messages never include the secret.
absl::StatusOr<std::string> ReadSharedSecret(const SecurityFlags& flags,
                                             const GetEnvFunction& getenv) {
  std::string secret;
  std::string source;
  if (flags.shared_secret_file) {
    source = "--grpc-shared-secret-file";
    auto contents = ReadFile(*flags.shared_secret_file, source);
    if (!contents.ok()) return contents.status();
    secret = *std::move(contents);
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  } else if (auto value = getenv ? getenv("MCP_GRPC_SHARED_SECRET") : std::nullopt) {
    source = "MCP_GRPC_SHARED_SECRET";
    secret = *value;
  } else {
    return std::string();
  }
  if (secret.size() < kMinSharedSecretLength) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the shared secret must be at least ",
                                                   kMinSharedSecretLength, " characters"));
  }
  for (char c : secret) {
    if (c <= 0x20 || c >= 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": the shared secret must be visible ASCII without spaces"));
    }
  }
  return secret;
}

void AddSharedSecretFlag(flags::FlagTable* table, SecurityFlags* out) {
  if (table->Accepts("grpc-shared-secret-file")) return;
  table->Optional("grpc-shared-secret-file", "FILE", "MCP_GRPC_SHARED_SECRET_FILE",
                  "every call must send 'authorization: Bearer <secret>' (>= 32 characters; or "
                  "the secret itself in env MCP_GRPC_SHARED_SECRET); on a client, sent on "
                  "every call",
                  "", &out->shared_secret_file);
}

// True when `value` is "Bearer <secret>" for the secret whose SHA-256 is
// `digest`. Comparing digests keeps the time independent of the secret and of
// the presented value's length.
bool CredentialMatches(std::string_view value, const std::string& digest) {
  std::string_view scheme = kCredentialScheme;
  if (value.size() <= scheme.size() || value.substr(0, scheme.size()) != scheme) return false;
  return crypto::ConstantTimeEquals(crypto::Sha256(value.substr(scheme.size())), digest);
}

// C-core processor for plaintext ports (grpc::InsecureServerCredentials cannot
// take one in gRPC 1.51). Runs before any handler, on every call.
struct CoreProcessorState {
  std::string digest;
};

void ProcessCoreMetadata(void* state, grpc_auth_context* /*context*/, const grpc_metadata* md,
                         size_t num_md, grpc_process_auth_metadata_done_cb cb, void* user_data) {
  const auto* s = static_cast<const CoreProcessorState*>(state);
  for (size_t i = 0; i < num_md; ++i) {
    std::string_view key(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(md[i].key)),
                         GRPC_SLICE_LENGTH(md[i].key));
    if (key != kCredentialMetadataKey) continue;
    std::string_view value(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(md[i].value)),
                           GRPC_SLICE_LENGTH(md[i].value));
    if (CredentialMatches(value, s->digest)) {
      // Consumed: handlers never see the secret.
      cb(user_data, &md[i], 1, nullptr, 0, GRPC_STATUS_OK, nullptr);
      return;
    }
  }
  cb(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_UNAUTHENTICATED, kUnauthenticated);
}

// Plaintext server credentials whose every call must carry the shared secret.
class PlaintextWithSecretCredentials final : public grpc::ServerCredentials {
 public:
  explicit PlaintextWithSecretCredentials(const std::string& secret)
      : creds_(grpc_insecure_server_credentials_create()) {
    grpc_auth_metadata_processor processor;
    processor.process = &ProcessCoreMetadata;
    processor.destroy = [](void* state) { delete static_cast<CoreProcessorState*>(state); };
    processor.state = new CoreProcessorState{crypto::Sha256(secret)};
    grpc_server_credentials_set_auth_metadata_processor(creds_, processor);
  }
  ~PlaintextWithSecretCredentials() override { grpc_server_credentials_release(creds_); }

  // The shared-secret processor is fixed.
  void SetAuthMetadataProcessor(const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {}

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    return grpc_server_add_http2_port(server, addr.c_str(), creds_);
  }

  grpc_server_credentials* const creds_;
};

// The same check for TLS ports, through the C++ API.
class SecretProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit SecretProcessor(const std::string& secret) : digest_(crypto::Sha256(secret)) {}
  bool IsBlocking() const override { return false; }  // one hash: run inline
  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* /*context*/,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* /*response_metadata*/) override {
    auto range = auth_metadata.equal_range(kCredentialMetadataKey);
    for (auto it = range.first; it != range.second; ++it) {
      std::string_view value(it->second.data(), it->second.size());
      if (CredentialMatches(value, digest_)) {
        consumed_auth_metadata->emplace(kCredentialMetadataKey, std::string(value));
        return grpc::Status::OK;
      }
    }
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, kUnauthenticated);
  }

 private:
  const std::string digest_;
};

class CredentialInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit CredentialInterceptor(std::shared_ptr<const std::string> value)
      : value_(std::move(value)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kCredentialMetadataKey, *value_);
    }
    methods->Proceed();
  }

 private:
  const std::shared_ptr<const std::string> value_;
};

class CredentialInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit CredentialInterceptorFactory(const std::string& secret)
      : value_(std::make_shared<const std::string>(kCredentialScheme + secret)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new CredentialInterceptor(value_);
  }

 private:
  const std::shared_ptr<const std::string> value_;
};

}  // namespace

void AddServerSecurityFlags(flags::FlagTable* table, SecurityFlags* out) {
  table->String("grpc-tls-cert", "FILE", "MCP_GRPC_TLS_CERT",
                "TLS certificate (PEM) of the gRPC port; TLS there always requires client "
                "certificates",
                "", &out->tls_cert_file);
  table->String("grpc-tls-key", "FILE", "MCP_GRPC_TLS_KEY", "its private key (PEM)", "",
                &out->tls_key_file);
  table->String("grpc-tls-client-ca", "FILE", "MCP_GRPC_TLS_CLIENT_CA",
                "CA (PEM) that must have signed the callers' client certificates", "",
                &out->tls_client_ca_file);
  AddSharedSecretFlag(table, out);
}

void AddClientSecurityFlags(flags::FlagTable* table, SecurityFlags* out) {
  table->String("grpc-server-ca", "FILE", "MCP_GRPC_SERVER_CA",
                "call the targets over TLS, verifying them with this CA (PEM)", "",
                &out->server_ca_file);
  table->String("grpc-client-cert", "FILE", "MCP_GRPC_CLIENT_CERT",
                "client certificate (PEM) for targets requiring one", "", &out->client_cert_file);
  table->String("grpc-client-key", "FILE", "MCP_GRPC_CLIENT_KEY", "its private key (PEM)", "",
                &out->client_key_file);
  AddSharedSecretFlag(table, out);
}

absl::StatusOr<ServerSecurity> ReadServerSecurity(const SecurityFlags& flags,
                                                  const GetEnvFunction& getenv) {
  ServerSecurity security;
  for (auto [path, flag, out] :
       {std::tuple{&flags.tls_cert_file, "grpc-tls-cert", &security.tls_cert_pem},
        std::tuple{&flags.tls_key_file, "grpc-tls-key", &security.tls_key_pem},
        std::tuple{&flags.tls_client_ca_file, "grpc-tls-client-ca", &security.client_ca_pem}}) {
    if (absl::Status s = ReadPem(*path, flag, out); !s.ok()) return s;
  }
  bool any_tls = !security.tls_cert_pem.empty() || !security.tls_key_pem.empty() ||
                 !security.client_ca_pem.empty();
  bool all_tls = !security.tls_cert_pem.empty() && !security.tls_key_pem.empty() &&
                 !security.client_ca_pem.empty();
  if (any_tls && !all_tls) {
    return absl::InvalidArgumentError(
        "--grpc-tls-cert, --grpc-tls-key and --grpc-tls-client-ca go together (TLS on the "
        "gRPC port always requires client certificates)");
  }
  auto secret = ReadSharedSecret(flags, getenv);
  if (!secret.ok()) return secret.status();
  security.shared_secret = *std::move(secret);
  return security;
}

absl::StatusOr<ClientSecurity> ReadClientSecurity(const SecurityFlags& flags,
                                                  const GetEnvFunction& getenv) {
  ClientSecurity security;
  for (auto [path, flag, out] :
       {std::tuple{&flags.server_ca_file, "grpc-server-ca", &security.server_ca_pem},
        std::tuple{&flags.client_cert_file, "grpc-client-cert", &security.client_cert_pem},
        std::tuple{&flags.client_key_file, "grpc-client-key", &security.client_key_pem}}) {
    if (absl::Status s = ReadPem(*path, flag, out); !s.ok()) return s;
  }
  if (security.client_cert_pem.empty() != security.client_key_pem.empty()) {
    return absl::InvalidArgumentError("--grpc-client-cert and --grpc-client-key go together");
  }
  if (!security.client_cert_pem.empty() && security.server_ca_pem.empty()) {
    return absl::InvalidArgumentError(
        "--grpc-client-cert needs --grpc-server-ca (client certificates are sent over TLS)");
  }
  auto secret = ReadSharedSecret(flags, getenv);
  if (!secret.ok()) return secret.status();
  security.shared_secret = *std::move(secret);
  return security;
}

bool IsLoopbackListenAddress(const std::string& address) {
  if (absl::StartsWith(address, "unix:") || absl::StartsWith(address, "unix-abstract:")) {
    return true;
  }
  std::string host;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string::npos) return false;
    host = address.substr(1, close - 1);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string::npos || address.find(':') != colon) return false;
    host = address.substr(0, colon);
  }
  if (host == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const std::string& address, const ServerSecurity& security) {
  if (!security.protected_port() && !IsLoopbackListenAddress(address)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve gRPC on ", address,
        " without protection: it is not a loopback address. Configure TLS with client "
        "certificates (--grpc-tls-cert, --grpc-tls-key, --grpc-tls-client-ca) and/or a shared "
        "credential (--grpc-shared-secret-file or MCP_GRPC_SHARED_SECRET), or listen on "
        "127.0.0.1"));
  }
  if (security.tls()) {
    grpc::SslServerCredentialsOptions options(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = security.client_ca_pem;
    options.pem_key_cert_pairs.push_back({security.tls_key_pem, security.tls_cert_pem});
    std::shared_ptr<grpc::ServerCredentials> creds = grpc::SslServerCredentials(options);
    if (!security.shared_secret.empty()) {
      creds->SetAuthMetadataProcessor(std::make_shared<SecretProcessor>(security.shared_secret));
    }
    return creds;
  }
  if (!security.shared_secret.empty()) {
    return std::shared_ptr<grpc::ServerCredentials>(
        std::make_shared<PlaintextWithSecretCredentials>(security.shared_secret));
  }
  return grpc::InsecureServerCredentials();
}

std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target,
                                             const ClientSecurity& security) {
  return CreateChannel(target, security, 0);
}

std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target,
                                             const ClientSecurity& security,
                                             int max_reconnect_backoff_ms) {
  grpc::ChannelArguments arguments;
  if (max_reconnect_backoff_ms > 0) {
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_reconnect_backoff_ms);
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                     std::min(1000, max_reconnect_backoff_ms));
  }
  return CreateChannel(target, security, arguments);
}

std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target,
                                             const ClientSecurity& security,
                                             const grpc::ChannelArguments& arguments) {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!security.server_ca_pem.empty()) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = security.server_ca_pem;
    options.pem_private_key = security.client_key_pem;
    options.pem_cert_chain = security.client_cert_pem;
    creds = grpc::SslCredentials(options);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  if (security.shared_secret.empty()) return grpc::CreateCustomChannel(target, creds, arguments);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CredentialInterceptorFactory>(security.shared_secret));
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, creds, arguments,
                                                                 std::move(factories));
}

}  // namespace mcp_oauth::grpc_security
