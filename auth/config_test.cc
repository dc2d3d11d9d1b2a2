#include "auth/config.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/config_summary.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

GetEnvFunction Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Flags as a main gives them: through a table with the auth flags and the
// default public URL's --port/--host, so that flag > environment is tested too.
using FlagMap = std::map<std::string, std::string>;
FlagMap Flags(FlagMap values) { return values; }

AuthFlags Parse(const FlagMap& values, const GetEnvFunction& env) {
  AuthFlags out;
  flags::FlagTable table("test\n");
  AddAuthFlags(&table, &out);
  AddDefaultPublicUrlFlags(&table, &out);
  std::vector<std::string> args;
  for (const auto& [name, value] : values) args.push_back("--" + name + "=" + value);
  auto outcome = table.Parse(args, env);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return out;
}

absl::StatusOr<AuthOptions> BuildAuthOptions(const FlagMap& values, const GetEnvFunction& env) {
  return auth::BuildAuthOptions(Parse(values, env), env);
}

absl::StatusOr<AuthOptions> BuildAuthOptionsFromJson(const FlagMap& values,
                                                     const GetEnvFunction& env,
                                                     std::string_view json) {
  return auth::BuildAuthOptionsFromJson(Parse(values, env), env, json);
}

// A cheap hash so tests stay fast.
std::string FastHash(const std::string& secret) { return HashSecret(secret, 1000); }

TEST(SecretHashTest, RoundTripAndRejects) {
  std::string hash = HashSecret("s3cret", 1000);
  EXPECT_TRUE(absl::StartsWith(hash, "pbkdf2-sha256$1000$"));
  EXPECT_TRUE(VerifySecret("s3cret", hash));
  EXPECT_FALSE(VerifySecret("s3cret ", hash));
  // PBKDF2-HMAC zero-pads the key: trailing NULs must not sign in.
  EXPECT_FALSE(VerifySecret(std::string("s3cret\0\0", 8), hash));
  EXPECT_FALSE(VerifySecret("s3cret", "pbkdf2-sha256$1000$bad"));
  EXPECT_NE(HashSecret("s3cret", 1000), hash);  // random salt
  EXPECT_TRUE(ValidateSecretHash(hash).ok());
  EXPECT_FALSE(ValidateSecretHash("md5$x").ok());
  EXPECT_EQ(SecretHashIterations(hash), 1000);
}

TEST(ConfigTest, Defaults) {
  auto options = BuildAuthOptions(Flags({}), Env({}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->public_url, "http://localhost:9003");
  EXPECT_EQ(options->canonical_resource(), "http://localhost:9003/mcp");
  ASSERT_EQ(options->clients.size(), 1u);
  const ClientConfig& c = options->clients[0];
  EXPECT_EQ(c.client_id, "static-mcp-client-001");
  EXPECT_TRUE(VerifySecret("your-secret-key-change-this-in-production", c.secret_hash));
  EXPECT_EQ(c.redirect_uris, std::vector<std::string>{"http://localhost:9003/callback"});
  EXPECT_EQ(c.allowed_scopes, std::vector<std::string>{"user"});
  EXPECT_TRUE(options->using_default_client_secret);
  EXPECT_TRUE(options->using_demo_user);
  ASSERT_EQ(options->users.size(), 1u);
  EXPECT_EQ(options->users[0].username, "demo_user");
  EXPECT_TRUE(VerifySecret("demo_password", options->users[0].password_hash));
  EXPECT_GE(SecretHashIterations(options->users[0].password_hash), 100000);
  EXPECT_EQ(options->access_token_ttl, absl::Seconds(3600));
  EXPECT_EQ(options->code_ttl, absl::Seconds(300));
  EXPECT_EQ(options->grant_lifetime, absl::Hours(24 * 90));
}

TEST(ConfigTest, GrantLifetime) {
  // A user and a client of our own: no slow default hashes.
  std::string file = R"({"token_lifetimes": {"grant_seconds": 86400},
      "users": [{"username": "a", "password_hash": ")" +
                     FastHash("pw") + R"("}],
      "clients": [{"client_id": "c", "client_secret_hash": ")" +
                     FastHash("s") + R"(",
                   "redirect_uris": ["http://localhost/cb"]}]})";
  auto o = BuildAuthOptionsFromJson(Flags({}), Env({}), file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->grant_lifetime, absl::Hours(24));
}

