#include "auth/config_summary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace mcp_oauth::auth {

std::string DescribeAuthOptions(const AuthOptions& options) {
  std::string out;
  absl::StrAppend(&out, "issuer: ", options.issuer(), "\n");
  absl::StrAppend(&out, "resource: ", options.canonical_resource(), "\n");
  absl::StrAppend(&out, "scopes: ", absl::StrJoin(options.scopes_supported, " "), " (default ",
                  options.default_scope, ")\n");
  absl::StrAppend(&out, "clients: ", options.clients.size(), "\n");
  for (const ClientConfig& client : options.clients) {
    absl::StrAppend(&out, "  ", client.client_id);
    if (client.client_name != client.client_id)
      absl::StrAppend(&out, " (", client.client_name, ")");
    absl::StrAppend(&out, ": ", client.is_public() ? "public" : "confidential", ", ",
                    client.token_endpoint_auth_method, "; grants ",
                    absl::StrJoin(client.grant_types, " "), "; scopes ",
                    absl::StrJoin(client.allowed_scopes, " "),
                    client.introspect_any_token ? "; introspects any token" : "", "\n");
    for (const std::string& uri : client.redirect_uris) {
      absl::StrAppend(&out, "    redirect_uri ", uri, "\n");
    }
  }
  absl::StrAppend(&out, "users: ", options.users.size(), "\n");
  for (const UserConfig& user : options.users) {
    absl::StrAppend(&out, "  ", user.username);
    if (user.subject != user.username) absl::StrAppend(&out, " (subject ", user.subject, ")");
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "identity providers: ", options.identity_providers.size(), "\n");
  for (const IdentityProviderConfig& p : options.identity_providers) {
    absl::StrAppend(&out, "  ", p.id, " (", p.display_name, "): issuer ", p.issuer, ", client ",
                    p.client_id, ", scopes ", absl::StrJoin(p.scopes, " "), ", username from ",
                    p.username_claim, "\n");
    if (!p.allowed_email_domains.empty()) {
      absl::StrAppend(
          &out, "    allowed email domains: ", absl::StrJoin(p.allowed_email_domains, " "), "\n");
    }
    for (const auto& [claim, value] : p.required_claims) {
      absl::StrAppend(&out, "    requires ", claim, " = ", value, "\n");
    }
  }
  absl::StrAppend(&out, "tool backends: ", options.tool_backends.size(), "\n");
  for (const ToolBackendFileConfig& b : options.tool_backends) {
    absl::StrAppend(&out, "  ", b.name, ": ", b.target);
    if (!b.prefix.empty()) absl::StrAppend(&out, ", prefix ", b.prefix);
    if (b.server_ca_file.empty()) {
      absl::StrAppend(&out, ", plaintext");
    } else {
      absl::StrAppend(&out, ", TLS (CA ", b.server_ca_file, ")");
    }
    if (!b.client_cert_file.empty()) {
      absl::StrAppend(&out, ", client certificate ", b.client_cert_file);
    }
    if (!b.shared_secret_file.empty()) {
      absl::StrAppend(&out, ", shared secret from ", b.shared_secret_file);
    }
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "lifetimes: access token ", absl::FormatDuration(options.access_token_ttl),
                  ", refresh token ", absl::FormatDuration(options.refresh_token_ttl), ", code ",
                  absl::FormatDuration(options.code_ttl), ", pending authorization ",
                  absl::FormatDuration(options.pending_authorization_ttl), "\n");
  if (options.using_demo_user) {
    absl::StrAppend(&out, "warning: no users configured: the demo user ",
                    options.users.empty() ? "" : options.users[0].username,
                    " with its well-known password is enabled\n");
  }
  if (options.using_default_client_secret) {
    absl::StrAppend(&out, "warning: the static client uses the well-known default secret\n");
  }
  return out;
}

}  // namespace mcp_oauth::auth
