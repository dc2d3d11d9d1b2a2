#include "gateway/http_types.h"

namespace mcp_oauth::gateway {

HttpResponse MakeResponse(int status, std::string content_type, std::string body) {
  HttpResponse response;
  response.status = status;
  response.SetHeader("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

HttpResponse JsonResponse(int status, std::string json_text) {
  return MakeResponse(status, "application/json", std::move(json_text));
}

}  // namespace mcp_oauth::gateway
