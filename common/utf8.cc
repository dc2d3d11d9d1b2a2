#include "common/utf8.h"

#include <cstdint>

#include "absl/status/status.h"

namespace mcp_oauth::utf8 {

absl::StatusOr<size_t> CountCodePoints(std::string_view text) {
  size_t count = 0;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const uint8_t b0 = static_cast<uint8_t>(text[i]);
    size_t len;
    uint32_t cp;
    if (b0 < 0x80) {
      ++i;
      ++count;
      continue;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return absl::InvalidArgumentError("invalid UTF-8 lead byte");
    }
    if (i + len > n) return absl::InvalidArgumentError("truncated UTF-8 sequence");
    for (size_t k = 1; k < len; ++k) {
      const uint8_t b = static_cast<uint8_t>(text[i + k]);
      if ((b & 0xC0) != 0x80) return absl::InvalidArgumentError("invalid UTF-8 continuation byte");
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) {
      return absl::InvalidArgumentError("overlong UTF-8 sequence");
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return absl::InvalidArgumentError("invalid Unicode code point");
    }
    i += len;
    ++count;
  }
  return count;
}

bool IsValid(std::string_view text) { return CountCodePoints(text).ok(); }

}  // namespace mcp_oauth::utf8
