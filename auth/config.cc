#include "auth/config.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "auth/config_tool_backends.h"
#include "auth/subjects.h"
#include "auth/url.h"
#include "nlohmann/json.hpp"

namespace mcp_oauth::auth {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxIdLength = 256;

absl::Status FieldError(const std::string& field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("config ", field, ": ", message));
}

bool IsVisibleAscii(std::string_view s) {
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool IsScopeToken(std::string_view s) {
  // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

absl::Status CheckKeys(const json& object, const std::string& field,
                       const std::set<std::string>& allowed) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (allowed.count(it.key()) == 0) {
      return FieldError(field.empty() ? it.key() : field + "." + it.key(), "unknown key");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GetString(const json& object, const std::string& key,
                                      const std::string& field) {
  const json& v = object.at(key);
  if (!v.is_string()) return FieldError(field, "must be a string");
  return v.get<std::string>();
}

absl::StatusOr<std::vector<std::string>> GetStringArray(const json& v, const std::string& field,
                                                        std::string_view what) {
  std::string message =
      absl::StrCat("must be an array of ", absl::string_view(what.data(), what.size()));
  if (!v.is_array()) return FieldError(field, message);
  std::vector<std::string> out;
  for (const json& item : v) {
    if (!item.is_string()) return FieldError(field, message);
    out.push_back(item.get<std::string>());
  }
  return out;
}

absl::Status ValidateRedirectUris(const std::vector<std::string>& uris, const std::string& field) {
  for (const std::string& uri : uris) {
    if (uri.size() > 2048 || !IsValidRedirectUri(uri)) {
      return FieldError(field, "must be an array of absolute URLs");
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> SplitCommaList(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(part);
    if (!trimmed.empty()) out.emplace_back(trimmed);
  }
  return out;
}

// Returns the public URL without trailing slashes, or an error.
absl::StatusOr<std::string> NormalizePublicUrl(std::string url, const std::string& source) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  auto parsed = ParseUrl(url);
  if (!parsed.ok() || !parsed->has_authority || parsed->has_query || parsed->has_fragment ||
      (parsed->scheme != "http" && parsed->scheme != "https")) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": must be an absolute http(s) URL without query or fragment"));
  }
  return url;
}

struct FileConfig {
  std::optional<std::string> public_url;
  std::optional<std::vector<std::string>> scopes_supported;
  std::optional<std::string> default_scope;
  std::vector<ClientConfig> clients;
  std::vector<UserConfig> users;
  std::vector<IdentityProviderConfig> providers;
  std::vector<ToolBackendFileConfig> tool_backends;
  std::optional<int64_t> access_seconds, refresh_seconds, code_seconds, pending_seconds,
      grant_seconds;
  std::optional<double> token_rate_per_second;
  std::optional<int> token_rate_burst;
  std::optional<int> client_auth_max_failures, client_auth_max_failures_per_ip;
  std::optional<int64_t> client_auth_window_seconds;
};

constexpr int kMaxFailureLimit = 1000000;

// A failure limit: 0 (no limit) to kMaxFailureLimit.
std::optional<int> ParseFailureLimit(const std::string& text) {
  int limit = 0;
  if (!absl::SimpleAtoi(text, &limit) || limit < 0 || limit > kMaxFailureLimit) return std::nullopt;
  return limit;
}

// A throttle window: 1 s to one day.
std::optional<int64_t> ParseWindowSeconds(const std::string& text) {
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(text, &seconds) || seconds < 1 || seconds > 86400) return std::nullopt;
  return seconds;
}

constexpr double kMaxTokenRate = 1e6;
constexpr int kMaxTokenBurst = 1000000;

// Parses a /token rate (requests per second per client, 0 = no limit).
std::optional<double> ParseTokenRate(const std::string& text) {
  double rate = 0;
  if (!absl::SimpleAtod(text, &rate) || !(rate >= 0) || rate > kMaxTokenRate) return std::nullopt;
  return rate;
}

std::optional<int> ParseTokenBurst(const std::string& text) {
  int burst = 0;
  if (!absl::SimpleAtoi(text, &burst) || burst < 1 || burst > kMaxTokenBurst) return std::nullopt;
  return burst;
}