TEST(ConfigTest, FlagBeatsEnvBeatsFileBeatsDefault) {
  std::string file = R"({"public_url": "https://file.example/",
    "clients": [{"client_id": "file-client", "client_secret_hash": ")" +
                     FastHash("file-secret") + R"(",
                  "redirect_uris": ["https://file.example/cb"]}]})";
  // File only.
  auto o = BuildAuthOptionsFromJson(Flags({}), Env({}), file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->public_url, "https://file.example");
  EXPECT_EQ(o->clients[0].client_id, "file-client");
  EXPECT_TRUE(VerifySecret("file-secret", o->clients[0].secret_hash));
  EXPECT_FALSE(o->using_default_client_secret);

  // Env beats file.
  auto env = Env({{"MCP_STATIC_CLIENT_ID", "env-client"},
                  {"MCP_STATIC_CLIENT_SECRET", "env-secret"},
                  {"MCP_STATIC_PUBLIC_URL", "https://env.example"},
                  {"MCP_STATIC_REDIRECT_URIS", "https://env.example/a, http://127.0.0.1/b"}});
  o = BuildAuthOptionsFromJson(Flags({}), env, file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->public_url, "https://env.example");
  EXPECT_EQ(o->clients[0].client_id, "env-client");
  EXPECT_TRUE(VerifySecret("env-secret", o->clients[0].secret_hash));
  EXPECT_EQ(o->clients[0].redirect_uris,
            (std::vector<std::string>{"https://env.example/a", "http://127.0.0.1/b"}));

  // Flags beat env.
  o = BuildAuthOptionsFromJson(Flags({{"client-id", "flag-client"},
                                      {"client-secret", "flag-secret"},
                                      {"public-url", "http://flag.example:8080"},
                                      {"redirect-uris", "http://flag.example:8080/cb"}}),
                               env, file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->public_url, "http://flag.example:8080");
  EXPECT_EQ(o->clients[0].client_id, "flag-client");
  EXPECT_TRUE(VerifySecret("flag-secret", o->clients[0].secret_hash));
  EXPECT_FALSE(VerifySecret("env-secret", o->clients[0].secret_hash));
  EXPECT_EQ(o->clients[0].redirect_uris, std::vector<std::string>{"http://flag.example:8080/cb"});
}

TEST(ConfigTest, HashingBudgetFlagBeatsEnvBeatsDefault) {
  auto o = BuildAuthOptions(Flags({}), Env({}));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->hash_threads, 0);  // half the cores, decided by the service
  EXPECT_EQ(o->hash_queue, 16);

  auto env = Env({{"MCP_HASH_THREADS", "3"}, {"MCP_HASH_QUEUE", "5"}});
  o = BuildAuthOptions(Flags({}), env);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->hash_threads, 3);
  EXPECT_EQ(o->hash_queue, 5);

  o = BuildAuthOptions(Flags({{"hash-threads", "1"}, {"hash-queue", "2"}}), env);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->hash_threads, 1);
  EXPECT_EQ(o->hash_queue, 2);

  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"hash-threads", "0"},
                                                        {"hash-threads", "x"},
                                                        {"hash-queue", "0"},
                                                        {"hash-queue", "-1"}}) {
    o = BuildAuthOptions(Flags({{flag, value}}), Env({}));
    EXPECT_FALSE(o.ok()) << flag << "=" << value;
    EXPECT_NE(o.status().message().find("--" + flag), std::string::npos) << o.status();
  }
}

TEST(ConfigTest, TokenRateLimitFlagBeatsEnvBeatsFileBeatsDefault) {
  auto o = BuildAuthOptions(Flags({}), Env({}));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->token_rate_per_second, 200);
  EXPECT_EQ(o->token_rate_burst, 400);

  std::string file = R"({"token_rate_limit": {"requests_per_second": 2.5, "burst": 7}})";
  o = BuildAuthOptionsFromJson(Flags({}), Env({}), file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->token_rate_per_second, 2.5);
  EXPECT_EQ(o->token_rate_burst, 7);

  auto env = Env({{"MCP_TOKEN_RATE_LIMIT", "0"}, {"MCP_TOKEN_RATE_BURST", "9"}});
  o = BuildAuthOptionsFromJson(Flags({}), env, file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->token_rate_per_second, 0);  // 0 = no limit
  EXPECT_EQ(o->token_rate_burst, 9);

  o = BuildAuthOptionsFromJson(Flags({{"token-rate-limit", "50"}, {"token-rate-burst", "3"}}), env,
                               file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->token_rate_per_second, 50);
  EXPECT_EQ(o->token_rate_burst, 3);

  for (const char* bad : {"-1", "fast", "nan", "1e9"}) {
    o = BuildAuthOptions(Flags({{"token-rate-limit", bad}}), Env({}));
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_TRUE(absl::StrContains(o.status().message(), "--token-rate-limit")) << bad;
  }
  for (const char* bad : {"0", "-3", "1.5"}) {
    o = BuildAuthOptions(Flags({{"token-rate-burst", bad}}), Env({}));
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_TRUE(absl::StrContains(o.status().message(), "--token-rate-burst")) << bad;
  }
}

