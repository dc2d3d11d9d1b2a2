#include "common/request_id.h"

#include "common/crypto.h"

namespace mcp_oauth::request_id {

bool IsValid(std::string_view id) {
  if (id.empty() || id.size() > kMaxLength) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string Generate() { return crypto::RandomToken(16); }

std::string AcceptOrGenerate(std::string_view incoming) {
  return IsValid(incoming) ? std::string(incoming) : Generate();
}

std::string LogPrefix(std::string_view id) {
  if (!IsValid(id)) return "";
  std::string prefix = "request_id=";
  prefix.append(id.data(), id.size());
  prefix += ' ';
  return prefix;
}

}  // namespace mcp_oauth::request_id
