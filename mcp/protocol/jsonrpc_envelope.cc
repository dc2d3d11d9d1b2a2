#include "mcp/protocol/jsonrpc_envelope.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

const json& NullJson() {
  static const json* const kNull = new json();
  return *kNull;
}

}  // namespace

bool IsValidId(const json& id) {
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

const json& ParamsOf(const json& message) {
  static const json* const kEmpty = new json(json::object());
  auto it = message.find("params");
  return it == message.end() ? *kEmpty : *it;
}

json RpcError(const json& id, int code, const std::string& message) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json RpcResult(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

std::optional<json> CheckEnvelope(const json& message, Responses responses, RpcEnvelope* out) {
  if (!message.is_object()) {
    return RpcError(nullptr, kInvalidRequest, "Invalid Request: a message must be a JSON object");
  }
  auto id = message.find("id");
  out->has_id = id != message.end();
  out->id = out->has_id && IsValidId(*id) ? &*id : &NullJson();
  if (auto version = message.find("jsonrpc"); version == message.end() || *version != "2.0") {
    return RpcError(*out->id, kInvalidRequest, "Invalid Request: jsonrpc must be \"2.0\"");
  }
  if (out->has_id && !IsValidId(*id)) {
    return RpcError(nullptr, kInvalidRequest, "Invalid Request: id must be a string or an integer");
  }
  out->params = &ParamsOf(message);
  auto method = message.find("method");
  if (method == message.end()) {
    // A response to a server-to-client request.
    if (responses == Responses::kAccepted && out->has_id &&
        (message.contains("result") || message.contains("error"))) {
      out->method = nullptr;
      return std::nullopt;
    }
    return RpcError(*out->id, kInvalidRequest, "Invalid Request: missing method");
  }
  if (!method->is_string())
    return RpcError(*out->id, kInvalidRequest, "Invalid Request: method must be a string");
  out->method = &method->get_ref<const std::string&>();
  return std::nullopt;
}

}  // namespace mcp_oauth::mcp
