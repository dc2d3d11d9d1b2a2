#include "mcp/protocol/mcp_http.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace mcp_oauth::mcp {
namespace {

std::string Lower(std::string_view name) { return absl::AsciiStrToLower(std::string(name)); }

}  // namespace

void HttpHeaders::Add(std::string_view name, std::string_view value) {
  auto [it, inserted] = values_.emplace(Lower(name), std::string(value));
  if (!inserted) {
    it->second += ", ";
    it->second.append(value.data(), value.size());
  }
}

void HttpHeaders::Set(std::string_view name, std::string_view value) {
  values_[Lower(name)] = std::string(value);
}

void HttpHeaders::Remove(std::string_view name) { values_.erase(Lower(name)); }

std::optional<std::string> HttpHeaders::Get(std::string_view name) const {
  auto it = values_.find(Lower(name));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> McpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, absl::string_view(name.data(), name.size()))) return value;
  }
  return std::nullopt;
}

}  // namespace mcp_oauth::mcp
