#include "mcp/protocol/http_checks.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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

// True when one of the ';'-separated `params` of a media range is a zero
// quality ("q=0" up to "q=0.000"; case, surrounding whitespace and spaces
// ignored).
bool HasZeroQuality(absl::string_view params) {
  for (absl::string_view param : absl::StrSplit(params, ';')) {
    char compact[8];
    size_t size = 0;
    bool fits = true;
    for (char c : absl::StripAsciiWhitespace(param)) {
      if (c == ' ') continue;
      if (size == sizeof(compact)) {
        fits = false;
        break;
      }
      compact[size++] = absl::ascii_tolower(static_cast<unsigned char>(c));
    }
    const absl::string_view q(compact, size);
    if (fits && (q == "q=0" || q == "q=0." || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")) {
      return true;
    }
  }
  return false;
}

// True when `range` is "<type>/*" for `type` (case-insensitive).
bool IsWildcardOf(absl::string_view range, absl::string_view type) {
  return range.size() == type.size() + 2 && absl::EndsWith(range, "/*") &&
         absl::EqualsIgnoreCase(range.substr(0, type.size()), type);
}

}  // namespace

bool AcceptsMediaType(std::string_view accept, std::string_view media_type) {
  // Compared in place, case-insensitively: no lower-cased copies (every POST
  // asks twice).
  const absl::string_view wanted = AbslView(media_type);
  const absl::string_view wanted_type = wanted.substr(0, wanted.find('/'));
  for (absl::string_view range : absl::StrSplit(AbslView(accept), ',')) {
    const size_t semicolon = range.find(';');
    const absl::string_view type = absl::StripAsciiWhitespace(range.substr(0, semicolon));
    if (semicolon != absl::string_view::npos && HasZeroQuality(range.substr(semicolon + 1))) {
      continue;
    }
    if (absl::EqualsIgnoreCase(type, wanted) || type == "*/*" || IsWildcardOf(type, wanted_type)) {
      return true;
    }
  }
  return false;
}

bool IsContentType(std::string_view content_type, std::string_view media_type) {
  absl::string_view type = AbslView(content_type);
  type = type.substr(0, type.find(';'));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(type), AbslView(media_type));
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