absl::StatusOr<ClientConfig> ParseClient(const json& v, const std::string& field) {
  if (!v.is_object()) return FieldError(field, "must be an object");
  absl::Status keys =
      CheckKeys(v, field,
                {"client_id", "client_name", "client_secret_hash", "token_endpoint_auth_method",
                 "redirect_uris", "scopes", "grant_types", "introspect_any_token"});
  if (!keys.ok()) return keys;
  ClientConfig client;
  if (!v.contains("client_id")) return FieldError(field + ".client_id", "is required");
  auto id = GetString(v, "client_id", field + ".client_id");
  if (!id.ok()) return id.status();
  if (id->empty() || id->size() > kMaxIdLength || !IsVisibleAscii(*id)) {
    return FieldError(field + ".client_id", "must be 1-256 visible ASCII characters");
  }
  client.client_id = *id;
  client.client_name = client.client_id;
  if (v.contains("client_name")) {
    auto name = GetString(v, "client_name", field + ".client_name");
    if (!name.ok()) return name.status();
    client.client_name = *name;
  }
  if (v.contains("client_secret_hash")) {
    auto hash = GetString(v, "client_secret_hash", field + ".client_secret_hash");
    if (!hash.ok()) return hash.status();
    absl::Status valid = ValidateSecretHash(*hash);
    if (!valid.ok()) return FieldError(field + ".client_secret_hash", valid.message());
    client.secret_hash = *hash;
  }
  if (v.contains("token_endpoint_auth_method")) {
    auto method = GetString(v, "token_endpoint_auth_method", field + ".token_endpoint_auth_method");
    if (!method.ok()) return method.status();
    if (*method != "client_secret_basic" && *method != "client_secret_post" && *method != "none") {
      return FieldError(field + ".token_endpoint_auth_method",
                        "must be \"client_secret_basic\", \"client_secret_post\" or \"none\"");
    }
    client.token_endpoint_auth_method = *method;
  }
  if (client.is_public() && !client.secret_hash.empty()) {
    return FieldError(field + ".client_secret_hash",
                      "must be absent when token_endpoint_auth_method is \"none\"");
  }
  if (v.contains("redirect_uris")) {
    auto uris = GetStringArray(v["redirect_uris"], field + ".redirect_uris", "absolute URLs");
    if (!uris.ok()) return uris.status();
    absl::Status valid = ValidateRedirectUris(*uris, field + ".redirect_uris");
    if (!valid.ok()) return valid;
    client.redirect_uris = *uris;
  }
  if (v.contains("scopes")) {
    auto scopes = GetStringArray(v["scopes"], field + ".scopes", "scope strings");
    if (!scopes.ok()) return scopes.status();
    client.allowed_scopes = *scopes;
  }
  if (v.contains("grant_types")) {
    auto grants = GetStringArray(v["grant_types"], field + ".grant_types",
                                 "\"authorization_code\", \"refresh_token\" or "
                                 "\"client_credentials\"");
    if (!grants.ok()) return grants.status();
    for (const std::string& g : *grants) {
      if (g != "authorization_code" && g != "refresh_token" && g != "client_credentials") {
        return FieldError(field + ".grant_types",
                          absl::StrCat("unsupported grant type \"", g, "\""));
      }
    }
    client.grant_types = *grants;
  }
  if (v.contains("introspect_any_token")) {
    if (!v["introspect_any_token"].is_boolean()) {
      return FieldError(field + ".introspect_any_token", "must be true or false");
    }
    client.introspect_any_token = v["introspect_any_token"].get<bool>();
  }
  return client;
}

absl::StatusOr<UserConfig> ParseUser(const json& v, const std::string& field) {
  if (!v.is_object()) return FieldError(field, "must be an object");
  absl::Status keys = CheckKeys(v, field, {"username", "password_hash", "subject"});
  if (!keys.ok()) return keys;
  UserConfig user;
  if (!v.contains("username")) return FieldError(field + ".username", "is required");
  auto name = GetString(v, "username", field + ".username");
  if (!name.ok()) return name.status();
  if (name->empty() || name->size() > kMaxIdLength) {
    return FieldError(field + ".username", "must be 1-256 characters");
  }
  if (absl::StartsWith(*name, kMachineSubjectPrefix)) {
    return FieldError(field + ".username",
                      "must not start with \"client:\" (taken by the subjects of "
                      "client_credentials tokens)");
  }
  user.username = *name;
  if (!v.contains("password_hash")) return FieldError(field + ".password_hash", "is required");
  auto hash = GetString(v, "password_hash", field + ".password_hash");
  if (!hash.ok()) return hash.status();
  absl::Status valid = ValidateSecretHash(*hash);
  if (!valid.ok()) return FieldError(field + ".password_hash", valid.message());
  user.password_hash = *hash;
  user.subject = user.username;
  if (v.contains("subject")) {
    auto subject = GetString(v, "subject", field + ".subject");
    if (!subject.ok()) return subject.status();
    if (subject->empty()) return FieldError(field + ".subject", "must not be empty");
    if (absl::StartsWith(*subject, kMachineSubjectPrefix)) {
      return FieldError(field + ".subject",
                        "must not start with \"client:\" (taken by the subjects of "
                        "client_credentials tokens)");
    }
    user.subject = *subject;
  }
  return user;
}

