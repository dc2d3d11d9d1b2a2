#include "gateway/http_types.h"

namespace mcp_oauth::gateway {

void Headers::Add(std::string name, std::string value) {
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  fields_.emplace_back(std::move(name), std::move(value));
}

std::string_view Headers::Get(std::string_view name) const {
  for (const auto& [field, value] : fields_) {
    if (field == name) return value;
  }
  return {};
}

bool Headers::Has(std::string_view name) const { return Count(name) > 0; }

int Headers::Count(std::string_view name) const {
  int count = 0;
  for (const auto& field : fields_) {
    if (field.first == name) ++count;
  }
  return count;
}

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
