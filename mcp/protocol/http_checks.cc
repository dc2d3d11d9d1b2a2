#include "mcp/protocol/http_checks.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mcp_oauth::mcp {
namespace {

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

}  // namespace

bool AcceptsMediaType(std::string_view accept, std::string_view media_type) {
  const std::string wanted = absl::AsciiStrToLower(AbslView(media_type));
  const std::string wanted_family = wanted.substr(0, wanted.find('/')) + "/*";
  for (absl::string_view range : absl::StrSplit(AbslView(accept), ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(range, ';');
    const std::string type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[0]));
    bool zero_quality = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::string param = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[i]));
      param.erase(std::remove(param.begin(), param.end(), ' '), param.end());
      if (param == "q=0" || param == "q=0." || param == "q=0.0" || param == "q=0.00" ||
          param == "q=0.000") {
        zero_quality = true;
      }
    }
    if (zero_quality) continue;
    if (type == wanted || type == wanted_family || type == "*/*") return true;
  }
  return false;
}

bool IsContentType(std::string_view content_type, std::string_view media_type) {
  absl::string_view type = AbslView(content_type);
  type = type.substr(0, type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type)) ==
         absl::AsciiStrToLower(AbslView(media_type));
}

bool ParseOrigin(std::string_view url, OriginParts* out) {
  absl::string_view rest = AbslView(url);
  const size_t scheme_end = rest.find("://");
  if (scheme_end == absl::string_view::npos || scheme_end == 0) return false;
  out->scheme = absl::AsciiStrToLower(rest.substr(0, scheme_end));
  rest.remove_prefix(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.empty() || rest.find('@') != absl::string_view::npos) return false;
  absl::string_view host = rest;
  absl::string_view port;
  if (rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos) return false;
    host = rest.substr(0, close + 1);
    absl::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
    }
  } else if (const size_t colon = rest.find(':'); colon != absl::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return false;
  out->host = absl::AsciiStrToLower(host);
  if (!port.empty()) {
    if (!absl::SimpleAtoi(port, &out->port) || out->port <= 0 || out->port > 65535) return false;
  } else if (out->scheme == "https") {
    out->port = 443;
  } else if (out->scheme == "http") {
    out->port = 80;
  } else {
    out->port = 0;
  }
  return true;
}

std::string HostWithoutPort(std::string_view host_header) {
  absl::string_view host = absl::StripAsciiWhitespace(AbslView(host_header));
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    host = close == absl::string_view::npos ? host : host.substr(0, close + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  return absl::AsciiStrToLower(host);
}

std::string HostPolicy::Key(const OriginParts& parts) {
  return absl::StrCat(parts.scheme, "://", parts.host, ":", parts.port);
}

HostPolicy::HostPolicy(std::string_view public_url, const std::vector<std::string>& extra_origins,
                       const std::vector<std::string>& extra_hosts, bool allow_loopback)
    : allow_loopback_(allow_loopback) {
  OriginParts parts;
  if (!public_url.empty() && ParseOrigin(public_url, &parts)) {
    origins_.insert(Key(parts));
    hosts_.insert(parts.host);
  }
  for (const std::string& origin : extra_origins) {
    if (ParseOrigin(origin, &parts)) origins_.insert(Key(parts));
  }
  for (const std::string& host : extra_hosts) {
    if (host == "*") {
      any_host_ = true;
    } else {
      hosts_.insert(HostWithoutPort(host));
    }
  }
}

bool HostPolicy::OriginAllowed(std::string_view origin) const {
  OriginParts parts;
  if (!ParseOrigin(origin, &parts)) return false;  // includes "null"
  if (origins_.count(Key(parts)) > 0) return true;
  return allow_loopback_ && (parts.scheme == "http" || parts.scheme == "https") &&
         IsLoopbackHost(parts.host);
}

bool HostPolicy::HostAllowed(std::string_view host_header) const {
  if (any_host_) return true;
  const std::string host = HostWithoutPort(host_header);
  if (host.empty()) return absl::StripAsciiWhitespace(AbslView(host_header)).empty();
  if (hosts_.count(host) > 0) return true;
  return allow_loopback_ && IsLoopbackHost(host);
}

}  // namespace mcp_oauth::mcp
