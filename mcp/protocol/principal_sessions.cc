#include "mcp/protocol/principal_sessions.h"

#include <algorithm>

namespace mcp_oauth::mcp {

size_t PrincipalSessions::CountLive(const std::string& principal, const IsLive& is_live) {
  auto it = by_principal_.find(principal);
  if (it == by_principal_.end()) return 0;
  std::vector<std::weak_ptr<Session>>& sessions = it->second;
  sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                [&](const std::weak_ptr<Session>& weak) {
                                  std::shared_ptr<Session> session = weak.lock();
                                  return session == nullptr || !is_live(*session);
                                }),
                 sessions.end());
  size_t live = sessions.size();
  if (live == 0) by_principal_.erase(it);
  return live;
}

void PrincipalSessions::Add(const std::string& principal, const std::shared_ptr<Session>& session) {
  by_principal_[principal].push_back(session);
  if (by_principal_.size() >= sweep_at_) {
    SweepExpired();
    sweep_at_ = std::max<size_t>(64, 2 * by_principal_.size());
  }
}

void PrincipalSessions::SweepExpired() {
  for (auto it = by_principal_.begin(); it != by_principal_.end();) {
    auto& sessions = it->second;
    sessions.erase(
        std::remove_if(sessions.begin(), sessions.end(),
                       [](const std::weak_ptr<Session>& weak) { return weak.expired(); }),
        sessions.end());
    if (sessions.empty()) {
      by_principal_.erase(it++);
    } else {
      ++it;
    }
  }
}

}  // namespace mcp_oauth::mcp