absl::StatusOr<std::string> ReadFile(const std::string& path);
bool Contains(const std::vector<std::string>& v, std::string_view s);

bool IsProviderId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-' && c != '_') return false;
  }
  return true;
}

absl::StatusOr<IdentityProviderConfig> ParseProvider(const json& v, const std::string& field) {
  if (!v.is_object()) return FieldError(field, "must be an object");
  absl::Status keys =
      CheckKeys(v, field,
                {"id", "display_name", "issuer", "client_id", "client_secret", "client_secret_file",
                 "scopes", "username_claim", "allowed_email_domains", "required_claims"});
  if (!keys.ok()) return keys;
  IdentityProviderConfig p;
  for (auto [key, target] : {std::pair{"id", &p.id}, std::pair{"issuer", &p.issuer},
                             std::pair{"client_id", &p.client_id}}) {
    if (!v.contains(key)) return FieldError(absl::StrCat(field, ".", key), "is required");
    auto value = GetString(v, key, absl::StrCat(field, ".", key));
    if (!value.ok()) return value.status();
    *target = *value;
  }
  if (!IsProviderId(p.id) || p.id == "client") {
    return FieldError(field + ".id", "must be 1-64 of a-z, 0-9, '-', '_' (and not \"client\")");
  }
  auto issuer = ParseUrl(p.issuer);
  bool loopback = issuer.ok() && (issuer->host == "localhost" || issuer->host == "127.0.0.1" ||
                                  issuer->host == "[::1]");
  if (!issuer.ok() || !issuer->has_authority || issuer->has_query || issuer->has_fragment ||
      !(issuer->scheme == "https" || (issuer->scheme == "http" && loopback))) {
    return FieldError(field + ".issuer",
                      "must be an https URL (http only on a loopback host) without query");
  }
  if (p.client_id.empty() || p.client_id.size() > kMaxIdLength) {
    return FieldError(field + ".client_id", "must be 1-256 characters");
  }
  p.display_name = p.id;
  if (v.contains("display_name")) {
    auto name = GetString(v, "display_name", field + ".display_name");
    if (!name.ok()) return name.status();
    p.display_name = *name;
  }
  if (v.contains("client_secret") == v.contains("client_secret_file")) {
    return FieldError(field + ".client_secret", "give client_secret or client_secret_file");
  }
  if (v.contains("client_secret")) {
    auto secret = GetString(v, "client_secret", field + ".client_secret");
    if (!secret.ok()) return secret.status();
    p.client_secret = *secret;
  } else {
    auto path = GetString(v, "client_secret_file", field + ".client_secret_file");
    if (!path.ok()) return path.status();
    auto secret = ReadFile(*path);
    if (!secret.ok()) return FieldError(field + ".client_secret_file", "cannot be read");
    p.client_secret = std::string(absl::StripTrailingAsciiWhitespace(*secret));
  }
  if (p.client_secret.empty()) return FieldError(field + ".client_secret", "must not be empty");
  if (v.contains("scopes")) {
    auto scopes = GetStringArray(v["scopes"], field + ".scopes", "scope strings");
    if (!scopes.ok()) return scopes.status();
    if (!Contains(*scopes, "openid")) return FieldError(field + ".scopes", "must include openid");
    p.scopes = *scopes;
  }
  if (v.contains("username_claim")) {
    auto claim = GetString(v, "username_claim", field + ".username_claim");
    if (!claim.ok()) return claim.status();
    if (claim->empty()) return FieldError(field + ".username_claim", "must not be empty");
    p.username_claim = *claim;
  }
  if (v.contains("allowed_email_domains")) {
    auto domains = GetStringArray(v["allowed_email_domains"], field + ".allowed_email_domains",
                                  "domain names");
    if (!domains.ok()) return domains.status();
    for (const std::string& d : *domains) {
      if (d.empty() || d.find('@') != std::string::npos) {
        return FieldError(field + ".allowed_email_domains", "must be an array of domain names");
      }
    }
    p.allowed_email_domains = *domains;
  }
  if (v.contains("required_claims")) {
    const json& claims = v["required_claims"];
    if (!claims.is_object()) {
      return FieldError(field + ".required_claims", "must be an object of claim: string value");
    }
    for (auto it = claims.begin(); it != claims.end(); ++it) {
      if (!it->is_string()) {
        return FieldError(field + ".required_claims." + it.key(), "must be a string");
      }
      p.required_claims[it.key()] = it->get<std::string>();
    }
  }
  return p;
}

