#include "auth/oidc/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "nlohmann/json.hpp"

namespace mcp_oauth::auth::oidc {
namespace {

using json = nlohmann::json;

constexpr int kMinRsaBits = 2048;
constexpr size_t kMaxKeys = 64;

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

absl::StatusOr<std::string> DecodeField(std::string_view value, const char* name) {
  auto bytes = crypto::Base64UrlDecode(value);
  if (!bytes.ok() || bytes->empty()) {
    return absl::InvalidArgumentError(absl::StrCat("JWK \"", name, "\" is not base64url"));
  }
  return *std::move(bytes);
}

// Builds a public key of `type` ("RSA" or "EC") from OSSL parameters.
absl::StatusOr<EvpPkeyPtr> FromData(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) <= 0 || key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("JWK: not a valid ", type, " public key"));
  }
  return EvpPkeyPtr(key);
}

std::string GetString(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void EvpPkeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

absl::StatusOr<EvpPkeyPtr> RsaPublicKey(std::string_view n_b64url, std::string_view e_b64url) {
  auto n = DecodeField(n_b64url, "n");
  if (!n.ok()) return n.status();
  auto e = DecodeField(e_b64url, "e");
  if (!e.ok()) return e.status();
  std::unique_ptr<BIGNUM, BnFree> bn_n(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), n->size(), nullptr));
  std::unique_ptr<BIGNUM, BnFree> bn_e(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), e->size(), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return absl::InternalError("JWK: out of memory");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return absl::InternalError("JWK: out of memory");
  auto key = FromData("RSA", params.get());
  if (!key.ok()) return key.status();
  if (EVP_PKEY_get_bits(key->get()) < kMinRsaBits) {
    return absl::InvalidArgumentError("JWK: RSA key shorter than 2048 bits");
  }
  return key;
}

absl::StatusOr<EvpPkeyPtr> P256PublicKey(std::string_view x_b64url, std::string_view y_b64url) {
  auto x = DecodeField(x_b64url, "x");
  if (!x.ok()) return x.status();
  auto y = DecodeField(y_b64url, "y");
  if (!y.ok()) return y.status();
  if (x->size() != 32 || y->size() != 32) {
    return absl::InvalidArgumentError("JWK: P-256 coordinates must be 32 bytes");
  }
  // Uncompressed point: 0x04 || x || y. EVP_PKEY_fromdata checks it is on
  // the curve.
  std::string point = absl::StrCat("\x04", *x, *y);
  char group[] = SN_X9_62_prime256v1;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  auto key = FromData("EC", params);
  if (!key.ok()) return key.status();
  // fromdata accepts points off the curve; a public-key check refuses them.
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return absl::InvalidArgumentError("JWK: P-256 point is not on the curve");
  }
  return key;
}

std::vector<const Jwk*> JwkSet::Find(std::string_view kid, std::string_view alg) const {
  std::vector<const Jwk*> out;
  for (const Jwk& jwk : keys) {
    if (!kid.empty() && jwk.kid != kid) continue;
    if (jwk.algorithms.count(std::string(alg)) == 0) continue;
    out.push_back(&jwk);
  }
  return out;
}

bool JwkSet::HasKid(std::string_view kid) const {
  for (const Jwk& jwk : keys) {
    if (jwk.kid == kid) return true;
  }
  return false;
}

absl::StatusOr<JwkSet> ParseJwks(std::string_view json_text) {
  json root = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (root.is_discarded() || !root.is_object() || !root.contains("keys") ||
      !root["keys"].is_array()) {
    return absl::InvalidArgumentError("JWKS: not a JSON object with a \"keys\" array");
  }
  JwkSet set;
  for (const json& entry : root["keys"]) {
    if (!entry.is_object()) return absl::InvalidArgumentError("JWKS: a key is not an object");
    std::string use = GetString(entry, "use");
    if (!use.empty() && use != "sig") continue;
    if (entry.contains("key_ops")) {
      const json& ops = entry["key_ops"];
      if (!ops.is_array() || std::find(ops.begin(), ops.end(), "verify") == ops.end()) continue;
    }
    std::string kty = GetString(entry, "kty");
    std::string alg = GetString(entry, "alg");
    Jwk jwk;
    jwk.kid = GetString(entry, "kid");
    absl::StatusOr<EvpPkeyPtr> key;
    if (kty == "RSA") {
      jwk.algorithms = {kRs256, kPs256};
      key = RsaPublicKey(GetString(entry, "n"), GetString(entry, "e"));
    } else if (kty == "EC" && GetString(entry, "crv") == "P-256") {
      jwk.algorithms = {kEs256};
      key = P256PublicKey(GetString(entry, "x"), GetString(entry, "y"));
    } else {
      continue;  // oct (HMAC), OKP, other curves: never used to verify
    }
    if (!alg.empty()) {
      // The key names its algorithm: only that one, if we accept it.
      if (jwk.algorithms.count(alg) == 0) continue;
      jwk.algorithms = {alg};
    }
    // A key we cannot use (too short, off the curve, malformed) is left out
    // rather than failing the set: the provider's other keys still work.
    if (!key.ok()) continue;
    jwk.key = std::shared_ptr<EVP_PKEY>(key->release(), EvpPkeyFree());
    set.keys.push_back(std::move(jwk));
    if (set.keys.size() > kMaxKeys) return absl::InvalidArgumentError("JWKS: too many keys");
  }
  return set;
}

}  // namespace mcp_oauth::auth::oidc
