#include "common/crypto.h"

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace mcp_oauth::crypto {
namespace {

TEST(CryptoTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Sha256 reuses one digest context per thread: every call starts afresh,
// whatever the previous one hashed, on any thread.
TEST(CryptoTest, Sha256IsRightOnEveryCallAndThread) {
  const std::string empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  // FIPS 180-2 appendix B.2 (two blocks).
  const std::string two_blocks = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
  const std::string two_blocks_input = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  std::atomic<int> wrong{0};
  auto check = [&] {
    for (int i = 0; i < 200; ++i) {
      if (HexEncode(Sha256(two_blocks_input)) != two_blocks) ++wrong;
      if (HexEncode(Sha256("")) != empty) ++wrong;
      if (HexEncode(Sha256("abc")) != abc) ++wrong;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(check);
  check();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(CryptoTest, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, HmacSha256KeyMatchesTheOneShotHmac) {
  HmacSha256Key jefe("Jefe");
  EXPECT_EQ(HexEncode(jefe.Sign("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The keyed state is reused: a second message must not see the first.
  EXPECT_EQ(jefe.Sign("b"), HmacSha256("Jefe", "b"));
  EXPECT_EQ(jefe.Sign(""), HmacSha256("Jefe", ""));
  // Keys longer than SHA-256's block are hashed first; the empty key works.
  const std::string long_key(131, '\xaa');
  EXPECT_EQ(HmacSha256Key(long_key).Sign("Test Using Larger Than Block-Size Key - Hash Key First"),
            HmacSha256(long_key, "Test Using Larger Than Block-Size Key - Hash Key First"));
  EXPECT_EQ(HexEncode(HmacSha256Key(long_key).Sign(
                "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HmacSha256Key("").Sign("x"), HmacSha256("", "x"));
  // A reused signing context starts over with its key, whatever it signed last
  // (also for a key that was hashed first).
  HmacSha256Key reused(long_key);
  for (const std::string message : {"first", "", "a much longer message than the first", "first"}) {
    EXPECT_EQ(reused.Sign(message), HmacSha256(long_key, message)) << message;
  }
}

TEST(CryptoTest, HmacSha256KeyIsThreadSafe) {
  HmacSha256Key key("k");
  const std::string expected = HmacSha256("k", "message");
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (key.Sign("message") != expected) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(CryptoTest, PkceS256MatchesRfc7636Example) {
  EXPECT_EQ(Base64UrlEncode(Sha256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(CryptoTest, Base64UrlRoundTripsAllLengths) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    auto decoded = Base64UrlDecode(Base64UrlEncode(data));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<char>(i * 37));
  }
  EXPECT_FALSE(Base64UrlDecode("ab+c").ok());
  EXPECT_FALSE(Base64UrlDecode("a").ok());
}

TEST(CryptoTest, Base64DecodesBasicCredentials) {
  auto decoded = Base64Decode("QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "Aladdin:open sesame");
  EXPECT_FALSE(Base64Decode("QWxh*GRp").ok());
  EXPECT_FALSE(Base64Decode("QWx").ok());
}

TEST(CryptoTest, RandomTokensAreDistinctAndUrlSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string token = RandomToken(32);
    EXPECT_EQ(token.size(), 43u);
    EXPECT_EQ(
        token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret1"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(CryptoTest, Pbkdf2MatchesRfc7914Vector) {
  // RFC 7914 §11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1, dkLen=64.
  EXPECT_EQ(HexEncode(Pbkdf2Sha256("passwd", "salt", 1, 64)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
}

}  // namespace
}  // namespace mcp_oauth::crypto
