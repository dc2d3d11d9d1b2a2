#include "mcp/protocol/session_id.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace mcp_oauth::mcp {
namespace {

constexpr char kVersion = 0x01;
constexpr size_t kNonceBytes = 16;
constexpr size_t kBindingBytes = 16;
constexpr size_t kFixedBytes = 1 + kNonceBytes + kBindingBytes + 8;
constexpr size_t kMaxIdLength = 512;

}  // namespace

std::string SessionIdCodec::Binding(std::string_view subject, std::string_view client_id) {
  std::string input = "mcp-session-principal";
  input.push_back('\0');
  input.append(subject.data(), subject.size());
  input.push_back('\0');
  input.append(client_id.data(), client_id.size());
  return crypto::Sha256(input).substr(0, kBindingBytes);
}

std::string SessionIdCodec::Mac(std::string_view payload) const {
  std::string input = "mcp-session-v1:";
  input.append(payload.data(), payload.size());
  return key_.Sign(input);
}

std::string SessionIdCodec::Mint(const SessionClaims& claims) const {
  std::string payload(1, kVersion);
  payload += crypto::RandomBytes(kNonceBytes);
  std::string binding = claims.binding;
  binding.resize(kBindingBytes, '\0');
  payload += binding;
  const uint64_t created = static_cast<uint64_t>(absl::ToUnixSeconds(claims.created));
  for (int shift = 56; shift >= 0; shift -= 8)
    payload.push_back(static_cast<char>((created >> shift) & 0xFF));
  payload += claims.protocol_version;
  return absl::StrCat(crypto::Base64UrlEncode(payload), ".", crypto::Base64UrlEncode(Mac(payload)));
}

absl::StatusOr<SessionClaims> SessionIdCodec::Verify(std::string_view id) const {
  const absl::Status not_found = absl::NotFoundError("session not found");
  if (id.size() > kMaxIdLength) return not_found;
  const size_t dot = id.find('.');
  if (dot == std::string_view::npos) return not_found;
  absl::StatusOr<std::string> payload = crypto::Base64UrlDecode(id.substr(0, dot));
  absl::StatusOr<std::string> mac = crypto::Base64UrlDecode(id.substr(dot + 1));
  if (!payload.ok() || !mac.ok()) return not_found;
  // Only the canonical spelling is valid: base64url's spare low bits in the
  // last character would otherwise give one session several ids (and let an
  // ended session's id be revived under a different spelling).
  if (crypto::Base64UrlEncode(*payload) != id.substr(0, dot) ||
      crypto::Base64UrlEncode(*mac) != id.substr(dot + 1)) {
    return not_found;
  }
  if (!crypto::ConstantTimeEquals(*mac, Mac(*payload))) return not_found;
  if (payload->size() < kFixedBytes || (*payload)[0] != kVersion) return not_found;
  SessionClaims claims;
  claims.binding = payload->substr(1 + kNonceBytes, kBindingBytes);
  uint64_t created = 0;
  for (size_t i = 0; i < 8; ++i) {
    created =
        (created << 8) | static_cast<uint8_t>((*payload)[1 + kNonceBytes + kBindingBytes + i]);
  }
  claims.created = absl::FromUnixSeconds(static_cast<int64_t>(created));
  claims.protocol_version = payload->substr(kFixedBytes);
  return claims;
}

}  // namespace mcp_oauth::mcp
