#include "auth/oidc/id_token.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"

namespace mcp_oauth::auth::oidc {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxTokenBytes = 16 * 1024;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

IdTokenResult Fail(IdTokenError error, std::string detail) {
  IdTokenResult result;
  result.error = error;
  result.detail = std::move(detail);
  return result;
}

// JWS ES256 signatures are r||s (32 bytes each); EVP wants DER.
bool RawEcdsaToDer(std::string_view raw, std::string* der) {
  if (raw.size() != 64) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return false;
  der->resize(length);
  auto* out = reinterpret_cast<unsigned char*>(der->data());
  return i2d_ECDSA_SIG(sig.get(), &out) == length;
}

// Reads a NumericDate claim; false when absent or not a number.
bool GetTime(const json& claims, const char* name, absl::Time* out) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return false;
  double seconds = it->get<double>();
  if (!(seconds > -1e11 && seconds < 1e11)) return false;
  *out = absl::FromUnixSeconds(static_cast<int64_t>(seconds));
  return true;
}

bool Equals(const json& value, const std::string& expected) {
  return value.is_string() && value.get<std::string>() == expected;
}

}  // namespace

const char* IdTokenErrorName(IdTokenError error) {
  switch (error) {
    case IdTokenError::kNone:
      return "ok";
    case IdTokenError::kMalformed:
      return "malformed";
    case IdTokenError::kAlgorithmNotAllowed:
      return "algorithm_not_allowed";
    case IdTokenError::kUnknownKey:
      return "unknown_key";
    case IdTokenError::kBadSignature:
      return "bad_signature";
    case IdTokenError::kWrongIssuer:
      return "wrong_issuer";
    case IdTokenError::kWrongAudience:
      return "wrong_audience";
    case IdTokenError::kWrongAuthorizedParty:
      return "wrong_authorized_party";
    case IdTokenError::kExpired:
      return "expired";
    case IdTokenError::kNotYetValid:
      return "not_yet_valid";
    case IdTokenError::kTooOld:
      return "too_old";
    case IdTokenError::kWrongNonce:
      return "wrong_nonce";
    case IdTokenError::kMissingSubject:
      return "missing_subject";
  }
  return "unknown";
}

bool VerifyJwsSignature(std::string_view alg, EVP_PKEY* key, std::string_view signing_input,
                        std::string_view signature) {
  std::string der;
  if (alg == kEs256) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
    if (!RawEcdsaToDer(signature, &der)) return false;
    signature = der;
  } else if (alg == kRs256 || alg == kPs256) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return false;
  } else {
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1) {
    return false;
  }
  if (alg == kPs256) {
    // RFC 7518 §3.5: MGF1 with SHA-256, salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1) {
      return false;
    }
  } else if (alg == kRs256) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

