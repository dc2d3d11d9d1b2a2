#include "mcp/request_state.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::mcp {
namespace {

constexpr char kPrefix[] = "rs1";
constexpr char kMacLabel[] = "mcp-request-state/v1";

}  // namespace

RequestStateCodec::RequestStateCodec(std::string key, absl::Duration ttl)
    : key_(std::move(key)), ttl_(ttl) {}

std::string RequestStateCodec::DeriveKey(const std::string& shared_secret) {
  if (shared_secret.empty()) return "";
  return crypto::HmacSha256(shared_secret, "mcp-oauth/request-state-key/v1");
}

std::string RequestStateCodec::Binding(const std::string& subject, const std::string& client_id,
                                       const std::string& tool, const nlohmann::json& arguments) {
  // Length-prefixed fields: no two different calls share an encoding.
  std::string data;
  for (const std::string& field : {subject, client_id, tool, DumpJson(arguments)}) {
    absl::StrAppend(&data, field.size(), ":", field, ";");
  }
  return crypto::Sha256(data);
}

std::string RequestStateCodec::RequestBinding(const std::string& method, const std::string& subject,
                                              const std::string& client_id, const std::string& name,
                                              const nlohmann::json& arguments) {
  // Starts with a letter where a tool binding's data starts with a length.
  std::string data = "request;";
  for (const std::string& field : {method, subject, client_id, name, DumpJson(arguments)}) {
    absl::StrAppend(&data, field.size(), ":", field, ";");
  }
  return crypto::Sha256(data);
}

std::string RequestStateCodec::Mac(const std::string& binding, const std::string& encoded_state,
                                   const std::string& expiry) const {
  return crypto::HmacSha256(key_, absl::StrCat(kMacLabel, "\n", crypto::HexEncode(binding), "\n",
                                               encoded_state, "\n", expiry));
}

std::string RequestStateCodec::Seal(const std::string& binding, const std::string& state,
                                    absl::Time now) const {
  const std::string encoded = crypto::Base64UrlEncode(state);
  const std::string expiry = absl::StrCat(absl::ToUnixSeconds(now + ttl_));
  return absl::StrCat(kPrefix, ".", encoded, ".", expiry, ".",
                      crypto::Base64UrlEncode(Mac(binding, encoded, expiry)));
}

absl::StatusOr<std::string> RequestStateCodec::Open(const std::string& token,
                                                    const std::string& binding,
                                                    absl::Time now) const {
  const absl::Status invalid = absl::InvalidArgumentError("invalid or expired requestState");
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 4 || parts[0] != kPrefix) return invalid;
  absl::StatusOr<std::string> mac = crypto::Base64UrlDecode(parts[3]);
  if (!mac.ok() || !crypto::ConstantTimeEquals(*mac, Mac(binding, parts[1], parts[2])))
    return invalid;
  int64_t expiry = 0;
  if (!absl::SimpleAtoi(parts[2], &expiry) || absl::FromUnixSeconds(expiry) <= now) return invalid;
  absl::StatusOr<std::string> state = crypto::Base64UrlDecode(parts[1]);
  if (!state.ok()) return invalid;
  return *std::move(state);
}

}  // namespace mcp_oauth::mcp
