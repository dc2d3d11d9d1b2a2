#include "auth/client_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace mcp_oauth::auth {
namespace {

constexpr size_t kMaxOpaqueKey = 64;

}  // namespace

std::string AddressThrottleKey(std::string_view address) {
  std::string_view text = address;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (size_t zone = text.find('%'); zone != std::string_view::npos) text = text.substr(0, zone);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) {
    return std::string(address.substr(0, kMaxOpaqueKey));
  }
  std::string copy(text);  // inet_pton needs a NUL-terminated string.
  char out[INET6_ADDRSTRLEN] = {};
  in_addr v4;
  if (inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
    inet_ntop(AF_INET, &v4, out, sizeof(out));
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, copy.c_str(), &v6) != 1) {
    return std::string(address.substr(0, kMaxOpaqueKey));
  }
  static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6.s6_addr, kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    std::memcpy(&v4, v6.s6_addr + 12, 4);
    inet_ntop(AF_INET, &v4, out, sizeof(out));
    return out;
  }
  std::memset(v6.s6_addr + 8, 0, 8);
  inet_ntop(AF_INET6, &v6, out, sizeof(out));
  return std::string(out) + "/64";
}

}  // namespace mcp_oauth::auth
