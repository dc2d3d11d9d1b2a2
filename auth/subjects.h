// SubjectDirectory: whether the subject of a grant still exists, so that the
// tokens of a removed user, client or identity provider stop working (see
// AuthorizationServer: refresh, validation and introspection revoke the
// grant of a subject that is gone).
//
// Subjects come in three kinds, each answered by its own source:
//   - local users (the config's `users`): their `subject`, while configured;
//   - machine identities "client:<client_id>" (client_credentials tokens),
//     while that client is configured and may use client_credentials;
//   - "<provider id>:<upstream sub>" of an upstream identity provider, while
//     that provider is registered with AddProvider (and its check, if any,
//     accepts the upstream subject).
// Local users are looked up first; anything no source claims is gone, so a
// subject whose provider was removed from the config is gone too.
//
// Built once at startup and then only read: Exists is thread safe, AddProvider
// must be called before the directory is shared.
#ifndef MCP_OAUTH_AUTH_SUBJECTS_H_
#define MCP_OAUTH_AUTH_SUBJECTS_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "auth/options.h"

namespace mcp_oauth::auth {

// Prefix of machine subjects; user names and user subjects may not use it.
inline constexpr char kMachineSubjectPrefix[] = "client:";

// Returns the subject of the client_credentials tokens of `client_id`.
std::string MachineSubject(std::string_view client_id);

class SubjectDirectory {
 public:
  // Whether an upstream subject (the part after "<provider id>:") is still
  // admitted by its provider.
  using UpstreamCheck = std::function<bool(std::string_view upstream_subject)>;

  // Local users and machine identities from `options`.
  explicit SubjectDirectory(const AuthOptions& options);

  // Claims the subjects "<provider_id>:..." for a configured identity
  // provider; without `check` every upstream subject of it exists. The id
  // "client" is taken by machine identities.
  void AddProvider(const std::string& provider_id, UpstreamCheck check = nullptr);

  // True while `subject` names someone who may hold tokens.
  bool Exists(std::string_view subject) const;

 private:
  absl::flat_hash_set<std::string> local_subjects_;
  // Client ids that may use client_credentials.
  absl::flat_hash_set<std::string> machine_clients_;
  absl::flat_hash_map<std::string, UpstreamCheck> providers_;
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_SUBJECTS_H_
