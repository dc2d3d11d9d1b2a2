#include "mcp/catalog_input.h"

#include <utility>

#include "absl/time/clock.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::mcp {

using nlohmann::json;

absl::StatusOr<std::shared_ptr<const ToolInput>> OpenRequestInput(
    const std::string& binding, const std::string& request_state,
    const google::protobuf::Map<std::string, google::protobuf::Struct>& responses,
    const google::protobuf::Struct* capabilities, std::shared_ptr<const RequestStateCodec> codec,
    absl::Time now) {
  std::string state;
  if (!request_state.empty()) {
    absl::StatusOr<std::string> opened = codec->Open(request_state, binding, now);
    if (!opened.ok()) return opened.status();
    state = *std::move(opened);
  }
  json answers = json::object();
  for (const auto& [key, answer] : responses) answers[key] = StructToJson(answer);
  auto sealer = [codec = std::move(codec), binding](const std::string& next) {
    return codec->Seal(binding, next, absl::Now());
  };
  return std::make_shared<const ToolInput>(
      std::move(answers), std::move(state),
      capabilities != nullptr ? StructToJson(*capabilities) : json(), std::move(sealer));
}

absl::Status WriteInputRequired(const InputRequired& required, const ToolInput& input,
                                mcp_oauth::tools::v1::InputRequired* out) {
  out->Clear();
  for (const auto& [key, request] : required.requests) {
    if (request.method.empty()) return absl::InternalError("input request without a method");
    absl::StatusOr<google::protobuf::Struct> params = JsonToStruct(request.params);
    if (!params.ok()) return absl::InternalError("input request params must be an object");
    auto& entry = (*out->mutable_input_requests())[key];
    entry.set_method(request.method);
    *entry.mutable_params() = *std::move(params);
  }
  out->set_request_state(input.SealState(required.state));
  return absl::OkStatus();
}

}  // namespace mcp_oauth::mcp
