#include "common/request_id.h"

#include <atomic>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace mcp_oauth::request_id {

bool IsValid(std::string_view id) {
  if (id.empty() || id.size() > kMaxLength) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string Generate() {
  static const std::string* const kPrefix = new std::string(crypto::RandomToken(12) + "-");
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(*kPrefix, absl::Hex(counter.fetch_add(1, std::memory_order_relaxed)));
}

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