TEST(ConfigTest, ClientAuthThrottleFlagBeatsEnvBeatsFileBeatsDefault) {
  auto o = BuildAuthOptions(Flags({}), Env({}));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_client_auth_failures, 10);
  EXPECT_EQ(o->max_client_auth_failures_per_ip, 50);
  EXPECT_EQ(o->client_auth_failure_window, absl::Minutes(5));

  std::string file = R"({"client_auth_throttle": {"max_failures": 4, "max_failures_per_ip": 8,
                                                  "window_seconds": 30}})";
  o = BuildAuthOptionsFromJson(Flags({}), Env({}), file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_client_auth_failures, 4);
  EXPECT_EQ(o->max_client_auth_failures_per_ip, 8);
  EXPECT_EQ(o->client_auth_failure_window, absl::Seconds(30));

  auto env = Env({{"MCP_CLIENT_AUTH_MAX_FAILURES", "0"},
                  {"MCP_CLIENT_AUTH_MAX_FAILURES_PER_IP", "20"},
                  {"MCP_CLIENT_AUTH_FAILURE_WINDOW", "90"}});
  o = BuildAuthOptionsFromJson(Flags({}), env, file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_client_auth_failures, 0);
  EXPECT_EQ(o->max_client_auth_failures_per_ip, 20);
  EXPECT_EQ(o->client_auth_failure_window, absl::Seconds(90));

  o = BuildAuthOptionsFromJson(Flags({{"client-auth-max-failures", "2"},
                                      {"client-auth-max-failures-per-ip", "3"},
                                      {"client-auth-failure-window", "5"}}),
                               env, file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_client_auth_failures, 2);
  EXPECT_EQ(o->max_client_auth_failures_per_ip, 3);
  EXPECT_EQ(o->client_auth_failure_window, absl::Seconds(5));

  for (const char* flag : {"client-auth-max-failures", "client-auth-max-failures-per-ip",
                           "client-auth-failure-window"}) {
    for (const char* bad : {"-1", "many", "2.5", "99999999"}) {
      o = BuildAuthOptions(Flags({{flag, bad}}), Env({}));
      ASSERT_FALSE(o.ok()) << flag << "=" << bad;
      EXPECT_TRUE(absl::StrContains(o.status().message(), std::string("--") + flag + ":"))
          << o.status();
    }
  }
  o = BuildAuthOptions(Flags({{"client-auth-failure-window", "0"}}), Env({}));
  EXPECT_FALSE(o.ok());
  o = BuildAuthOptionsFromJson(Flags({}), Env({}),
                               R"({"client_auth_throttle": {"max_failures": -1}})");
  ASSERT_FALSE(o.ok());
  EXPECT_TRUE(absl::StrContains(o.status().message(), "client_auth_throttle.max_failures"));
  o = BuildAuthOptionsFromJson(Flags({}), Env({}), R"({"client_auth_throttle": {"window": 1}})");
  ASSERT_FALSE(o.ok());
  EXPECT_TRUE(absl::StrContains(o.status().message(), "unknown key")) << o.status();
}

TEST(ConfigTest, PortAndHostBuildDefaultPublicUrl) {
  auto o = BuildAuthOptions(Flags({}), Env({{"MCP_STATIC_PORT", "8123"}}));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->public_url, "http://localhost:8123");
  EXPECT_EQ(o->clients[0].redirect_uris[0], "http://localhost:8123/callback");
  o = BuildAuthOptions(Flags({{"port", "9999"}, {"host", "127.0.0.1"}}),
                       Env({{"MCP_STATIC_PORT", "8123"}}));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->public_url, "http://127.0.0.1:9999");
  o = BuildAuthOptions(Flags({{"host", "0.0.0.0"}}), Env({}));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->public_url, "http://localhost:9003");
  EXPECT_FALSE(BuildAuthOptions(Flags({{"port", "http"}}), Env({})).ok());
}

