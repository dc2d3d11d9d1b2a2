#include "gateway/http_codec.h"

#include <cstdint>
#include <utility>

namespace mcp_oauth::gateway {

void SetRequestLimits(BeastRequestParser& parser, size_t max_header_bytes, size_t max_body_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(max_body_bytes);
}

bool ApplyBodyLimit(BeastRequestParser& parser, size_t limit) {
  if (auto length = parser.content_length(); length && *length > limit) return false;
  parser.body_limit(limit);
  return true;
}

std::string_view TargetPath(std::string_view target) { return target.substr(0, target.find('?')); }

HttpRequest ToHttpRequest(BeastRequest&& raw, const std::string& remote_ip) {
  HttpRequest request;
  request.method = std::string(raw.method_string());
  request.target = std::string(raw.target());
  size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
  for (const auto& field : raw) {
    request.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(raw.body());
  request.remote_ip = remote_ip;
  return request;
}

}  // namespace mcp_oauth::gateway