absl::StatusOr<int64_t> GetPositiveSeconds(const json& v, const std::string& field) {
  if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > 400LL * 86400) {
    return FieldError(field, "must be a positive integer number of seconds");
  }
  return v.get<int64_t>();
}

absl::StatusOr<FileConfig> ParseConfigJson(std::string_view text) {
  FileConfig out;
  json root = json::parse(text.begin(), text.end(), nullptr, false);
  if (root.is_discarded()) return absl::InvalidArgumentError("config: not valid JSON");
  if (!root.is_object()) return absl::InvalidArgumentError("config: must be a JSON object");
  // Every section is checked, so one run names every error (one per line).
  std::vector<std::string> errors;
  auto note = [&errors](const absl::Status& status) {
    if (!status.ok()) errors.emplace_back(status.message());
  };
  const std::set<std::string> kTopKeys = {
      "public_url",          "clients",          "users",
      "token_lifetimes",     "scopes_supported", "default_scope",
      "identity_providers",  "tool_backends",    "token_rate_limit",
      "client_auth_throttle"};
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (kTopKeys.count(it.key()) == 0) note(FieldError(it.key(), "unknown key"));
  }
  note([&]() -> absl::Status {
    if (!root.contains("public_url")) return absl::OkStatus();
    auto url = GetString(root, "public_url", "public_url");
    if (!url.ok()) return url.status();
    out.public_url = *url;
    return absl::OkStatus();
  }());
  note([&]() -> absl::Status {
    if (!root.contains("scopes_supported")) return absl::OkStatus();
    auto scopes = GetStringArray(root["scopes_supported"], "scopes_supported", "scope strings");
    if (!scopes.ok()) return scopes.status();
    if (scopes->empty()) return FieldError("scopes_supported", "must not be empty");
    for (const std::string& s : *scopes) {
      if (!IsScopeToken(s))
        return FieldError("scopes_supported", "must be an array of scope strings");
    }
    out.scopes_supported = *scopes;
    return absl::OkStatus();
  }());
  note([&]() -> absl::Status {
    if (!root.contains("default_scope")) return absl::OkStatus();
    auto scope = GetString(root, "default_scope", "default_scope");
    if (!scope.ok()) return scope.status();
    out.default_scope = *scope;
    return absl::OkStatus();
  }());
  note([&]() -> absl::Status {
    if (!root.contains("clients")) return absl::OkStatus();
    const json& clients = root["clients"];
    if (!clients.is_array()) return FieldError("clients", "must be an array of objects");
    for (size_t i = 0; i < clients.size(); ++i) {
      auto client = ParseClient(clients[i], absl::StrCat("clients[", i, "]"));
      note(client.status());
      if (client.ok()) out.clients.push_back(*std::move(client));
    }
    return absl::OkStatus();
  }());
  note([&]() -> absl::Status {
    if (!root.contains("users")) return absl::OkStatus();
    const json& users = root["users"];
    if (!users.is_array()) return FieldError("users", "must be an array of objects");
    for (size_t i = 0; i < users.size(); ++i) {
      auto user = ParseUser(users[i], absl::StrCat("users[", i, "]"));
      note(user.status());
      if (user.ok()) out.users.push_back(*std::move(user));
    }
    return absl::OkStatus();
  }());
  note([&]() -> absl::Status {
    if (!root.contains("identity_providers")) return absl::OkStatus();
    const json& providers = root["identity_providers"];
    if (!providers.is_array())
      return FieldError("identity_providers", "must be an array of objects");
    std::set<std::string> ids;
    for (size_t i = 0; i < providers.size(); ++i) {
      std::string field = absl::StrCat("identity_providers[", i, "]");
      auto provider = ParseProvider(providers[i], field);
      note(provider.status());
      if (!provider.ok()) continue;
      if (!ids.insert(provider->id).second) {
        note(FieldError(field + ".id", "duplicate id"));
        continue;
      }
      out.providers.push_back(*std::move(provider));
    }
    return absl::OkStatus();
  }());
  if (root.contains("tool_backends")) {
    out.tool_backends = ParseToolBackends(root["tool_backends"], &errors);
  }
  note([&]() -> absl::Status {
    if (!root.contains("token_lifetimes")) return absl::OkStatus();
    const json& lifetimes = root["token_lifetimes"];
    if (!lifetimes.is_object()) return FieldError("token_lifetimes", "must be an object");
    absl::Status lkeys =
        CheckKeys(lifetimes, "token_lifetimes",
                  {"access_token_seconds", "refresh_token_seconds", "authorization_code_seconds",
                   "pending_authorization_seconds", "grant_seconds"});
    if (!lkeys.ok()) return lkeys;
    struct Entry {
      const char* key;
      std::optional<int64_t>* target;
    } entries[] = {{"access_token_seconds", &out.access_seconds},
                   {"refresh_token_seconds", &out.refresh_seconds},
                   {"authorization_code_seconds", &out.code_seconds},
                   {"pending_authorization_seconds", &out.pending_seconds},
                   {"grant_seconds", &out.grant_seconds}};
    for (const Entry& e : entries) {
      if (!lifetimes.contains(e.key)) continue;
      auto seconds = GetPositiveSeconds(lifetimes[e.key], absl::StrCat("token_lifetimes.", e.key));
      if (!seconds.ok()) return seconds.status();
      *e.target = *seconds;
    }
    return absl::OkStatus();
  }());
  note([&]() -> absl::Status {
    if (!root.contains("token_rate_limit")) return absl::OkStatus();
    const json& limit = root["token_rate_limit"];
    if (!limit.is_object()) return FieldError("token_rate_limit", "must be an object");
    absl::Status lkeys = CheckKeys(limit, "token_rate_limit", {"requests_per_second", "burst"});
    if (!lkeys.ok()) return lkeys;
    if (limit.contains("requests_per_second")) {
      const json& rate = limit["requests_per_second"];
      if (!rate.is_number() || !(rate.get<double>() >= 0) || rate.get<double>() > kMaxTokenRate) {
        return FieldError("token_rate_limit.requests_per_second",
                          "must be a number from 0 (no limit) to 1000000");
      }
      out.token_rate_per_second = rate.get<double>();
    }
    if (limit.contains("burst")) {
      const json& burst = limit["burst"];
      if (!burst.is_number_integer() || burst.get<int64_t>() < 1 ||
          burst.get<int64_t>() > kMaxTokenBurst) {
        return FieldError("token_rate_limit.burst", "must be an integer from 1 to 1000000");
      }
      out.token_rate_burst = static_cast<int>(burst.get<int64_t>());
    }
    return absl::OkStatus();
  }());
  note([&]() -> absl::Status {
    if (!root.contains("client_auth_throttle")) return absl::OkStatus();
    const json& throttle = root["client_auth_throttle"];
    if (!throttle.is_object()) return FieldError("client_auth_throttle", "must be an object");
    absl::Status tkeys = CheckKeys(throttle, "client_auth_throttle",
                                   {"max_failures", "max_failures_per_ip", "window_seconds"});
    if (!tkeys.ok()) return tkeys;
    for (auto [key, target] :
         {std::pair{"max_failures", &out.client_auth_max_failures},
          std::pair{"max_failures_per_ip", &out.client_auth_max_failures_per_ip}}) {
      if (!throttle.contains(key)) continue;
      const json& v = throttle[key];
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > kMaxFailureLimit) {
        return FieldError(absl::StrCat("client_auth_throttle.", key),
                          "must be an integer from 0 (no limit) to 1000000");
      }
      *target = static_cast<int>(v.get<int64_t>());
    }
    if (throttle.contains("window_seconds")) {
      const json& v = throttle["window_seconds"];
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 86400) {
        return FieldError("client_auth_throttle.window_seconds",
                          "must be an integer number of seconds from 1 to 86400");
      }
      out.client_auth_window_seconds = v.get<int64_t>();
    }
    return absl::OkStatus();
  }());
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("--config: cannot read ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  for (const auto& x : v) {
    if (x == s) return true;
  }
  return false;
}

}  // namespace