TEST(ConfigTest, ReadsFileFromDisk) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(dir ? dir : "/tmp", "/auth_config_test.json");
  {
    std::ofstream out(path);
    out << R"({"users": [{"username": "alice", "password_hash": ")" << FastHash("pw")
        << R"(", "subject": "u-1"}], "token_lifetimes": {"access_token_seconds": 60},
        "scopes_supported": ["user", "admin"]})";
  }
  auto o = BuildAuthOptions(Flags({{"config", path}}), Env({}));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->using_demo_user);
  ASSERT_EQ(o->users.size(), 1u);
  EXPECT_EQ(o->users[0].subject, "u-1");
  EXPECT_EQ(o->access_token_ttl, absl::Seconds(60));
  EXPECT_EQ(o->clients[0].allowed_scopes, (std::vector<std::string>{"user", "admin"}));
  EXPECT_FALSE(BuildAuthOptions(Flags({{"config", path + ".missing"}}), Env({})).ok());
  std::remove(path.c_str());
}

TEST(ConfigTest, PublicClientAndClientCredentials) {
  std::string file = R"({"clients": [
     {"client_id": "static", "client_secret_hash": ")" +
                     FastHash("x") + R"(",
      "redirect_uris": ["http://localhost/cb"]},
     {"client_id": "native", "token_endpoint_auth_method": "none",
      "redirect_uris": ["http://127.0.0.1/cb"]},
     {"client_id": "svc", "client_secret_hash": ")" +
                     FastHash("y") + R"(",
      "grant_types": ["client_credentials"]}]})";
  auto o = BuildAuthOptionsFromJson(Flags({}), Env({}), file);
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->clients.size(), 3u);
  EXPECT_TRUE(o->clients[1].is_public());
  EXPECT_TRUE(o->clients[1].secret_hash.empty());
  EXPECT_EQ(o->clients[2].grant_types, std::vector<std::string>{"client_credentials"});
  for (const ClientConfig& client : o->clients) EXPECT_FALSE(client.introspect_any_token);
}

TEST(ConfigTest, IntrospectAnyTokenIsOptInPerClient) {
  std::string file = R"({"clients": [
     {"client_id": "static", "client_secret_hash": ")" +
                     FastHash("x") + R"(",
      "redirect_uris": ["http://localhost/cb"], "introspect_any_token": false},
     {"client_id": "rs", "client_secret_hash": ")" +
                     FastHash("y") + R"(",
      "grant_types": ["client_credentials"], "introspect_any_token": true}],
     "users": [{"username": "u", "password_hash": ")" +
                     FastHash("pw") + R"("}]})";
  auto o = BuildAuthOptionsFromJson(Flags({}), Env({}), file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->clients[0].introspect_any_token);
  EXPECT_TRUE(o->clients[1].introspect_any_token);
  EXPECT_TRUE(o->clients[1].may_introspect("static"));
  EXPECT_TRUE(o->clients[0].may_introspect("static"));
  EXPECT_FALSE(o->clients[0].may_introspect("rs"));
  EXPECT_TRUE(absl::StrContains(DescribeAuthOptions(*o), "; introspects any token\n"));
}

// Every error of a file is named, one per line, so an operator fixes them in
// one pass (oauth_admin check-config prints them).
TEST(ConfigTest, NamesEveryError) {
  std::string hash = HashSecret("x", 1000);
  auto o = BuildAuthOptionsFromJson(Flags({}), Env({}),
                                    R"({
      "bogus": 1,
      "clients": [{"client_id": "a", "extra": 1},
                  {"client_id": "b", "client_secret_hash": ")" +
                                        hash + R"("},
                  {"client_id": "c", "token_endpoint_auth_method": "none",
                   "redirect_uris": ["http://x/cb"], "scopes": ["admin"]}],
      "users": [{"username": "u", "password_hash": ")" +
                                        hash + R"("},
                {"username": "u", "password_hash": ")" +
                                        hash + R"("}],
      "token_lifetimes": {"access_token_seconds": 0}})");
  ASSERT_FALSE(o.ok());
  std::vector<std::string> lines = absl::StrSplit(o.status().message(), '\n');
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "config bogus: unknown key", "config clients[0].extra: unknown key",
                       "config token_lifetimes.access_token_seconds: must be a positive integer "
                       "number of seconds"}))
      << o.status().message();
  // Once the file parses, the cross-field checks name every error too.
  o = BuildAuthOptionsFromJson(Flags({}), Env({}),
                               R"({
      "clients": [{"client_id": "b", "client_secret_hash": ")" +
                                   hash + R"("},
                  {"client_id": "c", "token_endpoint_auth_method": "none",
                   "redirect_uris": ["http://x/cb"], "scopes": ["admin"]},
                  {"client_id": "d", "token_endpoint_auth_method": "none",
                   "grant_types": ["client_credentials"]}],
      "users": [{"username": "u", "password_hash": ")" +
                                   hash + R"("},
                {"username": "u", "password_hash": ")" +
                                   hash + R"("}]})");
  ASSERT_FALSE(o.ok());
  lines = absl::StrSplit(o.status().message(), '\n');
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "config clients[1].scopes: scope \"admin\" is not in scopes_supported",
                       "config clients[2].grant_types: client_credentials needs a confidential "
                       "client",
                       "config users[1].username: duplicate username"}))
      << o.status().message();
}

