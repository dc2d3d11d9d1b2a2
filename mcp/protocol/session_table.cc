#include "mcp/protocol/session_table.h"

#include <iterator>
#include <utility>

namespace mcp_oauth::mcp {

bool SessionTable::HasActiveStream(const Session& session) {
  for (const auto& channel : session.channels) {
    if (channel->active()) return true;
  }
  return false;
}

std::shared_ptr<SseChannel> SessionTable::NewestOpenStream(const Session& session) {
  for (auto c = session.channels.rbegin(); c != session.channels.rend(); ++c) {
    if ((*c)->active()) return *c;
  }
  return nullptr;
}

bool SessionTable::IsLive(const Session& session, absl::Time now) const {
  return !session.ended && now - session.created <= limits_.max_lifetime &&
         (now - session.last_seen <= limits_.idle_timeout || HasActiveStream(session));
}

SessionTable::Admission SessionTable::Add(std::shared_ptr<Session> session,
                                          const std::string& binding, absl::Time now,
                                          Cleanup* cleanup) {
  if (sessions_.size() >= limits_.max_sessions) MaybeSweep(now, /*force=*/true, cleanup);
  if (sessions_.size() >= limits_.max_sessions) return Admission::kFull;
  // Live as LiveCount counts them: ended, expired and idle sessions free
  // their place.
  if (limits_.max_per_principal > 0 && by_principal_.CountLive(binding, [&](const Session& s) {
        return IsLive(s, now);
      }) >= static_cast<size_t>(limits_.max_per_principal)) {
    return Admission::kOverPrincipalCap;
  }
  by_principal_.Add(binding, session);
  const std::string id = session->id;
  sessions_[id] = std::move(session);
  return Admission::kAdded;
}

std::shared_ptr<Session> SessionTable::Use(const std::string& id, const Principal& principal,
                                           absl::Time now, Cleanup* cleanup, bool* known) {
  MaybeSweep(now, /*force=*/false, cleanup);
  auto it = sessions_.find(id);
  *known = it != sessions_.end();
  if (!*known) return nullptr;
  return UseLocked(*it->second, principal, now, cleanup) ? it->second : nullptr;
}

std::shared_ptr<Session> SessionTable::Adopt(const std::string& id, const Principal& principal,
                                             const std::string& protocol_version,
                                             absl::Time created, absl::Time now, Cleanup* cleanup) {
  auto [it, inserted] = sessions_.try_emplace(id);
  if (!inserted) return UseLocked(*it->second, principal, now, cleanup) ? it->second : nullptr;
  auto session = std::make_shared<Session>();
  session->id = id;
  session->subject = principal.subject;
  session->client_id = principal.client_id;
  session->protocol_version = protocol_version;
  session->created = created;
  session->last_seen = now;
  it->second = session;
  return session;
}

std::shared_ptr<Session> SessionTable::Find(const std::string& id) const {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second->ended) return nullptr;
  return it->second;
}

size_t SessionTable::LiveCount(absl::Time now) const {
  size_t count = 0;
  for (const auto& [id, session] : sessions_) count += IsLive(*session, now) ? 1 : 0;
  return count;
}

bool SessionTable::AnyActiveStream() const {
  for (const auto& [id, session] : sessions_) {
    if (!session->ended && HasActiveStream(*session)) return true;
  }
  return false;
}

void SessionTable::End(Session& session, Cleanup* cleanup) {
  session.ended = true;
  for (auto& channel : session.channels) cleanup->channels.push_back(channel);
  session.channels.clear();
  for (auto& [key, context] : session.in_flight) cleanup->calls.push_back(context);
  session.in_flight.clear();
}

void SessionTable::EndAll(Cleanup* cleanup) {
  for (auto& [id, session] : sessions_) {
    if (!session->ended) End(*session, cleanup);
  }
}

bool SessionTable::UseLocked(Session& session, const Principal& principal, absl::Time now,
                             Cleanup* cleanup) {
  if (session.ended || session.subject != principal.subject ||
      session.client_id != principal.client_id || now - session.created > limits_.max_lifetime) {
    return false;
  }
  if (now - session.last_seen > limits_.idle_timeout && !HasActiveStream(session)) {
    End(session, cleanup);
    return false;
  }
  session.last_seen = now;
  return true;
}

void SessionTable::MaybeSweep(absl::Time now, bool force, Cleanup* cleanup) {
  if (!force && now - last_sweep_ < absl::Minutes(1)) return;
  last_sweep_ = now;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    Session& session = *it->second;
    const bool too_old = now - session.created > limits_.max_lifetime;
    if (session.ended) {
      // Tombstones are kept until the id itself expires, unless the table is
      // full (`force`): churning sessions (initialize, DELETE, repeat) must
      // not lock everyone out until the tombstones expire.
      it = too_old || force ? sessions_.erase(it) : std::next(it);
      continue;
    }
    if (HasActiveStream(session)) session.last_seen = now;
    if (too_old || now - session.last_seen > limits_.idle_timeout) End(session, cleanup);
    ++it;
  }
}

}  // namespace mcp_oauth::mcp
