#include "auth/oidc/id_token.h"

#include <openssl/evp.h>

#include "absl/time/time.h"
#include "auth/oidc/jwk.h"
#include "auth/oidc/test_signer.h"
#include "common/crypto.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth::oidc {
namespace {

using nlohmann::json;
using testing::TestSigner;

constexpr char kIssuer[] = "https://idp.example.com";
constexpr char kClient[] = "our-client";
const absl::Time kNow = absl::FromUnixSeconds(1800000000);

JwkSet Keys(std::initializer_list<const TestSigner*> signers) {
  json doc = {{"keys", json::array()}};
  for (const TestSigner* s : signers) doc["keys"].push_back(s->PublicJwk());
  auto set = ParseJwks(doc.dump());
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *std::move(set) : JwkSet{};
}

IdTokenExpectations Expect() {
  IdTokenExpectations e;
  e.issuer = kIssuer;
  e.client_id = kClient;
  e.nonce = "n-0S6_WzA2Mj";
  return e;
}

json Claims() {
  return {{"iss", kIssuer},
          {"sub", "248289761001"},
          {"aud", kClient},
          {"nonce", "n-0S6_WzA2Mj"},
          {"iat", absl::ToUnixSeconds(kNow) - 5},
          {"exp", absl::ToUnixSeconds(kNow) + 300},
          {"email", "jane@example.com"},
          {"email_verified", true}};
}

class IdTokenTest : public ::testing::Test {
 protected:
  // Keys are generated once per suite: RSA generation is slow.
  static void SetUpTestSuite() {
    rsa_ = new TestSigner(TestSigner::Rsa("rsa-1"));
    ec_ = new TestSigner(TestSigner::P256("ec-1"));
    other_rsa_ = new TestSigner(TestSigner::Rsa("rsa-1"));  // same kid, other key
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
    delete other_rsa_;
  }

  IdTokenError Check(const std::string& token, const JwkSet& keys,
                     const IdTokenExpectations& expect = Expect(), absl::Time now = kNow) {
    IdTokenResult result = ValidateIdToken(token, keys, expect, now);
    EXPECT_EQ(result.ok(), result.error == IdTokenError::kNone);
    return result.error;
  }