TEST(ConfigSummaryTest, DescribesWithoutSecrets) {
  std::string hash = HashSecret("x", 1000);
  auto o = BuildAuthOptionsFromJson(Flags({}), Env({}),
                                    R"({
      "public_url": "https://mcp.example.com",
      "clients": [{"client_id": "app", "client_name": "App", "client_secret_hash": ")" +
                                        hash + R"(",
                   "redirect_uris": ["https://app.example.com/cb"]}],
      "users": [{"username": "alice", "subject": "u-1", "password_hash": ")" +
                                        hash + R"("}]})");
  ASSERT_TRUE(o.ok()) << o.status();
  std::string text = DescribeAuthOptions(*o);
  EXPECT_TRUE(absl::StrContains(text, "issuer: https://mcp.example.com\n")) << text;
  EXPECT_TRUE(absl::StrContains(text,
                                "  app (App): confidential, client_secret_basic; grants "
                                "authorization_code refresh_token; scopes user\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "    redirect_uri https://app.example.com/cb\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "  alice (subject u-1)\n")) << text;
  EXPECT_FALSE(absl::StrContains(text, "pbkdf2")) << text;
  EXPECT_FALSE(absl::StrContains(text, "warning")) << text;
  auto demo = BuildAuthOptionsFromJson(Flags({}), Env({}), "");
  ASSERT_TRUE(demo.ok());
  EXPECT_TRUE(absl::StrContains(DescribeAuthOptions(*demo), "warning: no users configured"));
}

TEST(ConfigTest, IdentityProviders) {
  std::string dir = ::testing::TempDir();
  std::string secret_file = dir + "/idp-secret";
  {
    std::ofstream f(secret_file);
    f << "from-file\n";
  }
  auto o = BuildAuthOptionsFromJson(Flags({}), Env({}),
                                    R"({
      "identity_providers": [
        {"id": "corp", "display_name": "Corp SSO", "issuer": "https://sso.example.com/realms/x",
         "client_id": "mcp", "client_secret": "s1",
         "allowed_email_domains": ["example.com"], "required_claims": {"groups": "mcp"}},
        {"id": "dev", "issuer": "http://127.0.0.1:8080", "client_id": "mcp",
         "client_secret_file": ")" + secret_file +
                                        R"(", "username_claim": "preferred_username"}]})");
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->identity_providers.size(), 2u);
  const IdentityProviderConfig& corp = o->identity_providers[0];
  EXPECT_EQ(corp.display_name, "Corp SSO");
  EXPECT_EQ(corp.scopes, (std::vector<std::string>{"openid", "email", "profile"}));
  EXPECT_EQ(corp.username_claim, "email");
  EXPECT_EQ(corp.required_claims.at("groups"), "mcp");
  EXPECT_EQ(o->identity_providers[1].client_secret, "from-file");
  EXPECT_EQ(o->identity_providers[1].display_name, "dev");
  // Providers and no users: no demo user.
  EXPECT_TRUE(o->users.empty());
  EXPECT_FALSE(o->using_demo_user);
  std::string text = DescribeAuthOptions(*o);
  EXPECT_TRUE(absl::StrContains(text, "  corp (Corp SSO): issuer https://sso.example.com/realms/x"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "    requires groups = mcp")) << text;
  EXPECT_FALSE(absl::StrContains(text, "s1")) << text;
  EXPECT_FALSE(absl::StrContains(text, "from-file")) << text;

  auto bad = BuildAuthOptionsFromJson(Flags({}), Env({}), R"({"identity_providers": [
      {"id": "Corp", "issuer": "https://a", "client_id": "c", "client_secret": "s"},
      {"id": "b", "issuer": "http://sso.example.com", "client_id": "c", "client_secret": "s"},
      {"id": "c", "issuer": "https://a", "client_id": "c"},
      {"id": "d", "issuer": "https://a", "client_id": "c", "client_secret": "s",
       "scopes": ["email"]},
      {"id": "e", "issuer": "https://a", "client_id": "c", "client_secret": "s"},
      {"id": "e", "issuer": "https://a", "client_id": "c", "client_secret": "s"},
      {"id": "client", "issuer": "https://a", "client_id": "c", "client_secret": "s"}]})");
  ASSERT_FALSE(bad.ok());
  std::vector<std::string> lines = absl::StrSplit(bad.status().message(), '\n');
  ASSERT_EQ(lines.size(), 6u) << bad.status().message();
  EXPECT_TRUE(absl::StartsWith(lines[0], "config identity_providers[0].id: must be")) << lines[0];
  EXPECT_TRUE(absl::StartsWith(lines[1], "config identity_providers[1].issuer: must be an https"))
      << lines[1];
  EXPECT_TRUE(absl::StartsWith(lines[2], "config identity_providers[2].client_secret: give"))
      << lines[2];
  EXPECT_EQ(lines[3], "config identity_providers[3].scopes: must include openid");
  EXPECT_EQ(lines[4], "config identity_providers[5].id: duplicate id");
  EXPECT_TRUE(absl::StartsWith(lines[5], "config identity_providers[6].id: must be")) << lines[5];
}

