// Paging of every List RPC (ToolService, ResourceService, PromptService and
// their aggregates): opaque page tokens, each naming an offset into one
// version of a list, so a token from another version (the list changed) or
// from nowhere is rejected; and the page a request asks for. Thread safe
// (pure functions).
#ifndef MCP_OAUTH_MCP_PAGING_H_
#define MCP_OAUTH_MCP_PAGING_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace mcp_oauth::mcp {

// Returns the token for the page starting at `offset` of list version `tag`.
std::string EncodeListPageToken(const std::string& tag, size_t offset);

// Returns the offset named by `token`; INVALID_ARGUMENT unless it was issued
// for version `tag` of a list that still has an item at that offset.
absl::StatusOr<size_t> DecodeListPageToken(const std::string& token, const std::string& tag,
                                           size_t list_size);

// Clamps a requested page size: 0 means `default_size`; at most `max_size`.
// INVALID_ARGUMENT when negative.
absl::StatusOr<size_t> EffectivePageSize(int requested, int default_size, int max_size);

// One page of a list of `total` items with version `tag`: the items
// [begin, end) and the token of the next page ("" on the last).
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::string next_page_token;
};

// Returns the page a List request asks for (its page_size and page_token);
// INVALID_ARGUMENT for a negative size or a bad token.
absl::StatusOr<Page> PageOf(size_t total, const std::string& tag, int requested_size,
                            const std::string& page_token, int default_size, int max_size);

// Returns a short tag over `fingerprint` (the list's identity-bearing
// content): the same input gives the same tag in every process.
std::string ListVersionTag(const std::string& fingerprint);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PAGING_H_
