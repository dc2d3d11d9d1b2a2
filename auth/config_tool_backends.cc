#include "auth/config_tool_backends.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mcp_oauth::auth {
namespace {

using json = nlohmann::json;

// The rule of the gRPC port's shared credential (common/grpc_security).
constexpr size_t kMinSharedSecretLength = 32;

const std::set<std::string>& AllowedKeys() {
  static const std::set<std::string> kKeys = {"name",
                                              "target",
                                              "prefix",
                                              "server_ca_file",
                                              "client_cert_file",
                                              "client_key_file",
                                              "shared_secret_file"};
  return kKeys;
}

bool IsVisible(char c) { return c > 0x20 && c < 0x7f; }

std::string Error(const std::string& field, const std::string& message) {
  return absl::StrCat("config ", field, ": ", message);
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream contents;
  contents << in.rdbuf();
  *out = contents.str();
  return true;
}

// Parses one backend; returns false (with messages in `errors`) when it has
// any error.
bool ParseOne(const json& v, const std::string& field, ToolBackendFileConfig* out,
              std::vector<std::string>* errors) {
  if (!v.is_object()) {
    errors->push_back(Error(field, "must be an object"));
    return false;
  }
  const size_t before = errors->size();
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (AllowedKeys().count(it.key()) == 0) {
      errors->push_back(Error(field + "." + it.key(), "unknown key"));
    }
  }
  // Every value is a string.
  auto get = [&](const char* key, std::string* target) {
    if (!v.contains(key)) return;
    if (!v[key].is_string()) {
      errors->push_back(Error(absl::StrCat(field, ".", key), "must be a string"));
      return;
    }
    *target = v[key].get<std::string>();
  };
  get("name", &out->name);
  get("target", &out->target);
  get("prefix", &out->prefix);
  get("server_ca_file", &out->server_ca_file);
  get("client_cert_file", &out->client_cert_file);
  get("client_key_file", &out->client_key_file);
  get("shared_secret_file", &out->shared_secret_file);
  if (errors->size() != before) return false;

  if (!v.contains("name")) {
    errors->push_back(Error(field + ".name", "is required"));
  } else if (!IsToolBackendName(out->name)) {
    errors->push_back(Error(field + ".name", "must be 1-64 of A-Z, a-z, 0-9, '_', '.', '-'"));
  } else if (out->name == kBuiltinToolBackend) {
    errors->push_back(Error(field + ".name", "\"builtin\" names the in-process tools"));
  }
  if (out->target.empty()) {
    errors->push_back(Error(field + ".target", "is required (host:port of the ToolService)"));
  } else if (out->target.size() > 1024 || absl::StrContains(out->target, " ")) {
    errors->push_back(Error(field + ".target", "must be a gRPC target such as host:port"));
  }
  if (out->prefix.size() > 64 || !std::all_of(out->prefix.begin(), out->prefix.end(), IsVisible)) {
    errors->push_back(Error(field + ".prefix", "must be at most 64 visible ASCII characters"));
  }
  if (out->client_cert_file.empty() != out->client_key_file.empty()) {
    errors->push_back(Error(field + ".client_cert_file", "and client_key_file go together"));
  } else if (!out->client_cert_file.empty() && out->server_ca_file.empty()) {
    errors->push_back(Error(field + ".client_cert_file",
                            "needs server_ca_file (client certificates are sent over TLS)"));
  }
  for (auto [key, path, pem] :
       {std::tuple{"server_ca_file", &out->server_ca_file, &out->server_ca_pem},
        std::tuple{"client_cert_file", &out->client_cert_file, &out->client_cert_pem},
        std::tuple{"client_key_file", &out->client_key_file, &out->client_key_pem}}) {
    if (path->empty()) continue;
    const std::string key_field = absl::StrCat(field, ".", key);
    if (!ReadWholeFile(*path, pem)) {
      errors->push_back(Error(key_field, "cannot read " + *path));
    } else if (!absl::StrContains(*pem, "-----BEGIN ")) {
      errors->push_back(Error(key_field, *path + " is not a PEM file"));
    }
  }
  if (!out->shared_secret_file.empty()) {
    const std::string key_field = field + ".shared_secret_file";
    std::string secret;
    if (!ReadWholeFile(out->shared_secret_file, &secret)) {
      errors->push_back(Error(key_field, "cannot read " + out->shared_secret_file));
    } else {
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
      // The messages never include the secret.
      if (secret.size() < kMinSharedSecretLength) {
        errors->push_back(Error(key_field, absl::StrCat("the shared secret must be at least ",
                                                        kMinSharedSecretLength, " characters")));
      } else if (!std::all_of(secret.begin(), secret.end(), IsVisible)) {
        errors->push_back(
            Error(key_field, "the shared secret must be visible ASCII without spaces"));
      } else {
        out->shared_secret = std::move(secret);
      }
    }
  }
  return errors->size() == before;
}

}  // namespace

bool IsToolBackendName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

std::vector<ToolBackendFileConfig> ParseToolBackends(const json& section,
                                                     std::vector<std::string>* errors) {
  std::vector<ToolBackendFileConfig> backends;
  if (!section.is_array()) {
    errors->push_back(Error("tool_backends", "must be an array of objects"));
    return backends;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < section.size(); ++i) {
    const std::string field = absl::StrCat("tool_backends[", i, "]");
    ToolBackendFileConfig backend;
    if (!ParseOne(section[i], field, &backend, errors)) continue;
    if (!names.insert(backend.name).second) {
      errors->push_back(Error(field + ".name", "duplicate name \"" + backend.name + "\""));
      continue;
    }
    backends.push_back(std::move(backend));
  }
  return backends;
}

}  // namespace mcp_oauth::auth