void AddAuthFlags(flags::FlagTable* table, AuthFlags* out) {
  table->Optional("public-url", "URL", "MCP_STATIC_PUBLIC_URL",
                  "public base URL = issuer, no trailing slash", "http://<host>:<port>",
                  &out->public_url);
  table->Optional("client-id", "ID", "MCP_STATIC_CLIENT_ID", "pre-registered client id",
                  kDefaultClientId, &out->client_id);
  table->Optional("client-secret", "SECRET", "MCP_STATIC_CLIENT_SECRET",
                  "its secret (prefer the environment variable: flags show in `ps`)", "",
                  &out->client_secret);
  table->Optional("redirect-uris", "URIS", "MCP_STATIC_REDIRECT_URIS",
                  "comma-separated redirect URIs", "<public-url>/callback", &out->redirect_uris);
  table->Optional("config", "FILE", "", "JSON file with clients, users, lifetimes, limits", "",
                  &out->config);
  table->Optional("token-rate-limit", "R", "MCP_TOKEN_RATE_LIMIT",
                  "/token requests per second per client, per process; over it 429 + "
                  "Retry-After; 0 = no limit; unused with --auth-target",
                  "200", &out->token_rate_limit);
  table->Optional("token-rate-burst", "N", "MCP_TOKEN_RATE_BURST",
                  "requests a client may make at once", "400", &out->token_rate_burst);
  table->Optional("client-auth-max-failures", "N", "MCP_CLIENT_AUTH_MAX_FAILURES",
                  "failed client authentications (/token, /introspect, /revoke) per client id "
                  "from one address before that client is refused there with 429 + "
                  "Retry-After; 0 = no limit",
                  "10", &out->client_auth_max_failures);
  table->Optional("client-auth-max-failures-per-ip", "N", "MCP_CLIENT_AUTH_MAX_FAILURES_PER_IP",
                  "the same over all client ids from one address; 0 = no limit", "50",
                  &out->client_auth_max_failures_per_ip);
  table->Optional("client-auth-failure-window", "SECONDS", "MCP_CLIENT_AUTH_FAILURE_WINDOW",
                  "seconds those failures are counted over", "300",
                  &out->client_auth_failure_window);
  table->Optional("hash-threads", "N", "MCP_HASH_THREADS",
                  "threads that check passwords and unverified client secrets, apart from the "
                  "/token, /introspect and /revoke workers; unused with --auth-target",
                  "half the CPU cores, at least 1", &out->hash_threads);
  table->Optional("hash-queue", "N", "MCP_HASH_QUEUE",
                  "sign-ins (and, separately, client-secret checks) that may wait for those "
                  "threads; more get 503 + Retry-After at once",
                  "16", &out->hash_queue);
  table->Optional("authorize-rate-limit", "R", "MCP_AUTHORIZE_RATE_LIMIT",
                  "/authorize requests per second per client address (IPv6: per /64), per "
                  "process; over it an HTML 429 + Retry-After; 0 = no limit; unused with "
                  "--auth-target",
                  "1", &out->authorize_rate_limit);
  table->Optional("authorize-rate-burst", "N", "MCP_AUTHORIZE_RATE_BURST",
                  "/authorize requests an address may make at once", "20",
                  &out->authorize_rate_burst);
  table->Optional("max-pending-authorizations", "N", "MCP_MAX_PENDING_AUTHORIZATIONS",
                  "sign-ins in progress in the store in all; over it /authorize answers an "
                  "HTML 503 + Retry-After; 0 = no cap",
                  "10000", &out->max_pending_authorizations);
}

