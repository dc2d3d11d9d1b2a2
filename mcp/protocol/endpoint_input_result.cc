// The 2026-07-28 InputRequiredResult (multi round-trip requests), shared by
// tools/call, prompts/get and resources/read.
#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"
#include "mcp/protocol/stateless_era.h"

namespace mcp_oauth::mcp {

json InputRequiredReply(const json& id, const mcp_oauth::tools::v1::InputRequired& required,
                        const json& client_capabilities) {
  json requests = json::object();
  json missing = json::object();
  for (const auto& [key, request] : required.input_requests()) {
    requests[key] = {{"method", request.method()}, {"params", StructToJson(request.params())}};
    const std::string capability = CapabilityFor(request.method());
    if (!capability.empty() && !client_capabilities.contains(capability))
      missing[capability] = json::object();
  }
  if (!missing.empty()) {
    json error = RpcError(id, kMissingClientCapability, "Missing required client capability");
    error["error"]["data"] = {{"requiredCapabilities", std::move(missing)}};
    return error;
  }
  json result = {{"resultType", "input_required"}, {"inputRequests", std::move(requests)}};
  if (!required.request_state().empty()) result["requestState"] = required.request_state();
  return RpcResult(id, std::move(result));
}

}  // namespace mcp_oauth::mcp
