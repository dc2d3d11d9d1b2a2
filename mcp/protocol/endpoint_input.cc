// 2025 sessions: the endpoint adapts a tool's input-required answer (MCP
// 2026-07-28 multi round-trip requests) to server-to-client requests. Each
// input request goes to the client as a JSON-RPC request (server-generated
// id) on the tools/call POST's SSE stream; the client's responses arrive as
// separate POSTs (DeliverInput); once all are in, the tool is called again
// with input_responses and request_state. Bounded: kMaxInputRounds rounds,
// each wait at most the tool call timeout; notifications/cancelled ends it.
#include <thread>

#include "absl/synchronization/notification.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"
#include "mcp/protocol/stateless_era.h"

namespace mcp_oauth::mcp {

struct InputRound {
  json call_id;
  CallToolRequest request;  // the next round's, answers filled in as they come
  std::string request_id;
  Reply reply;
  std::shared_ptr<PostResponder> post;
  int round = 0;
  // Guarded by McpEndpoint::Impl::mu_.
  std::map<std::string, std::string> keys;  // dumped server request id -> input key
  bool ended = false;
  absl::Notification done;
};

namespace {

constexpr int kMaxInputRounds = 8;

}  // namespace

void McpEndpoint::Impl::AskForInput(const std::shared_ptr<Session>& session, const json& id,
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
    absl::MutexLock lock(&mu_);
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
  std::weak_ptr<Impl> weak_self = weak_from_this();
  std::thread([weak_self, session, pending, timeout = options_.tool_call_timeout] {
    if (pending->done.WaitForNotificationWithTimeout(timeout)) return;
    if (auto self = weak_self.lock()) {
      self->EndInput(
          session, pending,
          RpcError(
              pending->call_id, kInternalError,
              "Internal error: timed out waiting for the client's answer to the tool's request"));
    }
  }).detach();
}

bool McpEndpoint::Impl::EndInput(const std::shared_ptr<Session>& session,
                                 const std::shared_ptr<InputRound>& round,
                                 std::optional<json> error) {
  {
    absl::MutexLock lock(&mu_);
    if (round->ended) return false;
    round->ended = true;
    for (const auto& [server_id, key] : round->keys) session->awaiting_input.erase(server_id);
    round->keys.clear();
  }
  round->done.Notify();
  if (error) round->reply(std::move(*error));
  return true;
}

void McpEndpoint::Impl::DeliverInput(const std::shared_ptr<Session>& session, const json& message) {
  const std::string server_id = message["id"].dump();
  std::shared_ptr<InputRound> round;
  std::optional<json> error;
  bool complete = false;
  {
    absl::MutexLock lock(&mu_);
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
  CallToolRound(session, round->call_id, std::move(round->request), std::move(arguments),
                round->request_id, round->reply, round->post, round->round);
}

void McpEndpoint::Impl::CancelInput(const std::shared_ptr<Session>& session, const json& call_id) {
  std::shared_ptr<InputRound> round;
  {
    absl::MutexLock lock(&mu_);
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