// Writes `contents` to a file in the test's temporary directory; returns its path.
std::string WriteTempFile(const std::string& name, const std::string& contents) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream f(path, std::ios::binary);
  f << contents;
  return path;
}

// A fast user and client, so that no default PBKDF2 hash is computed.
std::string FastUsersAndClients() {
  return R"("clients": [{"client_id": "c", "client_secret_hash": ")" + FastHash("x") +
         R"(", "redirect_uris": ["http://localhost/cb"]}],
            "users": [{"username": "u", "password_hash": ")" +
         FastHash("pw") + R"("}])";
}

TEST(ConfigTest, ToolBackends) {
  const std::string pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
  const std::string secret = "0123456789abcdef0123456789abcdef-secret";
  std::string ca = WriteTempFile("tb-ca.pem", pem);
  std::string cert = WriteTempFile("tb-cert.pem", pem);
  std::string key = WriteTempFile("tb-key.pem", "-----BEGIN PRIVATE KEY-----\nBB==\n");
  std::string secret_file = WriteTempFile("tb-secret", secret + "\n");
  auto o = BuildAuthOptionsFromJson(Flags({}), Env({}),
                                    "{" + FastUsersAndClients() + R"(,
      "tool_backends": [
        {"name": "py", "target": "10.0.0.5:50051", "prefix": "py_",
         "server_ca_file": ")" + ca + R"(", "client_cert_file": ")" +
                                        cert + R"(",
         "client_key_file": ")" + key + R"("},
        {"name": "go.tools-2", "target": "127.0.0.1:7000",
         "shared_secret_file": ")" + secret_file +
                                        R"("},
        {"name": "plain", "target": "localhost:7001"}]})");
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->tool_backends.size(), 3u);
  const ToolBackendFileConfig& py = o->tool_backends[0];
  EXPECT_EQ(py.name, "py");
  EXPECT_EQ(py.target, "10.0.0.5:50051");
  EXPECT_EQ(py.prefix, "py_");
  EXPECT_EQ(py.server_ca_pem, pem);
  EXPECT_EQ(py.client_cert_pem, pem);
  EXPECT_EQ(py.client_key_pem, "-----BEGIN PRIVATE KEY-----\nBB==\n");
  EXPECT_TRUE(py.shared_secret.empty());
  EXPECT_EQ(o->tool_backends[1].shared_secret, secret);  // without the newline
  EXPECT_TRUE(o->tool_backends[1].server_ca_pem.empty());
  EXPECT_TRUE(o->tool_backends[2].prefix.empty());

  // check-config lists them, never the secret or the PEM contents.
  std::string text = DescribeAuthOptions(*o);
  EXPECT_TRUE(absl::StrContains(text, "tool backends: 3\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "  py: 10.0.0.5:50051, prefix py_, TLS (CA " + ca +
                                          "), client certificate " + cert + "\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text,
                                "  go.tools-2: 127.0.0.1:7000, plaintext, shared secret "
                                "from " +
                                    secret_file + "\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "  plain: localhost:7001, plaintext\n")) << text;
  EXPECT_FALSE(absl::StrContains(text, secret)) << text;
  EXPECT_FALSE(absl::StrContains(text, "BEGIN")) << text;
}

// Every tool_backends error is named, one per line, in one run.
TEST(ConfigTest, ToolBackendErrors) {
  std::string pem = WriteTempFile("tbe-ca.pem", "-----BEGIN CERTIFICATE-----\nAA==\n");
  std::string not_pem = WriteTempFile("tbe-not.pem", "hello");
  std::string short_secret = WriteTempFile("tbe-short", "too-short-secret");
  std::string spaced_secret = WriteTempFile("tbe-spaced", "0123456789 abcdef0123456789abcdef");
  const std::string missing = ::testing::TempDir() + "/tbe-no-such-file";
  auto bad = BuildAuthOptionsFromJson(Flags({}), Env({}),
                                      R"({"tool_backends": [
      {"name": "a", "target": "h:1", "tls": true},
      {"target": "h:1"},
      {"name": "b"},
      {"name": "bad name", "target": "h:1"},
      {"name": "builtin", "target": "h:1"},
      {"name": "c", "target": "h:1"},
      {"name": "c", "target": "h:2"},
      {"name": "d", "target": 5},
      {"name": "e", "target": "h:1", "client_cert_file": ")" +
                                          pem + R"("},
      {"name": "f", "target": "h:1", "client_cert_file": ")" +
                                          pem + R"(",
       "client_key_file": ")" + pem + R"("},
      {"name": "g", "target": "h:1", "server_ca_file": ")" +
                                          missing + R"("},
      {"name": "h", "target": "h:1", "server_ca_file": ")" +
                                          not_pem + R"("},
      {"name": "i", "target": "h:1", "shared_secret_file": ")" +
                                          short_secret + R"("},
      {"name": "j", "target": "h:1", "shared_secret_file": ")" +
                                          spaced_secret + R"("},
      {"name": "k", "target": "h:1", "prefix": "has space"},
      "not an object"]})");
  ASSERT_FALSE(bad.ok());
  std::vector<std::string> lines = absl::StrSplit(bad.status().message(), '\n');
  const std::vector<std::string> expected = {
      "config tool_backends[0].tls: unknown key",
      "config tool_backends[1].name: is required",
      "config tool_backends[2].target: is required (host:port of the ToolService)",
      "config tool_backends[3].name: must be 1-64 of A-Z, a-z, 0-9, '_', '.', '-'",
      "config tool_backends[4].name: \"builtin\" names the in-process tools",
      "config tool_backends[6].name: duplicate name \"c\"",
      "config tool_backends[7].target: must be a string",
      "config tool_backends[8].client_cert_file: and client_key_file go together",
      "config tool_backends[9].client_cert_file: needs server_ca_file (client certificates are "
      "sent over TLS)",
      "config tool_backends[10].server_ca_file: cannot read " + missing,
      "config tool_backends[11].server_ca_file: " + not_pem + " is not a PEM file",
      "config tool_backends[12].shared_secret_file: the shared secret must be at least 32 "
      "characters",
      "config tool_backends[13].shared_secret_file: the shared secret must be visible ASCII "
      "without spaces",
      "config tool_backends[14].prefix: must be at most 64 visible ASCII characters",
      "config tool_backends[15]: must be an object"};
  EXPECT_EQ(lines, expected) << bad.status().message();
  EXPECT_FALSE(absl::StrContains(bad.status().message(), "too-short-secret"));

  auto not_array = BuildAuthOptionsFromJson(Flags({}), Env({}), R"({"tool_backends": {}})");
  ASSERT_FALSE(not_array.ok());
  EXPECT_EQ(not_array.status().message(), "config tool_backends: must be an array of objects");
}

