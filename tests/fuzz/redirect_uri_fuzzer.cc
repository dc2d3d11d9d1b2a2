// libFuzzer target: the redirect URI matcher and the URL helpers next to it
// (auth/url.h). The input is "registered\nrequested" (a missing newline makes
// both the same). Checks the matcher's basic properties besides memory safety.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/url.h"

namespace {

void Check(bool condition, const char* what, std::string_view a, std::string_view b) {
  if (!condition) {
    std::fprintf(stderr, "redirect_uri_fuzzer: property violated: %s\n  a=%.*s\n  b=%.*s\n", what,
                 static_cast<int>(a.size()), a.data(), static_cast<int>(b.size()), b.data());
    std::abort();
  }
}

bool IsLoopbackHttp(const mcp_oauth::auth::ParsedUrl& url) {
  return url.scheme == "http" && url.has_authority &&
         (url.host == "localhost" || url.host == "127.0.0.1" || url.host == "[::1]");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace auth = mcp_oauth::auth;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view registered = input.substr(0, newline);
  std::string_view requested =
      newline == std::string_view::npos ? registered : input.substr(newline + 1);

  bool matches = auth::RedirectUriMatches(registered, requested);
  Check(auth::RedirectUriMatches(registered, registered), "a URI does not match itself", registered,
        registered);
  Check(matches == auth::RedirectUriMatches(requested, registered), "matching is not symmetric",
        registered, requested);
  if (matches && registered != requested) {
    // Only the port of an http loopback URI may differ.
    auto a = auth::ParseUrl(registered);
    auto b = auth::ParseUrl(requested);
    Check(a.ok() && b.ok(), "non-identical match of unparseable URIs", registered, requested);
    Check(IsLoopbackHttp(*a) && IsLoopbackHttp(*b), "non-identical match off loopback http",
          registered, requested);
    Check(a->host == b->host && a->path == b->path && a->query == b->query && !a->has_fragment &&
              !b->has_fragment,
          "match differs in more than the port", registered, requested);
  }

  for (std::string_view url : {registered, requested}) {
    auto parsed = auth::ParseUrl(url);
    if (parsed.ok()) {
      for (char c : parsed->port) {
        Check(c >= '0' && c <= '9', "non-digit port", url, parsed->port);
      }
      Check(parsed->port.size() <= 5, "port longer than 5 digits", url, parsed->port);
      Check(!parsed->host.empty() || !parsed->has_authority, "empty host", url, "");
    }
    (void)auth::IsValidRedirectUri(url);
    (void)auth::HostAndPort(url);
    auto normalized = auth::NormalizeResource(url);
    if (normalized.ok()) {
      Check(auth::NormalizeResource(*normalized).ok(), "normalised resource does not re-parse", url,
            *normalized);
    }
    std::string with_query = auth::AppendQueryParameters(url, {{"code", "c d"}, {"state", "&="}});
    Check(with_query.find('#') == std::string::npos, "fragment kept", url, with_query);
  }
  return 0;
}