IdTokenResult ValidateIdToken(std::string_view token, const JwkSet& keys,
                              const IdTokenExpectations& expect, absl::Time now) {
  if (token.size() > kMaxTokenBytes) return Fail(IdTokenError::kMalformed, "token too long");
  std::vector<std::string_view> parts;
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(token.data(), token.size()), '.')) {
    parts.emplace_back(part.data(), part.size());
  }
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) {
    return Fail(IdTokenError::kMalformed, "not a compact JWS (three parts)");
  }
  auto header_text = crypto::Base64UrlDecode(parts[0]);
  auto claims_text = crypto::Base64UrlDecode(parts[1]);
  auto signature = crypto::Base64UrlDecode(parts[2]);
  if (!header_text.ok() || !claims_text.ok() || !signature.ok()) {
    return Fail(IdTokenError::kMalformed, "a part is not base64url");
  }
  json header = json::parse(*header_text, nullptr, false);
  json claims = json::parse(*claims_text, nullptr, false);
  if (!header.is_object() || !claims.is_object()) {
    return Fail(IdTokenError::kMalformed, "header or claims are not a JSON object");
  }

  // Algorithm first: "none" and HMAC never reach a key.
  std::string alg =
      header.value("alg", json()).is_string() ? header["alg"].get<std::string>() : std::string();
  if (alg != kRs256 && alg != kPs256 && alg != kEs256) {
    return Fail(IdTokenError::kAlgorithmNotAllowed,
                absl::StrCat("algorithm \"", alg.substr(0, 16), "\" is not accepted"));
  }
  if (header.contains("crit")) {
    return Fail(IdTokenError::kMalformed, "critical header extensions are not supported");
  }
  std::string kid;
  if (header.contains("kid")) {
    if (!header["kid"].is_string()) return Fail(IdTokenError::kMalformed, "kid is not a string");
    kid = header["kid"].get<std::string>();
  }
  if (!kid.empty() && !keys.HasKid(kid)) {
    IdTokenResult result = Fail(IdTokenError::kUnknownKey, "no key with the token's kid");
    result.kid = kid;
    return result;
  }
  std::vector<const Jwk*> candidates = keys.Find(kid, alg);
  if (candidates.empty()) {
    if (kid.empty()) return Fail(IdTokenError::kUnknownKey, "no key for the token's algorithm");
    return Fail(IdTokenError::kAlgorithmNotAllowed, absl::StrCat("the key does not allow ", alg));
  }
  std::string_view signing_input(token.data(), parts[0].size() + 1 + parts[1].size());
  bool verified = false;
  for (const Jwk* jwk : candidates) {
    if (VerifyJwsSignature(alg, jwk->key.get(), signing_input, *signature)) {
      verified = true;
      break;
    }
  }
  if (!verified) return Fail(IdTokenError::kBadSignature, "signature does not verify");

  // Claims (OpenID Connect Core §3.1.3.7), only once the signature holds.
  if (!claims.contains("iss") || !Equals(claims["iss"], expect.issuer)) {
    return Fail(IdTokenError::kWrongIssuer, "iss is not the provider's issuer");
  }
  const json aud = claims.value("aud", json());
  bool audience_ok = false;
  size_t audiences = 0;
  if (aud.is_string()) {
    audiences = 1;
    audience_ok = aud.get<std::string>() == expect.client_id;
  } else if (aud.is_array()) {
    audiences = aud.size();
    for (const json& a : aud) audience_ok = audience_ok || Equals(a, expect.client_id);
  }
  if (!audience_ok) return Fail(IdTokenError::kWrongAudience, "aud does not contain our client id");
  if (claims.contains("azp")) {
    if (!Equals(claims["azp"], expect.client_id)) {
      return Fail(IdTokenError::kWrongAuthorizedParty, "azp is not our client id");
    }
  } else if (audiences > 1) {
    return Fail(IdTokenError::kWrongAuthorizedParty, "several audiences and no azp");
  }
  absl::Time exp, iat, nbf;
  if (!GetTime(claims, "exp", &exp)) return Fail(IdTokenError::kMalformed, "exp missing");
  if (!GetTime(claims, "iat", &iat)) return Fail(IdTokenError::kMalformed, "iat missing");
  if (now >= exp + expect.leeway) return Fail(IdTokenError::kExpired, "the token has expired");
  if (iat > now + expect.leeway) return Fail(IdTokenError::kNotYetValid, "iat is in the future");
  if (GetTime(claims, "nbf", &nbf) && nbf > now + expect.leeway) {
    return Fail(IdTokenError::kNotYetValid, "nbf is in the future");
  }
  if (iat < now - expect.max_age - expect.leeway) {
    return Fail(IdTokenError::kTooOld, "iat is too long ago");
  }
  if (expect.nonce.empty() || !claims.contains("nonce") || !claims["nonce"].is_string() ||
      !crypto::ConstantTimeEquals(claims["nonce"].get<std::string>(), expect.nonce)) {
    return Fail(IdTokenError::kWrongNonce, "nonce does not match");
  }
  if (!claims.contains("sub") || !claims["sub"].is_string() ||
      claims["sub"].get<std::string>().empty() || claims["sub"].get<std::string>().size() > 255) {
    return Fail(IdTokenError::kMissingSubject, "sub missing or invalid");
  }
  IdTokenResult result;
  result.claims = std::move(claims);
  return result;
}

}  // namespace mcp_oauth::auth::oidc
