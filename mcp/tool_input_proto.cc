#include "mcp/tool_input_proto.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "mcp/catalog_input.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::mcp {

using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using nlohmann::json;

absl::StatusOr<std::shared_ptr<const ToolInput>> OpenToolInput(
    const CallToolRequest& request, const json& args,
    std::shared_ptr<const RequestStateCodec> codec, absl::Time now) {
  // The binding (a digest of the arguments) only when a state is opened or
  // sealed: most calls do neither.
  auto binding = [subject = request.caller().subject(), client_id = request.caller().client_id(),
                  name = request.name(),
                  args] { return RequestStateCodec::Binding(subject, client_id, name, args); };
  std::string state;
  if (!request.request_state().empty()) {
    absl::StatusOr<std::string> opened = codec->Open(request.request_state(), binding(), now);
    if (!opened.ok()) return opened.status();
    state = *std::move(opened);
  }
  json responses = json::object();
  for (const auto& [key, answer] : request.input_responses()) responses[key] = StructToJson(answer);
  json capabilities =
      request.has_client_capabilities() ? StructToJson(request.client_capabilities()) : json();
  auto sealer = [codec = std::move(codec), binding = std::move(binding)](const std::string& next) {
    return codec->Seal(binding(), next, absl::Now());
  };
  return std::make_shared<const ToolInput>(std::move(responses), std::move(state),
                                           std::move(capabilities), std::move(sealer));
}

absl::Status FillInputRequired(const InputRequired& required, const ToolInput& input,
                               CallToolResponse* response) {
  response->Clear();
  return WriteInputRequired(required, input, response->mutable_input_required());
}

}  // namespace mcp_oauth::mcp
