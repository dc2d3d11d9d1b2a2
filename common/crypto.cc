#include "common/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace mcp_oauth::crypto {
namespace {

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c, bool url_safe) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (url_safe) {
    if (c == '-') return 62;
    if (c == '_') return 63;
  } else {
    if (c == '+') return 62;
    if (c == '/') return 63;
  }
  return -1;
}

absl::StatusOr<std::string> DecodeBase64(std::string_view text, bool url_safe) {
  if (!url_safe) {
    if (text.size() % 4 != 0) return absl::InvalidArgumentError("bad base64 length");
    size_t pad = 0;
    while (pad < 2 && !text.empty() && text.back() == '=') {
      text.remove_suffix(1);
      ++pad;
    }
  }
  if (text.size() % 4 == 1) return absl::InvalidArgumentError("bad base64 length");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned int buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value = DecodeChar(c, url_safe);
    if (value < 0) return absl::InvalidArgumentError("bad base64 character");
    buffer = (buffer << 6) | static_cast<unsigned int>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace

std::string RandomBytes(size_t num_bytes) {
  std::string out(num_bytes, '\0');
  if (num_bytes > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(num_bytes)) != 1) {
    std::fputs("fatal: OpenSSL RAND_bytes failed\n", stderr);
    std::abort();
  }
  return out;
}

std::string RandomToken(size_t num_bytes) { return Base64UrlEncode(RandomBytes(num_bytes)); }

std::string Sha256(std::string_view data) {
  // The one-shot SHA256() fetches the algorithm by name and makes a context
  // on every call (most of its cost for short inputs such as a bearer token,
  // hashed per request): fetch once per process, keep a context per thread.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context local;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int length = 0;
  if (kSha256 == nullptr || local.ctx == nullptr ||
      EVP_DigestInit_ex2(local.ctx, kSha256, nullptr) != 1 ||
      EVP_DigestUpdate(local.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(local.ctx, digest, &length) != 1 || length != sizeof(digest)) {
    std::fputs("fatal: OpenSSL SHA-256 failed\n", stderr);
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

// The keyed MAC context, duplicated for each Sign (EVP_MAC_CTX_dup copies the
// already keyed inner and outer digests).
// Signing contexts are kept for reuse: EVP_MAC_CTX_dup of a keyed context per
// Sign (allocations and three digest contexts) cost more than the HMAC of a
// short message. A context taken from `idle` is re-initialised with the key it
// already holds (EVP_MAC_init with no key), so at most as many contexts exist
// as Signs ever ran at once.
struct HmacSha256Key::State {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;
  absl::Mutex mu;
  std::vector<EVP_MAC_CTX*> idle ABSL_GUARDED_BY(mu);
};

HmacSha256Key::HmacSha256Key(std::string_view key) : state_(new State) {
  state_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (state_->mac != nullptr) state_->keyed = EVP_MAC_CTX_new(state_->mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  // An empty key still needs a valid pointer.
  static const unsigned char kEmpty = 0;
  const unsigned char* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (state_->keyed == nullptr || EVP_MAC_init(state_->keyed, key_bytes, key.size(), params) != 1) {
    std::fputs("fatal: OpenSSL HMAC-SHA256 unavailable\n", stderr);
    std::abort();
  }
}

HmacSha256Key::~HmacSha256Key() {
  {
    absl::MutexLock lock(&state_->mu);
    for (EVP_MAC_CTX* ctx : state_->idle) EVP_MAC_CTX_free(ctx);
  }
  EVP_MAC_CTX_free(state_->keyed);
  EVP_MAC_free(state_->mac);
  delete state_;
}

std::string HmacSha256Key::Sign(std::string_view data) const {
  EVP_MAC_CTX* ctx = nullptr;
  {
    absl::MutexLock lock(&state_->mu);
    if (!state_->idle.empty()) {
      ctx = state_->idle.back();
      state_->idle.pop_back();
    }
  }
  // A fresh copy starts keyed; a reused one starts over with its key.
  const bool ready = ctx == nullptr ? (ctx = EVP_MAC_CTX_dup(state_->keyed)) != nullptr
                                    : EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1;
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (!ready ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, digest, &length, sizeof(digest)) != 1) {
    std::fputs("fatal: OpenSSL HMAC-SHA256 failed\n", stderr);
    std::abort();
  }
  {
    absl::MutexLock lock(&state_->mu);
    state_->idle.push_back(ctx);
  }
  return std::string(reinterpret_cast<char*>(digest), length);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Base64UrlEncode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  unsigned int buffer = 0;
  int bits = 0;
  for (unsigned char c : data) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64UrlAlphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kBase64UrlAlphabet[(buffer << (6 - bits)) & 0x3F]);
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  return DecodeBase64(text, /*url_safe=*/true);
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  return DecodeBase64(text, /*url_safe=*/false);
}

std::string HexEncode(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

std::string Pbkdf2Sha256(std::string_view password, std::string_view salt, int iterations,
                         size_t key_length) {
  std::string out(key_length, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(),
                    static_cast<int>(key_length), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace mcp_oauth::crypto
