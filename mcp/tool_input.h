// Multi round-trip requests (MCP 2026-07-28 "input required" results), tool
// side: what a tool returns when it needs input from the client (an
// elicitation, a sampling, the client's roots) and what it receives when the
// client calls it again with the answers.
//
// A tool that may ask for input uses a content_handler (see tool.h):
//
//   if (const json* answer = ctx.input().Response("user_name")) {
//     return ToolContent{{TextBlock("Hello, " +
//     answer->at("content").at("name").get<std::string>())}};
//   }
//   ToolContent out;
//   out.input_required.requests["user_name"] = ElicitationRequest("What is your name?", schema);
//   return out;
//
// ToolService seals InputRequired::state (HMAC, bound to the caller, the tool
// and its arguments, expiring) into the opaque requestState and verifies it
// on the next round, so ToolInput::state() is always a value this tool wrote
// for this call. The state is not encrypted: keep secrets out of it.
//
// Thread safe: immutable once built.
#ifndef MCP_OAUTH_MCP_TOOL_INPUT_H_
#define MCP_OAUTH_MCP_TOOL_INPUT_H_

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

namespace mcp_oauth::mcp {

// An MCP server-to-client request the client must fulfil, e.g.
// {"elicitation/create", {"message": ..., "requestedSchema": ...}}.
struct InputRequest {
  std::string method;
  nlohmann::json params = nlohmann::json::object();
};

// elicitation/create (form mode) with `requested_schema` (an object schema).
InputRequest ElicitationRequest(const std::string& message, nlohmann::json requested_schema);
// sampling/createMessage with one user text message.
InputRequest SamplingRequest(const std::string& prompt, int max_tokens);
// roots/list.
InputRequest ListRootsRequest();

// Returned (in ToolContent::input_required) by a tool that needs input first.
struct InputRequired {
  // Key (the tool's choice) -> request; the answers come back under the same
  // keys. Empty: no input is required (the tool's result stands).
  std::map<std::string, InputRequest> requests;
  // The tool's own state for the next round (e.g. answers collected so far);
  // empty for none. Sealed by ToolService, not encrypted: no secrets.
  std::string state;

  bool empty() const { return requests.empty(); }
};

// What the client sent with this call of the tool. Empty in the first round.
class ToolInput {
 public:
  ToolInput() : responses_(nlohmann::json::object()), capabilities_(nlohmann::json::object()) {}
  // `responses`: key -> answer object; `state`: already verified;
  // `client_capabilities`: the MCP ClientCapabilities object (or null).
  ToolInput(nlohmann::json responses, std::string state, nlohmann::json client_capabilities,
            std::function<std::string(const std::string&)> sealer = nullptr);

  // Every answer the client sent (may hold keys the tool never asked for:
  // ignore those).
  const nlohmann::json& responses() const { return responses_; }
  // Returns the answer under `key`, or nullptr when the client sent none.
  const nlohmann::json* Response(const std::string& key) const;
  // The state of this tool's previous InputRequired ("" in the first round
  // or when it kept none). Integrity-checked: the client cannot forge it.
  const std::string& state() const { return state_; }
  // True when the client declared `capability` ("elicitation", "sampling",
  // "roots"). Ask only for input the client can give.
  bool ClientSupports(std::string_view capability) const;

  // Used by ToolService: returns `state` sealed as an opaque requestState
  // bound to this call ("" for an empty state or without a sealer).
  std::string SealState(const std::string& state) const;

 private:
  nlohmann::json responses_;
  std::string state_;
  nlohmann::json capabilities_;
  std::function<std::string(const std::string&)> sealer_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOL_INPUT_H_
