#include "auth/oidc/test_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <memory>

#include "common/crypto.h"

namespace mcp_oauth::auth::oidc::testing {
namespace {

void Die(const char* what) {
  fprintf(stderr, "TestSigner: %s failed\n", what);
  abort();
}

std::string BnParam(EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) Die(name);
  int size = width > 0 ? width : BN_num_bytes(bn);
  std::string out(size, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size) != size) Die(name);
  BN_free(bn);
  return crypto::Base64UrlEncode(out);
}

}  // namespace

TestSigner TestSigner::Rsa(std::string kid, int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (!key) Die("EVP_RSA_gen");
  return TestSigner(std::move(kid), EvpPkeyPtr(key));
}

TestSigner TestSigner::P256(std::string kid) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) Die("EVP_EC_gen");
  return TestSigner(std::move(kid), EvpPkeyPtr(key));
}

nlohmann::json TestSigner::PublicJwk() const {
  nlohmann::json jwk = {{"kid", kid_}, {"use", "sig"}};
  if (EVP_PKEY_get_base_id(key_.get()) == EVP_PKEY_RSA) {
    jwk["kty"] = "RSA";
    jwk["n"] = BnParam(key_.get(), OSSL_PKEY_PARAM_RSA_N);
    jwk["e"] = BnParam(key_.get(), OSSL_PKEY_PARAM_RSA_E);
  } else {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = BnParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32);
    jwk["y"] = BnParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32);
  }
  return jwk;
}

std::string SignJws(const std::string& alg, EVP_PKEY* key, const std::string& signing_input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, key) != 1) Die("sign init");
  if (alg == "PS256") {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256());
  }
  size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (EVP_DigestSign(ctx, nullptr, &length, data, signing_input.size()) != 1) Die("sign size");
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                     signing_input.size()) != 1) {
    Die("sign");
  }
  signature.resize(length);
  EVP_MD_CTX_free(ctx);
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &der, signature.size());
    if (!sig) Die("d2i_ECDSA_SIG");
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    signature = raw;
  }
  return signature;
}

std::string TestSigner::Sign(const std::string& alg, const nlohmann::json& claims,
                             const nlohmann::json& extra_header) const {
  nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}};
  if (!kid_.empty()) header["kid"] = kid_;
  for (auto it = extra_header.begin(); it != extra_header.end(); ++it) header[it.key()] = *it;
  if (header["kid"].is_null()) header.erase("kid");
  std::string input =
      crypto::Base64UrlEncode(header.dump()) + "." + crypto::Base64UrlEncode(claims.dump());
  return input + "." + crypto::Base64UrlEncode(SignJws(alg, key_.get(), input));
}

}  // namespace mcp_oauth::auth::oidc::testing
