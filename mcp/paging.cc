#include "mcp/paging.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"

namespace mcp_oauth::mcp {
namespace {
constexpr char kVersion[] = "l1";
}  // namespace

std::string EncodeListPageToken(const std::string& tag, size_t offset) {
  return crypto::Base64UrlEncode(absl::StrCat(kVersion, ":", tag, ":", offset));
}

absl::StatusOr<size_t> DecodeListPageToken(const std::string& token, const std::string& tag,
                                           size_t list_size) {
  const absl::Status invalid = absl::InvalidArgumentError("invalid page token");
  absl::StatusOr<std::string> raw = crypto::Base64UrlDecode(token);
  if (!raw.ok()) return invalid;
  std::vector<std::string> parts = absl::StrSplit(*raw, ':');
  size_t offset = 0;
  if (parts.size() != 3 || parts[0] != kVersion || parts[1] != tag ||
      !absl::SimpleAtoi(parts[2], &offset) || offset == 0 || offset >= list_size) {
    return invalid;
  }
  return offset;
}

absl::StatusOr<size_t> EffectivePageSize(int requested, int default_size, int max_size) {
  if (requested < 0) return absl::InvalidArgumentError("page_size must not be negative");
  const int size = requested == 0 ? default_size : requested;
  return static_cast<size_t>(std::max(1, std::min(size, max_size)));
}

absl::StatusOr<Page> PageOf(size_t total, const std::string& tag, int requested_size,
                            const std::string& page_token, int default_size, int max_size) {
  absl::StatusOr<size_t> page_size = EffectivePageSize(requested_size, default_size, max_size);
  if (!page_size.ok()) return page_size.status();
  Page page;
  if (!page_token.empty()) {
    absl::StatusOr<size_t> decoded = DecodeListPageToken(page_token, tag, total);
    if (!decoded.ok()) return decoded.status();
    page.begin = *decoded;
  }
  page.end = std::min(total, page.begin + *page_size);
  if (page.end < total) page.next_page_token = EncodeListPageToken(tag, page.end);
  return page;
}

std::string ListVersionTag(const std::string& fingerprint) {
  return crypto::HexEncode(crypto::Sha256(fingerprint)).substr(0, 16);
}

}  // namespace mcp_oauth::mcp
