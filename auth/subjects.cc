#include "auth/subjects.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mcp_oauth::auth {

std::string MachineSubject(std::string_view client_id) {
  return absl::StrCat(kMachineSubjectPrefix, absl::string_view(client_id.data(), client_id.size()));
}

SubjectDirectory::SubjectDirectory(const AuthOptions& options) {
  for (const UserConfig& user : options.users) {
    local_subjects_.insert(user.subject.empty() ? user.username : user.subject);
  }
  for (const ClientConfig& client : options.clients) {
    if (std::find(client.grant_types.begin(), client.grant_types.end(), "client_credentials") !=
        client.grant_types.end()) {
      machine_clients_.insert(client.client_id);
    }
  }
  // Upstream subjects exist while their provider is configured.
  for (const IdentityProviderConfig& provider : options.identity_providers) {
    AddProvider(provider.id);
  }
}

void SubjectDirectory::AddProvider(const std::string& provider_id, UpstreamCheck check) {
  providers_[provider_id] = std::move(check);
}

bool SubjectDirectory::Exists(std::string_view subject) const {
  absl::string_view s(subject.data(), subject.size());
  if (local_subjects_.contains(s)) return true;
  if (absl::ConsumePrefix(&s, kMachineSubjectPrefix)) return machine_clients_.contains(s);
  size_t colon = s.find(':');
  if (colon == absl::string_view::npos) return false;
  auto provider = providers_.find(s.substr(0, colon));
  if (provider == providers_.end()) return false;
  absl::string_view upstream = s.substr(colon + 1);
  return !provider->second || provider->second(std::string_view(upstream.data(), upstream.size()));
}

}  // namespace mcp_oauth::auth