struct BadConfigCase {
  std::string json;
  std::string expected_message;
};

class BadConfigTest : public ::testing::TestWithParam<BadConfigCase> {};

TEST_P(BadConfigTest, NamesTheField) {
  auto o = BuildAuthOptionsFromJson(Flags({}), Env({}), GetParam().json);
  ASSERT_FALSE(o.ok());
  EXPECT_TRUE(absl::StrContains(o.status().message(), GetParam().expected_message))
      << o.status().message();
}

const std::string kGoodHash = HashSecret("x", 1000);

INSTANTIATE_TEST_SUITE_P(
    All, BadConfigTest,
    ::testing::Values(
        BadConfigCase{"{not json", "config: not valid JSON"},
        BadConfigCase{"[]", "config: must be a JSON object"},
        BadConfigCase{R"({"bogus": 1})", "config bogus: unknown key"},
        BadConfigCase{R"({"public_url": 5})", "config public_url: must be a string"},
        BadConfigCase{R"({"public_url": "ftp://x"})", "config public_url: must be an absolute"},
        BadConfigCase{R"({"clients": {}})", "config clients: must be an array"},
        BadConfigCase{R"({"clients": [{"client_name": "x"}]})",
                      "config clients[0].client_id: is required"},
        BadConfigCase{R"({"clients": [{"client_id": "a", "client_secret_hash": ")" + kGoodHash +
                          R"("}, {"client_id": "b", "client_secret_hash": ")" + kGoodHash +
                          R"(", "redirect_uris": ["not a url"]}]})",
                      "config clients[1].redirect_uris: must be an array of absolute URLs"},
        BadConfigCase{R"({"clients": [{"client_id": "a", "client_secret_hash": "plain"}]})",
                      "config clients[0].client_secret_hash: must have the form"},
        BadConfigCase{R"({"clients": [{"client_id": "a", "extra": 1}]})",
                      "config clients[0].extra: unknown key"},
        BadConfigCase{R"({"clients": [{"client_id": "a", "client_secret_hash": ")" + kGoodHash +
                          R"("}, {"client_id": "b", "redirect_uris": ["http://x/cb"]}]})",
                      "config clients[1].client_secret_hash: required"},
        BadConfigCase{R"({"clients": [{"client_id": "a", "token_endpoint_auth_method": "none",
                          "grant_types": ["client_credentials"]}]})",
                      "config clients[0].grant_types: client_credentials needs"},
        BadConfigCase{R"({"clients": [{"client_id": "a", "token_endpoint_auth_method": "none",
                          "scopes": ["admin"]}]})",
                      "config clients[0].scopes: scope \"admin\" is not in scopes_supported"},
        BadConfigCase{R"({"clients": [{"client_id": "a", "client_secret_hash": ")" + kGoodHash +
                          R"(", "introspect_any_token": "yes"}],
                          "users": [{"username": "u", "password_hash": ")" +
                          kGoodHash + R"("}]})",
                      "config clients[0].introspect_any_token: must be true or false"},
        BadConfigCase{R"({"clients": [{"client_id": "a", "token_endpoint_auth_method": "none",
                          "redirect_uris": ["http://x/cb"], "introspect_any_token": true}],
                          "users": [{"username": "u", "password_hash": ")" +
                          kGoodHash + R"("}]})",
                      "config clients[0].introspect_any_token: needs a confidential client"},
        BadConfigCase{R"({"users": [{"username": "a"}]})",
                      "config users[0].password_hash: is required"},
        BadConfigCase{R"({"users": [{"username": "a", "password_hash": 3}]})",
                      "config users[0].password_hash: must be a string"},
        BadConfigCase{R"({"token_lifetimes": {"access_token_seconds": -1}})",
                      "config token_lifetimes.access_token_seconds: must be a positive"},
        BadConfigCase{
            R"({"users": [{"username": "client:svc", "password_hash": ")" + kGoodHash + R"("}]})",
            "config users[0].username: must not start with \"client:\""},
        BadConfigCase{R"({"users": [{"username": "a", "subject": "client:svc",
                          "password_hash": ")" +
                          kGoodHash + R"("}]})",
                      "config users[0].subject: must not start with \"client:\""},
        BadConfigCase{R"({"token_lifetimes": {"grant_seconds": 0}})",
                      "config token_lifetimes.grant_seconds: must be a positive"},
        BadConfigCase{R"({"token_lifetimes": {"access": 1}})",
                      "config token_lifetimes.access: unknown key"},
        BadConfigCase{R"({"token_rate_limit": {"requests_per_second": -1}})",
                      "config token_rate_limit.requests_per_second: must be a number"},
        BadConfigCase{R"({"token_rate_limit": {"burst": 0}})",
                      "config token_rate_limit.burst: must be an integer"},
        BadConfigCase{R"({"token_rate_limit": {"rate": 1}})",
                      "config token_rate_limit.rate: unknown key"}));

}  // namespace
}  // namespace mcp_oauth::auth
