#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"

namespace mcp_oauth::mcp {

bool McpEndpoint::Impl::CheckVersionHeader(const McpRequest& request, McpResponse* error) const {
  std::string joined;
  const std::string_view version =
      request.headers.GetView("mcp-protocol-version", &joined).value_or(kMissingHeaderVersion);
  if (IsSessionVersion(version)) return true;
  *error = HttpError(400, kTransportError,
                     absl::StrCat("Bad Request: Unsupported protocol version (supported versions: ",
                                  absl::StrJoin(SessionVersions(), ", "), ")"));
  return false;
}
std::shared_ptr<Session> McpEndpoint::Impl::RequireSession(const McpRequest& request,
                                                           McpResponse* error) {
  std::optional<std::string> id = request.headers.Get("mcp-session-id");
  if (!id || id->empty()) {
    *error = HttpError(400, kTransportError, "Bad Request: Mcp-Session-Id header is required");
    return nullptr;
  }
  std::shared_ptr<Session> session = LookupSession(*id, request.principal);
  if (session == nullptr) *error = HttpError(404, kSessionNotFound, "Session not found");
  return session;
}
std::shared_ptr<Session> McpEndpoint::Impl::LookupSession(const std::string& id,
                                                          const Principal& principal) {
  const absl::Time now = Now();
  Cleanup cleanup;
  std::shared_ptr<Session> result;
  bool known = false;
  {
    // The table holds only ids minted or verified here, by their exact
    // (canonical) spelling: a known id needs no MAC check, only the checks
    // of its principal, lifetime and idleness.
    absl::MutexLock lock(&mu_);
    result = sessions_.Use(id, principal, now, &cleanup, &known);
  }
  cleanup.Run();
  if (known) return result;

  absl::StatusOr<SessionClaims> claims = codec_.Verify(id);
  if (!claims.ok()) return nullptr;
  if (!crypto::ConstantTimeEquals(
          claims->binding, SessionIdCodec::Binding(principal.subject, principal.client_id))) {
    return nullptr;
  }
  if (now - claims->created > options_.session_max_lifetime ||
      !IsSessionVersion(claims->protocol_version)) {
    return nullptr;
  }
  {
    absl::MutexLock lock(&mu_);
    result =
        sessions_.Adopt(id, principal, claims->protocol_version, claims->created, now, &cleanup);
  }
  cleanup.Run();
  return result;
}
void McpEndpoint::Impl::HandleGet(const McpRequest& request,
                                  std::function<void(McpResponse)> done) {
  if (!AcceptsMediaType(request.headers.Get("accept").value_or(""), "text/event-stream")) {
    done(HttpError(406, kTransportError, "Not Acceptable: Client must accept text/event-stream"));
    return;
  }
  McpResponse error;
  if (!CheckVersionHeader(request, &error)) {
    done(std::move(error));
    return;
  }
  std::shared_ptr<Session> session = RequireSession(request, &error);
  if (session == nullptr) {
    done(std::move(error));
    return;
  }
  std::optional<std::pair<std::string, uint64_t>> resume;
  if (auto last = request.headers.Get("last-event-id")) resume = SseChannel::ParseEventId(*last);

  std::shared_ptr<EventStream> stream;
  {
    absl::MutexLock lock(&mu_);
    if (session->ended) {
      error = HttpError(404, kSessionNotFound, "Session not found");
    } else {
      std::shared_ptr<SseChannel> channel;
      if (resume) {
        for (const auto& c : session->channels) {
          if (c->id() == resume->first) channel = c;
        }
      }
      if (channel) {
        stream = channel->Connect(resume->second);
      } else {
        int active = 0;
        for (const auto& c : session->channels) active += c->active() ? 1 : 0;
        if (active >= options_.max_streams_per_session) {
          error = HttpError(429, kTransportError,
                            "Too Many Requests: too many open streams for this session");
        } else {
          // Forget the oldest finished channels beyond a small history.
          const size_t keep =
              static_cast<size_t>(std::max(1, options_.max_streams_per_session)) * 2;
          for (auto it = session->channels.begin();
               session->channels.size() >= keep && it != session->channels.end();) {
            it = (*it)->active() ? std::next(it) : session->channels.erase(it);
          }
          channel = std::make_shared<SseChannel>(crypto::HexEncode(crypto::RandomBytes(8)),
                                                 options_.max_replay_events,
                                                 SendsPrimingEvent(session->protocol_version));
          // Watches run only while some GET stream can carry what they see.
          channel->set_on_detach([weak_self = weak_from_this()] {
            if (auto self = weak_self.lock()) self->watches_.MaybeStop();
          });
          session->channels.push_back(channel);
          stream = channel->Connect(std::nullopt);
        }
      }
    }
  }
  if (!stream) {
    done(std::move(error));
    return;
  }
  watches_.Ensure(weak_from_this());  // list_changed and resource updates go to GET streams
  McpResponse response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "text/event-stream");
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.stream = std::move(stream);
  done(std::move(response));
}
void McpEndpoint::Impl::HandleDelete(const McpRequest& request,
                                     std::function<void(McpResponse)> done) {
  McpResponse error;
  if (!CheckVersionHeader(request, &error)) {
    done(std::move(error));
    return;
  }
  std::shared_ptr<Session> session = RequireSession(request, &error);
  if (session == nullptr) {
    done(std::move(error));
    return;
  }
  Cleanup cleanup;
  {
    absl::MutexLock lock(&mu_);
    SessionTable::End(*session, &cleanup);
  }
  cleanup.Run();
  McpResponse response;
  response.status = 200;
  done(std::move(response));
}
absl::Status McpEndpoint::Impl::SendToSession(const std::string& session_id, const json& message) {
  std::shared_ptr<SseChannel> target;
  {
    absl::MutexLock lock(&mu_);
    std::shared_ptr<Session> session = sessions_.Find(session_id);
    if (session == nullptr) return absl::NotFoundError("session not found");
    // The newest open stream; each message goes to exactly one stream.
    target = SessionTable::NewestOpenStream(*session);
  }
  if (!target) return absl::FailedPreconditionError("no open stream for this session");
  target->Send(DumpJson(message));
  return absl::OkStatus();
}
absl::StatusOr<std::string> McpEndpoint::Impl::SessionLogLevel(
    const std::string& session_id) const {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<Session> session = sessions_.Find(session_id);
  if (session == nullptr) return absl::NotFoundError("session not found");
  return session->log_level;
}
size_t McpEndpoint::Impl::ActiveSessionCount() const {
  const absl::Time now = Now();
  absl::ReaderMutexLock lock(&mu_);
  return sessions_.LiveCount(now);
}
void McpEndpoint::Impl::Shutdown() {
  if (tasks_ != nullptr) tasks_->Shutdown();
  Cleanup cleanup;
  {
    absl::MutexLock lock(&mu_);
    sessions_.EndAll(&cleanup);
  }
  cleanup.Run();
  watches_.Shutdown();
}

}  // namespace mcp_oauth::mcp
