#include "auth/url.h"

#include <cctype>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mcp_oauth::auth {
namespace {

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

}  // namespace

absl::StatusOr<ParsedUrl> ParseUrl(std::string_view url) {
  if (url.empty()) return absl::InvalidArgumentError("empty URL");
  for (char c : url) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return absl::InvalidArgumentError("URL contains whitespace or control characters");
    }
  }
  ParsedUrl out;
  size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0 ||
      !std::isalpha(static_cast<unsigned char>(url[0]))) {
    return absl::InvalidArgumentError("URL has no scheme");
  }
  for (size_t i = 0; i < colon; ++i) {
    char c = url[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return absl::InvalidArgumentError("URL scheme is malformed");
    }
  }
  out.scheme = std::string(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 1);

  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    out.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    out.has_query = true;
    out.query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  if (rest.substr(0, 2) == "//") {
    out.has_authority = true;
    rest = rest.substr(2);
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos) {
      return absl::InvalidArgumentError("URL must not contain user info");
    }
    std::string_view port;
    if (!authority.empty() && authority[0] == '[') {
      size_t close = authority.find(']');
      if (close == std::string_view::npos) return absl::InvalidArgumentError("bad IPv6 host");
      out.host = std::string(authority.substr(0, close + 1));
      std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') return absl::InvalidArgumentError("bad host");
        port = after.substr(1);
      }
    } else {
      size_t pc = authority.find(':');
      out.host = std::string(authority.substr(0, pc));
      if (pc != std::string_view::npos) port = authority.substr(pc + 1);
      if (pc != std::string_view::npos && port.empty()) {
        return absl::InvalidArgumentError("empty port");
      }
    }
    if (out.host.empty()) return absl::InvalidArgumentError("URL has no host");
    if (port.size() > 5) return absl::InvalidArgumentError("bad port");
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        return absl::InvalidArgumentError("bad port");
      }
    }
    out.port = std::string(port);
  } else {
    if (rest.empty()) return absl::InvalidArgumentError("URL is only a scheme");
    out.path = std::string(rest);
  }
  return out;
}

bool IsValidRedirectUri(std::string_view url) {
  auto parsed = ParseUrl(url);
  return parsed.ok() && !parsed->has_fragment;
}

bool RedirectUriMatches(std::string_view registered, std::string_view requested) {
  if (registered == requested) return true;
  auto a = ParseUrl(registered);
  auto b = ParseUrl(requested);
  if (!a.ok() || !b.ok()) return false;
  if (a->scheme != "http" || b->scheme != "http") return false;
  if (!a->has_authority || !b->has_authority) return false;
  if (!IsLoopbackHost(a->host) || a->host != b->host) return false;
  if (a->has_fragment || b->has_fragment) return false;
  return a->path == b->path && a->has_query == b->has_query && a->query == b->query;
}

absl::StatusOr<std::string> NormalizeResource(std::string_view resource) {
  auto parsed = ParseUrl(resource);
  if (!parsed.ok()) return parsed.status();
  if (parsed->has_fragment) return absl::InvalidArgumentError("resource must not have a fragment");
  std::string scheme = absl::AsciiStrToLower(parsed->scheme);
  if ((scheme != "http" && scheme != "https") || !parsed->has_authority) {
    return absl::InvalidArgumentError("resource must be an http(s) URL");
  }
  std::string host = absl::AsciiStrToLower(parsed->host);
  std::string port = parsed->port;
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) port.clear();
  std::string path = parsed->path;
  if (!path.empty() && path.back() == '/') path.pop_back();
  std::string out = absl::StrCat(scheme, "://", host);
  if (!port.empty()) absl::StrAppend(&out, ":", port);
  absl::StrAppend(&out, path);
  if (parsed->has_query) absl::StrAppend(&out, "?", parsed->query);
  return out;
}

std::string HostAndPort(std::string_view url) {
  auto parsed = ParseUrl(url);
  if (!parsed.ok() || !parsed->has_authority) return "";
  if (parsed->port.empty()) return parsed->host;
  return absl::StrCat(parsed->host, ":", parsed->port);
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

std::string AppendQueryParameters(std::string_view uri,
                                  const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(uri);
  size_t hash = out.find('#');
  if (hash != std::string::npos) out.resize(hash);
  bool has_query = out.find('?') != std::string::npos;
  char sep = has_query ? '&' : '?';
  if (has_query && (out.back() == '?' || out.back() == '&')) sep = '\0';
  for (const auto& [key, value] : params) {
    if (sep != '\0') out.push_back(sep);
    absl::StrAppend(&out, PercentEncode(key), "=", PercentEncode(value));
    sep = '&';
  }
  return out;
}

}  // namespace mcp_oauth::auth
