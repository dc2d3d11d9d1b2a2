#include "mcp/tool_input.h"

namespace mcp_oauth::mcp {

using nlohmann::json;

InputRequest ElicitationRequest(const std::string& message, json requested_schema) {
  return InputRequest{"elicitation/create",
                      json{{"message", message}, {"requestedSchema", std::move(requested_schema)}}};
}

InputRequest SamplingRequest(const std::string& prompt, int max_tokens) {
  return InputRequest{
      "sampling/createMessage",
      json{{"messages", json::array({json{{"role", "user"},
                                          {"content", {{"type", "text"}, {"text", prompt}}}}})},
           {"maxTokens", max_tokens}}};
}

InputRequest ListRootsRequest() { return InputRequest{"roots/list", json::object()}; }

ToolInput::ToolInput(json responses, std::string state, json client_capabilities,
                     std::function<std::string(const std::string&)> sealer)
    : responses_(responses.is_object() ? std::move(responses) : json::object()),
      state_(std::move(state)),
      capabilities_(client_capabilities.is_object() ? std::move(client_capabilities)
                                                    : json::object()),
      sealer_(std::move(sealer)) {}

const json* ToolInput::Response(const std::string& key) const {
  auto it = responses_.find(key);
  return it == responses_.end() ? nullptr : &*it;
}

bool ToolInput::ClientSupports(std::string_view capability) const {
  auto it = capabilities_.find(std::string(capability));
  return it != capabilities_.end() && it->is_object();
}

std::string ToolInput::SealState(const std::string& state) const {
  if (state.empty() || !sealer_) return "";
  return sealer_(state);
}

}  // namespace mcp_oauth::mcp
