// SessionToolCalls (session_tool_calls.h): a 2025 session's tools/call, its
// tracking for notifications/cancelled and its rounds of input requests.
#include "mcp/protocol/session_tool_calls.h"

#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"
#include "mcp/protocol/stateless_era.h"

namespace mcp_oauth::mcp {

// A tools/call waiting for the client's answers to the input requests its
// tool asked for.
struct InputRound {
  json call_id;
  CallToolRequest request;  // the next round's, answers filled in as they come
  std::string request_id;
  Reply reply;
  std::shared_ptr<PostResponder> post;
  int round = 0;
  // Guarded by the endpoint's mutex (SessionToolCalls::mu_).
  std::map<std::string, std::string> keys;  // dumped server request id -> input key
  bool ended = false;
  absl::Notification done;
};

namespace {

constexpr int kMaxInputRounds = 8;

}  // namespace

SessionToolCalls::SessionToolCalls(const ToolCallRunner* runner, absl::Mutex* mu,
                                   absl::Duration input_timeout)
    : runner_(runner), mu_(mu), input_timeout_(input_timeout) {}

bool SessionToolCalls::Track(const std::shared_ptr<Session>& session, const json& id,
                             const std::shared_ptr<client::Cancellation>& call,
                             const Reply& reply) {
  bool ended = false;
  bool duplicate = false;
  {
    absl::MutexLock lock(mu_);
    ended = session->ended;
    duplicate = !ended && !session->in_flight.emplace(id.dump(), call).second;
  }
  if (ended) {
    reply(RpcError(id, kInternalError, "Internal error: session ended"));
    return false;
  }
  if (duplicate) {
    reply(RpcError(id, kInvalidRequest,
                   "Invalid Request: a request with this id is already in progress"));
    return false;
  }
  return true;
}

void SessionToolCalls::Untrack(const std::shared_ptr<Session>& session, const std::string& key,
                               const std::shared_ptr<client::Cancellation>& call) {
  absl::MutexLock lock(mu_);
  auto it = session->in_flight.find(key);
  if (it != session->in_flight.end() && it->second == call) session->in_flight.erase(it);
}

void SessionToolCalls::Call(const std::weak_ptr<const void>& owner,
                            const std::shared_ptr<Session>& session, const json& id,
                            const json& params, const Principal& principal,
                            const std::string& request_id, Reply reply,
                            std::shared_ptr<PostResponder> post) {
  CallToolRequest request;
  const json* arguments = nullptr;
  if (std::optional<json> error = runner_->Read(id, params, principal, &request, &arguments)) {
    reply(*std::move(error));
    return;
  }
  // Events when the client asked for them: a progressToken, or a logging
  // level the session set.
  ToolCallEvents events;
  events.progress_token = ProgressTokenOf(params);
  json client_capabilities;
  {
    absl::MutexLock lock(mu_);
    client_capabilities = session->client_capabilities;
    if (session->log_level_set) events.min_log_level = session->log_level;
  }
  if (absl::StatusOr<google::protobuf::Struct> caps = JsonToStruct(client_capabilities);
      caps.ok()) {
    request.mutable_client_capabilities()->Swap(&*caps);
  }
  Round(owner, session, id, std::move(request), *arguments, request_id, std::move(reply),
        std::move(post), 0, events);
}

void SessionToolCalls::Round(const std::weak_ptr<const void>& owner,
                             const std::shared_ptr<Session>& session, const json& id,
                             CallToolRequest request, json arguments, const std::string& request_id,
                             Reply reply, std::shared_ptr<PostResponder> post, int round,
                             const ToolCallEvents& events) {
  auto call = std::make_shared<client::Cancellation>();
  if (!Track(session, id, call, reply)) return;
  // Kept for the next round when the tool asks for input.
  struct Kept {
    CallToolRequest request;
    json arguments;
  };
  auto kept = std::make_shared<Kept>(Kept{std::move(request), std::move(arguments)});
  runner_->Run(
      kept->request, kept->arguments, events, runner_->Options(request_id, call), post,
      [this, owner, session, key = id.dump(), call, kept, id, request_id, reply = std::move(reply),
       post, round](const grpc::Status& status, client::ToolClient::JsonResult* result) {
        // `this` lives as long as its owner.
        auto alive = owner.lock();
        if (alive) Untrack(session, key, call);
        if (status.ok() && result->response.has_input_required()) {
          if (!alive) {
            reply(RpcError(id, kInternalError, "Internal error: server shutting down"));
            return;
          }
          // Later rounds are unary: their events are not streamed. The
          // round keeps the arguments in the request (converted once:
          // Read checked that they convert).
          CallToolRequest next = std::move(kept->request);
          if (absl::StatusOr<google::protobuf::Struct> args = JsonToStruct(kept->arguments);
              args.ok()) {
            next.mutable_arguments()->Swap(&*args);
          }
          AskForInput(owner, session, id, std::move(next), result->response.input_required(),
                      request_id, reply, post, round);
          return;
        }
        reply(ToolCallRunner::Answer(id, ProtocolEra::kSessions, status, result,
                                     kept->request.name(), json()));
      });
}

void SessionToolCalls::AskForInput(const std::weak_ptr<const void>& owner,
                                   const std::shared_ptr<Session>& session, const json& id,
                                   CallToolRequest request,
                                   const mcp_oauth::tools::v1::InputRequired& required,
                                   const std::string& request_id, Reply reply,
                                   std::shared_ptr<PostResponder> post, int round) {
  if (post == nullptr) {
    reply(RpcError(id, kInvalidRequest,
                   "Invalid Request: this tool asks the client for input, which a batched "
                   "tools/call cannot do"));
    return;
  }
  if (round + 1 >= kMaxInputRounds) {
    reply(RpcError(id, kInternalError, "Internal error: the tool asked for input too many times"));
    return;
  }
  if (required.input_requests().empty()) {
    reply(RpcError(id, kInternalError, "Internal error"));
    return;
  }
  auto pending = std::make_shared<InputRound>();
  pending->call_id = id;
  pending->request_id = request_id;
  pending->reply = std::move(reply);
  pending->post = post;
  pending->round = round + 1;
  pending->request = std::move(request);
  pending->request.clear_input_responses();
  pending->request.set_request_state(required.request_state());

  json missing = json::object();
  std::vector<std::string> messages;
  bool ended = false;
  {
    absl::MutexLock lock(mu_);
    for (const auto& [key, input] : required.input_requests()) {
      const std::string capability = CapabilityFor(input.method());
      if (!capability.empty() && !session->client_capabilities.contains(capability)) {
        missing[capability] = json::object();
      }
    }
    ended = session->ended;
    if (!ended && missing.empty()) {
      for (const auto& [key, input] : required.input_requests()) {
        const json server_id = session->next_server_request_id++;
        pending->keys[server_id.dump()] = key;
        session->awaiting_input[server_id.dump()] = pending;
        messages.push_back(DumpJson(json{{"jsonrpc", "2.0"},
                                         {"id", server_id},
                                         {"method", input.method()},
                                         {"params", StructToJson(input.params())}}));
      }
    }
  }
  if (!missing.empty()) {
    json error = RpcError(
        id, kMissingClientCapability,
        "Missing required client capability: the tool needs " +
            absl::StrJoin(missing.items(), ", ",
                          [](std::string* out, const auto& item) { out->append(item.key()); }) +
            ", which the client did not declare in initialize");
    error["error"]["data"] = {{"requiredCapabilities", std::move(missing)}};
    pending->reply(std::move(error));
    return;
  }
  if (ended) {
    pending->reply(RpcError(id, kInternalError, "Internal error: session ended"));
    return;
  }
  for (const std::string& message : messages) {
    if (!post->Send(message)) {
      EndInput(session, pending,
               RpcError(id, kInternalError, "Internal error: the client went away"));
      return;
    }
  }
  std::thread([this, owner, session, pending, timeout = input_timeout_] {
    if (pending->done.WaitForNotificationWithTimeout(timeout)) return;
    if (auto alive = owner.lock()) {
      EndInput(
          session, pending,
          RpcError(
              pending->call_id, kInternalError,
              "Internal error: timed out waiting for the client's answer to the tool's request"));
    }
  }).detach();
}

bool SessionToolCalls::EndInput(const std::shared_ptr<Session>& session,
                                const std::shared_ptr<InputRound>& round,
                                std::optional<json> error) {
  {
    absl::MutexLock lock(mu_);
    if (round->ended) return false;
    round->ended = true;
    for (const auto& [server_id, key] : round->keys) session->awaiting_input.erase(server_id);
    round->keys.clear();
  }
  round->done.Notify();
  if (error) round->reply(std::move(*error));
  return true;
}

void SessionToolCalls::Deliver(const std::weak_ptr<const void>& owner,
                               const std::shared_ptr<Session>& session, const json& message) {
  const std::string server_id = message["id"].dump();
  std::shared_ptr<InputRound> round;
  std::optional<json> error;
  bool complete = false;
  {
    absl::MutexLock lock(mu_);
    auto it = session->awaiting_input.find(server_id);
    if (it == session->awaiting_input.end()) return;  // not ours, or answered already
    round = it->second;
    session->awaiting_input.erase(it);
    auto key = round->keys.find(server_id);
    if (round->ended || key == round->keys.end()) return;
    const json* result = message.contains("result") ? &message["result"] : nullptr;
    absl::StatusOr<google::protobuf::Struct> answer =
        result != nullptr && result->is_object() ? JsonToStruct(*result)
                                                 : absl::InvalidArgumentError("no result object");
    if (answer.ok()) {
      (*round->request.mutable_input_responses())[key->second] = *std::move(answer);
      round->keys.erase(key);
      complete = round->keys.empty();
    } else if (message.contains("error")) {
      const json& e = message["error"];
      const std::string detail = e.is_object() ? e.value("message", std::string()) : std::string();
      error = RpcError(round->call_id, kInternalError,
                       "Internal error: the client refused the tool's request" +
                           (detail.empty() ? std::string() : ": " + detail));
    } else {
      error = RpcError(
          round->call_id, kInternalError,
          "Internal error: the client's answer to the tool's request is not a result object");
    }
  }
  if (error) {
    EndInput(session, round, std::move(error));
    return;
  }
  if (!complete || !EndInput(session, round, std::nullopt)) return;
  json arguments =
      round->request.has_arguments() ? StructToJson(round->request.arguments()) : json::object();
  round->request.clear_arguments();
  Round(owner, session, round->call_id, std::move(round->request), std::move(arguments),
        round->request_id, round->reply, round->post, round->round);
}

void SessionToolCalls::Cancel(const std::shared_ptr<Session>& session, const json& call_id) {
  std::shared_ptr<client::Cancellation> call;
  {
    absl::MutexLock lock(mu_);
    auto it = session->in_flight.find(call_id.dump());
    if (it != session->in_flight.end()) call = it->second;
  }
  if (call) {
    call->Cancel();
    return;
  }
  // Not running: maybe waiting for the client's input.
  std::shared_ptr<InputRound> round;
  {
    absl::MutexLock lock(mu_);
    for (const auto& [server_id, pending] : session->awaiting_input) {
      if (pending->call_id == call_id) {
        round = pending;
        break;
      }
    }
  }
  if (round) EndInput(session, round, RpcError(call_id, kInternalError, "Request cancelled"));
}

}  // namespace mcp_oauth::mcp
