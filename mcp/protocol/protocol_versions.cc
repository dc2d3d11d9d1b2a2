#include "mcp/protocol/protocol_versions.h"

#include <algorithm>

namespace mcp_oauth::mcp {
namespace {

// The session-era versions no longer served.
constexpr std::string_view kRetiredSessionVersions[] = {"2024-11-05"};

}  // namespace

const std::vector<std::string>& SupportedVersions() {
  static const auto* const kVersions =
      new std::vector<std::string>{kStatelessVersion, "2025-11-25", "2025-06-18", "2025-03-26"};
  return *kVersions;
}

const std::vector<std::string>& SessionVersions() {
  static const auto* const kVersions =
      new std::vector<std::string>(SupportedVersions().begin() + 1, SupportedVersions().end());
  return *kVersions;
}

bool IsSessionVersion(std::string_view version) {
  const auto& versions = SessionVersions();
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

bool IsSessionEraName(std::string_view version) {
  return IsSessionVersion(version) ||
         std::find(std::begin(kRetiredSessionVersions), std::end(kRetiredSessionVersions),
                   version) != std::end(kRetiredSessionVersions);
}

}  // namespace mcp_oauth::mcp
