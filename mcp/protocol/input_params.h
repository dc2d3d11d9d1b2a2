// What a 2026-07-28 retry of tools/call, prompts/get or resources/read carries
// besides its own params: the client's answers (inputResponses), the sealed
// requestState, and the client capabilities from `_meta`. One reader for the
// three request protos (they name these fields alike).
//
// Internal to //mcp/protocol. Pure functions; thread safe.
#ifndef MCP_OAUTH_MCP_PROTOCOL_INPUT_PARAMS_H_
#define MCP_OAUTH_MCP_PROTOCOL_INPUT_PARAMS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/jsonrpc_envelope.h"
#include "mcp/protocol/stateless_era.h"

namespace mcp_oauth::mcp {

// Copies inputResponses, requestState and the client capabilities of `params`
// into `request`, and the capabilities into `capabilities` (an empty object
// when none). Returns the -32602 error to answer when they are malformed.
template <typename Request>
std::optional<nlohmann::json> ReadInputParams(const nlohmann::json& id,
                                              const nlohmann::json& params, Request* request,
                                              nlohmann::json* capabilities) {
  if (auto responses = params.find("inputResponses"); responses != params.end()) {
    bool valid = responses->is_object();
    for (auto it = responses->begin(); valid && it != responses->end(); ++it) {
      absl::StatusOr<google::protobuf::Struct> answer = JsonToStruct(it.value());
      valid = answer.ok();
      if (valid) (*request->mutable_input_responses())[it.key()] = *std::move(answer);
    }
    if (!valid)
      return RpcError(id, kInvalidParams,
                      "Invalid params: inputResponses must map keys to result objects");
  }
  if (auto state = params.find("requestState"); state != params.end()) {
    if (!state->is_string())
      return RpcError(id, kInvalidParams, "Invalid params: requestState must be a string");
    request->set_request_state(state->get<std::string>());
  }
  *capabilities = nlohmann::json::object();
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    *capabilities = meta->value(kMetaClientCapabilities, nlohmann::json::object());
  }
  if (absl::StatusOr<google::protobuf::Struct> caps = JsonToStruct(*capabilities); caps.ok()) {
    request->mutable_client_capabilities()->Swap(&*caps);
  }
  return std::nullopt;
}

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_INPUT_PARAMS_H_
