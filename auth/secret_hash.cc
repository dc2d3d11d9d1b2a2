#include "auth/secret_hash.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"

namespace mcp_oauth::auth {
namespace {

constexpr char kScheme[] = "pbkdf2-sha256";
constexpr int kMaxIterations = 10000000;

struct ParsedHash {
  int iterations = 0;
  std::string salt;
  std::string hash;
};

absl::Status Parse(std::string_view encoded, ParsedHash* out) {
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(encoded.data(), encoded.size()), '$');
  if (parts.size() != 4 || parts[0] != kScheme) {
    return absl::InvalidArgumentError(
        "must have the form pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>");
  }
  if (!absl::SimpleAtoi(parts[1], &out->iterations) || out->iterations < 1 ||
      out->iterations > kMaxIterations) {
    return absl::InvalidArgumentError("iteration count must be an integer in [1, 10000000]");
  }
  auto salt = crypto::Base64UrlDecode(parts[2]);
  if (!salt.ok() || salt->size() < 8) {
    return absl::InvalidArgumentError("salt must be base64url of at least 8 bytes");
  }
  auto hash = crypto::Base64UrlDecode(parts[3]);
  if (!hash.ok() || hash->size() < 16 || hash->size() > 64) {
    return absl::InvalidArgumentError("hash must be base64url of 16 to 64 bytes");
  }
  out->salt = *std::move(salt);
  out->hash = *std::move(hash);
  return absl::OkStatus();
}

}  // namespace

std::string HashSecret(std::string_view secret, int iterations) {
  std::string salt = crypto::RandomBytes(16);
  std::string hash = crypto::Pbkdf2Sha256(secret, salt, iterations, 32);
  return absl::StrCat(kScheme, "$", iterations, "$", crypto::Base64UrlEncode(salt), "$",
                      crypto::Base64UrlEncode(hash));
}

bool VerifySecret(std::string_view secret, std::string_view encoded_hash) {
  ParsedHash parsed;
  if (!Parse(encoded_hash, &parsed).ok()) return false;
  // HMAC pads short keys with zero bytes, so under PBKDF2-HMAC "pw" and
  // "pw\0\0" derive the same key: a secret containing NUL never matches.
  // The derivation still runs, so timing does not tell this case apart.
  bool has_nul = secret.find('\0') != std::string_view::npos;
  std::string derived =
      crypto::Pbkdf2Sha256(secret, parsed.salt, parsed.iterations, parsed.hash.size());
  return crypto::ConstantTimeEquals(derived, parsed.hash) && !has_nul;
}

absl::Status ValidateSecretHash(std::string_view encoded_hash) {
  ParsedHash parsed;
  return Parse(encoded_hash, &parsed);
}

int SecretHashIterations(std::string_view encoded_hash) {
  ParsedHash parsed;
  if (!Parse(encoded_hash, &parsed).ok()) return 0;
  return parsed.iterations;
}

}  // namespace mcp_oauth::auth