  static TestSigner* rsa_;
  static TestSigner* ec_;
  static TestSigner* other_rsa_;
};

TestSigner* IdTokenTest::rsa_ = nullptr;
TestSigner* IdTokenTest::ec_ = nullptr;
TestSigner* IdTokenTest::other_rsa_ = nullptr;

TEST_F(IdTokenTest, AcceptsEachAllowedAlgorithm) {
  JwkSet keys = Keys({rsa_, ec_});
  for (auto [alg, signer] :
       {std::pair{"RS256", rsa_}, std::pair{"PS256", rsa_}, std::pair{"ES256", ec_}}) {
    IdTokenResult result = ValidateIdToken(signer->Sign(alg, Claims()), keys, Expect(), kNow);
    EXPECT_TRUE(result.ok()) << alg << ": " << result.detail;
    EXPECT_EQ(result.claims.value("sub", ""), "248289761001") << alg;
    EXPECT_EQ(result.claims.value("email", ""), "jane@example.com") << alg;
  }
}

TEST_F(IdTokenTest, RefusesNoneAndHmac) {
  JwkSet keys = Keys({rsa_});
  std::string header_none = crypto::Base64UrlEncode(R"({"alg":"none","kid":"rsa-1"})");
  std::string body = crypto::Base64UrlEncode(Claims().dump());
  EXPECT_EQ(Check(header_none + "." + body + ".", keys), IdTokenError::kAlgorithmNotAllowed);
  // HS256 keyed with the public key's JWK text (the classic confusion).
  std::string header_hs = crypto::Base64UrlEncode(R"({"alg":"HS256","kid":"rsa-1"})");
  std::string input = header_hs + "." + body;
  std::string mac = crypto::HmacSha256(rsa_->PublicJwk().dump(), input);
  EXPECT_EQ(Check(input + "." + crypto::Base64UrlEncode(mac), keys),
            IdTokenError::kAlgorithmNotAllowed);
  EXPECT_EQ(Check(rsa_->Sign("RS512", Claims()), keys), IdTokenError::kAlgorithmNotAllowed);
  // "none" in another spelling, and no alg at all, with a real signature.
  EXPECT_EQ(Check(rsa_->Sign("RS256", Claims(), {{"alg", "None"}}), keys),
            IdTokenError::kAlgorithmNotAllowed);
  EXPECT_EQ(Check(rsa_->Sign("RS256", Claims(), {{"alg", nullptr}}), keys),
            IdTokenError::kAlgorithmNotAllowed);
}

TEST_F(IdTokenTest, AlgorithmMustFitTheKey) {
  // An RSA key's kid with an ES256 header: the key does not allow ES256.
  JwkSet keys = Keys({rsa_, ec_});
  std::string es_with_rsa_kid = ec_->Sign("ES256", Claims(), {{"kid", "rsa-1"}});
  EXPECT_EQ(Check(es_with_rsa_kid, keys), IdTokenError::kAlgorithmNotAllowed);
  // A JWK naming "alg": "RS256" refuses PS256 tokens.
  json jwk = rsa_->PublicJwk();
  jwk["alg"] = "RS256";
  auto narrowed = ParseJwks(json{{"keys", {jwk}}}.dump());
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(Check(rsa_->Sign("PS256", Claims()), *narrowed), IdTokenError::kAlgorithmNotAllowed);
  EXPECT_EQ(Check(rsa_->Sign("RS256", Claims()), *narrowed), IdTokenError::kNone);
}

TEST_F(IdTokenTest, UnknownKeyAndBadSignature) {
  JwkSet keys = Keys({rsa_});
  IdTokenResult unknown = ValidateIdToken(ec_->Sign("ES256", Claims()), keys, Expect(), kNow);
  EXPECT_EQ(unknown.error, IdTokenError::kUnknownKey);
  EXPECT_EQ(unknown.kid, "ec-1");
  // Same kid, different key (a forged token): the signature fails.
  EXPECT_EQ(Check(other_rsa_->Sign("RS256", Claims()), keys), IdTokenError::kBadSignature);
  // A claim changed after signing.
  std::string token = rsa_->Sign("RS256", Claims());
  json changed = Claims();
  changed["sub"] = "admin";
  size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  std::string tampered =
      token.substr(0, dot1 + 1) + crypto::Base64UrlEncode(changed.dump()) + token.substr(dot2);
  EXPECT_EQ(Check(tampered, keys), IdTokenError::kBadSignature);
  // No kid: every key allowing the algorithm is tried.
  EXPECT_EQ(Check(rsa_->Sign("RS256", Claims(), {{"kid", nullptr}}), keys), IdTokenError::kNone);
  EXPECT_EQ(Check(ec_->Sign("ES256", Claims(), {{"kid", nullptr}}), keys),
            IdTokenError::kUnknownKey);
  // An ES256 signature of the wrong length.
  JwkSet ec_keys = Keys({ec_});
  std::string es = ec_->Sign("ES256", Claims());
  EXPECT_EQ(Check(es.substr(0, es.size() - 4), ec_keys), IdTokenError::kBadSignature);
}

TEST_F(IdTokenTest, ClaimChecks) {
  JwkSet keys = Keys({rsa_});
  auto with = [&](const char* name, json value) {
    json c = Claims();
    if (value.is_null()) {
      c.erase(name);
    } else {
      c[name] = value;
    }
    return rsa_->Sign("RS256", c);
  };
  int64_t now = absl::ToUnixSeconds(kNow);
  EXPECT_EQ(Check(with("iss", "https://idp.example.com/"), keys), IdTokenError::kWrongIssuer);
  EXPECT_EQ(Check(with("iss", nullptr), keys), IdTokenError::kWrongIssuer);
  EXPECT_EQ(Check(with("aud", "someone-else"), keys), IdTokenError::kWrongAudience);
  EXPECT_EQ(Check(with("aud", nullptr), keys), IdTokenError::kWrongAudience);
  EXPECT_EQ(Check(with("aud", 5), keys), IdTokenError::kWrongAudience);
  EXPECT_EQ(Check(with("aud", json::array({"x", "y"})), keys), IdTokenError::kWrongAudience);
  EXPECT_EQ(Check(with("aud", json::array({kClient})), keys), IdTokenError::kNone);
  EXPECT_EQ(Check(with("aud", json::array({kClient, "other"})), keys),
            IdTokenError::kWrongAuthorizedParty);
  EXPECT_EQ(Check(with("azp", "other"), keys), IdTokenError::kWrongAuthorizedParty);
  EXPECT_EQ(Check(with("azp", kClient), keys), IdTokenError::kNone);
  json several = Claims();
  several["aud"] = json::array({"other", kClient});
  several["azp"] = kClient;
  EXPECT_EQ(Check(rsa_->Sign("RS256", several), keys), IdTokenError::kNone);
  several["azp"] = "other";
  EXPECT_EQ(Check(rsa_->Sign("RS256", several), keys), IdTokenError::kWrongAuthorizedParty);
  EXPECT_EQ(Check(with("exp", now - 61), keys), IdTokenError::kExpired);
  EXPECT_EQ(Check(with("exp", now - 30), keys), IdTokenError::kNone);  // within leeway
  EXPECT_EQ(Check(with("exp", nullptr), keys), IdTokenError::kMalformed);
  EXPECT_EQ(Check(with("exp", "soon"), keys), IdTokenError::kMalformed);
  EXPECT_EQ(Check(with("iat", now + 120), keys), IdTokenError::kNotYetValid);
  EXPECT_EQ(Check(with("iat", now + 30), keys), IdTokenError::kNone);  // within leeway
  EXPECT_EQ(Check(with("iat", nullptr), keys), IdTokenError::kMalformed);
  EXPECT_EQ(Check(with("nbf", now + 120), keys), IdTokenError::kNotYetValid);
  EXPECT_EQ(Check(with("iat", now - 3600), keys), IdTokenError::kTooOld);
  EXPECT_EQ(Check(with("nonce", "other"), keys), IdTokenError::kWrongNonce);
  EXPECT_EQ(Check(with("nonce", nullptr), keys), IdTokenError::kWrongNonce);
  EXPECT_EQ(Check(with("sub", nullptr), keys), IdTokenError::kMissingSubject);
  EXPECT_EQ(Check(with("sub", ""), keys), IdTokenError::kMissingSubject);
  IdTokenExpectations no_nonce = Expect();
  no_nonce.nonce = "";
  EXPECT_EQ(Check(with("nonce", ""), keys, no_nonce), IdTokenError::kWrongNonce);
  // The injected clock decides expiry: the same token expires later.
  std::string token = rsa_->Sign("RS256", Claims());
  EXPECT_EQ(Check(token, keys, Expect(), kNow + absl::Seconds(359)), IdTokenError::kNone);
  EXPECT_EQ(Check(token, keys, Expect(), kNow + absl::Seconds(361)), IdTokenError::kExpired);
}

TEST_F(IdTokenTest, Malformed) {
  JwkSet keys = Keys({rsa_});
  EXPECT_EQ(Check("", keys), IdTokenError::kMalformed);
  EXPECT_EQ(Check("a.b", keys), IdTokenError::kMalformed);
  EXPECT_EQ(Check("a.b.c.d", keys), IdTokenError::kMalformed);
  EXPECT_EQ(Check("!!.e30.", keys), IdTokenError::kMalformed);
  EXPECT_EQ(Check(crypto::Base64UrlEncode("[]") + ".e30.", keys), IdTokenError::kMalformed);
  EXPECT_EQ(Check(std::string(20000, 'a'), keys), IdTokenError::kMalformed);
  EXPECT_EQ(Check(rsa_->Sign("RS256", Claims(), {{"crit", {"exp"}}}), keys),
            IdTokenError::kMalformed);
  EXPECT_EQ(Check(rsa_->Sign("RS256", Claims(), {{"kid", 5}}), keys), IdTokenError::kMalformed);
  EXPECT_STREQ(IdTokenErrorName(IdTokenError::kWrongAudience), "wrong_audience");
}

TEST(JwksTest, KeepsOnlyUsableSignatureKeys) {
  TestSigner rsa = TestSigner::Rsa("a");
  TestSigner ec = TestSigner::P256("b");
  TestSigner small = TestSigner::Rsa("small", 1024);
  json enc = rsa.PublicJwk();
  enc["kid"] = "enc";
  enc["use"] = "enc";
  json hs = {{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}};
  json p384 = ec.PublicJwk();
  p384["kid"] = "p384";
  p384["crv"] = "P-384";
  json off_curve = ec.PublicJwk();
  off_curve["kid"] = "off";
  off_curve["y"] = off_curve["x"];
  json rs512 = rsa.PublicJwk();
  rs512["kid"] = "rs512";
  rs512["alg"] = "RS512";
  auto set = ParseJwks(json{
      {"keys",
       {rsa.PublicJwk(), ec.PublicJwk(), small.PublicJwk(), enc, hs, p384, off_curve,
        rs512}}}.dump());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->keys.size(), 2u);
  EXPECT_EQ(set->keys[0].kid, "a");
  EXPECT_EQ(set->keys[0].algorithms, (std::set<std::string>{"PS256", "RS256"}));
  EXPECT_EQ(set->keys[1].kid, "b");
  EXPECT_EQ(set->keys[1].algorithms, (std::set<std::string>{"ES256"}));
  EXPECT_FALSE(ParseJwks("{").ok());
  EXPECT_FALSE(ParseJwks("{\"keys\": {}}").ok());
  EXPECT_FALSE(ParseJwks("[]").ok());
  EXPECT_TRUE(ParseJwks("{\"keys\": []}").ok());
}

}  // namespace
}  // namespace mcp_oauth::auth::oidc
