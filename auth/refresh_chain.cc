#include "auth/refresh_chain.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"

namespace mcp_oauth::auth {
namespace {

constexpr size_t kChainIdBytes = 16;
// Generations are written in decimal; 18 digits never overflow int64.
constexpr size_t kMaxGenerationDigits = 18;

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string NewRefreshChainId() { return crypto::RandomToken(kChainIdBytes); }

std::string MakeRefreshToken(const std::string& chain_id, int64_t generation) {
  return MakeRefreshToken(chain_id, generation, crypto::RandomBytes(kRefreshSecretBytes));
}

std::string MakeRefreshToken(const std::string& chain_id, int64_t generation,
                             absl::string_view random) {
  return absl::StrCat(chain_id, ".", generation, ".",
                      crypto::Base64UrlEncode(std::string_view(random.data(), random.size())));
}

ParsedRefreshToken ParseRefreshToken(const std::string& token) {
  ParsedRefreshToken parsed;
  parsed.key.token_hash = crypto::Sha256(token);
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || parts[0].empty() || parts[2].empty() || parts[1].empty() ||
      parts[1].size() > kMaxGenerationDigits || !AllDigits(parts[1])) {
    return parsed;
  }
  int64_t generation = 0;
  if (!absl::SimpleAtoi(parts[1], &generation)) return parsed;
  parsed.chain_id = std::string(parts[0]);
  parsed.key.chain_hash = crypto::Sha256(parsed.chain_id);
  parsed.key.generation = generation;
  return parsed;
}

PresentedGeneration ClassifyPresented(const RefreshTokenKey& presented, int64_t live_generation,
                                      const std::string& live_token_hash) {
  if (presented.generation < live_generation) return PresentedGeneration::kRotated;
  if (presented.generation == live_generation &&
      crypto::ConstantTimeEquals(presented.token_hash, live_token_hash)) {
    return PresentedGeneration::kLive;
  }
  return PresentedGeneration::kUnknown;
}

}  // namespace mcp_oauth::auth