void AddDefaultPublicUrlFlags(flags::FlagTable* table, AuthFlags* out) {
  table->Optional("port", "N", "MCP_STATIC_PORT", "port of the default public URL",
                  std::to_string(kDefaultPort), &out->url_port);
  table->Optional("host", "H", "MCP_STATIC_HOST", "host of the default public URL", "localhost",
                  &out->url_host);
}

absl::StatusOr<AuthOptions> BuildAuthOptions(const AuthFlags& flags, const GetEnvFunction& getenv) {
  std::string config_json;
  if (auto path = flags.config) {
    auto contents = ReadFile(*path);
    if (!contents.ok()) return contents.status();
    config_json = *std::move(contents);
    if (config_json.empty()) return absl::InvalidArgumentError("config: file is empty");
  }
  return BuildAuthOptionsFromJson(flags, getenv, config_json);
}

absl::StatusOr<AuthOptions> BuildAuthOptionsFromJson(const AuthFlags& flags,
                                                     const GetEnvFunction& getenv,
                                                     std::string_view config_json) {
  FileConfig file;
  if (!config_json.empty()) {
    auto parsed = ParseConfigJson(config_json);
    if (!parsed.ok()) return parsed.status();
    file = *std::move(parsed);
  }
  AuthOptions options;

  // Public URL: flag > env > file > http://<host>:<port>.
  if (auto url = flags.public_url) {
    auto normalized = NormalizePublicUrl(*url, "--public-url");
    if (!normalized.ok()) return normalized.status();
    options.public_url = *normalized;
  } else if (file.public_url) {
    auto normalized = NormalizePublicUrl(*file.public_url, "config public_url");
    if (!normalized.ok()) return normalized.status();
    options.public_url = *normalized;
  } else {
    int port = kDefaultPort;
    if (auto p = flags.url_port) {
      if (!absl::SimpleAtoi(*p, &port) || port < 0 || port > 65535) {
        return absl::InvalidArgumentError("--port: must be an integer in [0, 65535]");
      }
    }
    std::string host = "localhost";
    if (auto h = flags.url_host) {
      if (!h->empty() && *h != "0.0.0.0" && *h != "::" && *h != "[::]") host = *h;
    }
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    auto normalized = NormalizePublicUrl(absl::StrCat("http://", host, ":", port), "--host/--port");
    if (!normalized.ok()) return normalized.status();
    options.public_url = *normalized;
  }

  if (file.scopes_supported) options.scopes_supported = *file.scopes_supported;
  options.default_scope = file.default_scope.value_or(options.scopes_supported.front());
  if (!Contains(options.scopes_supported, options.default_scope)) {
    return FieldError("default_scope", "must be one of scopes_supported");
  }
  if (file.access_seconds) options.access_token_ttl = absl::Seconds(*file.access_seconds);
  if (file.refresh_seconds) options.refresh_token_ttl = absl::Seconds(*file.refresh_seconds);
  if (file.code_seconds) options.code_ttl = absl::Seconds(*file.code_seconds);
  if (file.pending_seconds) {
    options.pending_authorization_ttl = absl::Seconds(*file.pending_seconds);
  }
  if (file.grant_seconds) options.grant_lifetime = absl::Seconds(*file.grant_seconds);

  // /token rate limit per client: flag > env > file > default.
  if (auto rate = flags.token_rate_limit) {
    auto parsed = ParseTokenRate(*rate);
    if (!parsed) {
      return absl::InvalidArgumentError(
          "--token-rate-limit: must be requests per second per client, 0 (no limit) to 1000000");
    }
    options.token_rate_per_second = *parsed;
  } else if (file.token_rate_per_second) {
    options.token_rate_per_second = *file.token_rate_per_second;
  }
  if (auto burst = flags.token_rate_burst) {
    auto parsed = ParseTokenBurst(*burst);
    if (!parsed) return absl::InvalidArgumentError("--token-rate-burst: must be 1 to 1000000");
    options.token_rate_burst = *parsed;
  } else if (file.token_rate_burst) {
    options.token_rate_burst = *file.token_rate_burst;
  }

  // /authorize per address and pending authorizations in all: flag > env > default.
  if (auto rate = flags.authorize_rate_limit) {
    auto parsed = ParseTokenRate(*rate);
    if (!parsed) {
      return absl::InvalidArgumentError(
          "--authorize-rate-limit: must be requests per second per address, 0 (no limit) to "
          "1000000");
    }
    options.authorize_rate_per_second = *parsed;
  }
  if (auto burst = flags.authorize_rate_burst) {
    auto parsed = ParseTokenBurst(*burst);
    if (!parsed) return absl::InvalidArgumentError("--authorize-rate-burst: must be 1 to 1000000");
    options.authorize_rate_burst = *parsed;
  }
  if (auto cap = flags.max_pending_authorizations) {
    auto parsed = ParseFailureLimit(*cap);
    if (!parsed) {
      return absl::InvalidArgumentError(
          "--max-pending-authorizations: must be 0 (no cap) to 1000000");
    }
    options.max_pending_authorizations = *parsed;
  }

  // Failed client authentication throttle: flag > env > file > default.
  if (auto max = flags.client_auth_max_failures) {
    auto parsed = ParseFailureLimit(*max);
    if (!parsed) {
      return absl::InvalidArgumentError(
          "--client-auth-max-failures: must be 0 (no limit) to 1000000");
    }
    options.max_client_auth_failures = *parsed;
  } else if (file.client_auth_max_failures) {
    options.max_client_auth_failures = *file.client_auth_max_failures;
  }
  if (auto max = flags.client_auth_max_failures_per_ip) {
    auto parsed = ParseFailureLimit(*max);
    if (!parsed) {
      return absl::InvalidArgumentError(
          "--client-auth-max-failures-per-ip: must be 0 (no limit) to 1000000");
    }
    options.max_client_auth_failures_per_ip = *parsed;
  } else if (file.client_auth_max_failures_per_ip) {
    options.max_client_auth_failures_per_ip = *file.client_auth_max_failures_per_ip;
  }
  if (auto window = flags.client_auth_failure_window) {
    auto parsed = ParseWindowSeconds(*window);
    if (!parsed) {
      return absl::InvalidArgumentError(
          "--client-auth-failure-window: must be seconds, 1 to 86400");
    }
    options.client_auth_failure_window = absl::Seconds(*parsed);
  } else if (file.client_auth_window_seconds) {
    options.client_auth_failure_window = absl::Seconds(*file.client_auth_window_seconds);
  }

  // The hashing budget (options.h): flag > env > default.
  if (auto threads = flags.hash_threads) {
    if (!absl::SimpleAtoi(*threads, &options.hash_threads) || options.hash_threads < 1 ||
        options.hash_threads > 256) {
      return absl::InvalidArgumentError("--hash-threads: must be 1 to 256");
    }
  }
  if (auto queue = flags.hash_queue) {
    if (!absl::SimpleAtoi(*queue, &options.hash_queue) || options.hash_queue < 1 ||
        options.hash_queue > 100000) {
      return absl::InvalidArgumentError("--hash-queue: must be 1 to 100000");
    }
  }

  // The static client: the first configured client, or the default one.
  options.clients = file.clients;
  bool have_file_client = !options.clients.empty();
  if (!have_file_client) {
    ClientConfig client;
    client.client_id = kDefaultClientId;
    client.client_name = "Static MCP Client";
    client.token_endpoint_auth_method = "client_secret_basic";
    options.clients.push_back(client);
  }
  ClientConfig& static_client = options.clients.front();
  if (auto id = flags.client_id) {
    if (id->empty() || id->size() > kMaxIdLength || !IsVisibleAscii(*id)) {
      return absl::InvalidArgumentError("--client-id: must be 1-256 visible ASCII characters");
    }
    if (static_client.client_name == static_client.client_id) static_client.client_name = *id;
    static_client.client_id = *id;
  }
  if (auto secret = flags.client_secret) {
    if (secret->empty()) return absl::InvalidArgumentError("--client-secret: must not be empty");
    static_client.secret_hash = HashSecret(*secret, kClientSecretIterations);
    if (static_client.is_public()) static_client.token_endpoint_auth_method = "client_secret_basic";
    options.using_default_client_secret = *secret == kDefaultClientSecret;
  } else if (!have_file_client) {
    static_client.secret_hash = HashSecret(kDefaultClientSecret, kClientSecretIterations);
    options.using_default_client_secret = true;
  }
  if (auto uris = flags.redirect_uris) {
    std::vector<std::string> list = SplitCommaList(*uris);
    for (const std::string& uri : list) {
      if (!IsValidRedirectUri(uri)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--redirect-uris: \"", uri, "\" is not an absolute URL"));
      }
    }
    if (list.empty()) return absl::InvalidArgumentError("--redirect-uris: is empty");
    static_client.redirect_uris = list;
  } else if (static_client.redirect_uris.empty() &&
             Contains(static_client.grant_types, "authorization_code")) {
    static_client.redirect_uris = {options.public_url + "/callback"};
  }

  // Cross-field checks over all clients and users, every error named.
  std::vector<std::string> errors;
  std::set<std::string> ids;
  for (size_t i = 0; i < options.clients.size(); ++i) {
    absl::Status status = [&]() -> absl::Status {
      ClientConfig& client = options.clients[i];
      std::string field = absl::StrCat("clients[", i, "]");
      if (!ids.insert(client.client_id).second) {
        return FieldError(field + ".client_id", "duplicate client_id");
      }
      if (!client.is_public() && client.secret_hash.empty()) {
        return FieldError(field + ".client_secret_hash",
                          "required unless token_endpoint_auth_method is \"none\"");
      }
      if (client.is_public() && Contains(client.grant_types, "client_credentials")) {
        return FieldError(field + ".grant_types", "client_credentials needs a confidential client");
      }
      if (client.is_public() && client.introspect_any_token) {
        return FieldError(field + ".introspect_any_token",
                          "needs a confidential client (introspection requires a secret)");
      }
      if (client.grant_types.empty())
        return FieldError(field + ".grant_types", "must not be empty");
      if (Contains(client.grant_types, "authorization_code") && client.redirect_uris.empty()) {
        return FieldError(field + ".redirect_uris",
                          "must list at least one URL for the authorization_code grant");
      }
      if (client.allowed_scopes.empty()) client.allowed_scopes = options.scopes_supported;
      for (const std::string& scope : client.allowed_scopes) {
        if (!Contains(options.scopes_supported, scope)) {
          return FieldError(field + ".scopes",
                            absl::StrCat("scope \"", scope, "\" is not in scopes_supported"));
        }
      }
      return absl::OkStatus();
    }();
    if (!status.ok()) errors.emplace_back(status.message());
  }

  options.identity_providers = file.providers;
  options.tool_backends = file.tool_backends;
  if (getenv) {
    options.upstream_ca_file = getenv("SSL_CERT_FILE").value_or("");
    options.upstream_ca_path = getenv("SSL_CERT_DIR").value_or("");
  }
  if (file.users.empty() && !file.providers.empty()) {
    // People sign in with their identity provider: no demo user.
  } else if (file.users.empty()) {
    UserConfig demo;
    demo.username = kDemoUsername;
    demo.subject = kDemoUsername;
    demo.password_hash = HashSecret(kDemoPassword, kPasswordIterations);
    options.users.push_back(demo);
    options.using_demo_user = true;
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < file.users.size(); ++i) {
      if (!names.insert(file.users[i].username).second) {
        errors.emplace_back(
            FieldError(absl::StrCat("users[", i, "].username"), "duplicate username").message());
      }
    }
    options.users = file.users;
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  return options;
}

}  // namespace mcp_oauth::auth
