// Header checks for the MCP endpoint: content negotiation (Accept,
// Content-Type) and Origin/Host validation against DNS rebinding.
// Thread safe (HostPolicy is immutable after construction).
#ifndef MCP_OAUTH_MCP_PROTOCOL_HTTP_CHECKS_H_
#define MCP_OAUTH_MCP_PROTOCOL_HTTP_CHECKS_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mcp_oauth::mcp {

// Returns true when the Accept header value admits `media_type` (exactly, or
// through "type/*" or "*/*"; parameters such as q are ignored except q=0).
bool AcceptsMediaType(std::string_view accept, std::string_view media_type);

// Returns true when a Content-Type value is `media_type` (parameters ignored).
bool IsContentType(std::string_view content_type, std::string_view media_type);

struct OriginParts {
  std::string scheme;  // lower case
  std::string host;    // lower case; IPv6 in brackets
  int port = 0;        // explicit or the scheme's default
};

// Splits "scheme://host[:port]" (a URL's path, query and fragment are ignored).
bool ParseOrigin(std::string_view url, OriginParts* out);

// Returns the host of a Host header value without its port, lower case.
std::string HostWithoutPort(std::string_view host_header);

class HostPolicy {
 public:
  // `public_url`: the server's public base URL (its origin and host are
  // allowed). `extra_origins`: exact origins also allowed. `extra_hosts`: host
  // names (no port) also allowed; "*" allows any Host. `allow_loopback`:
  // localhost, 127.0.0.1 and [::1] on any port (http or https origins).
  HostPolicy(std::string_view public_url, const std::vector<std::string>& extra_origins,
             const std::vector<std::string>& extra_hosts, bool allow_loopback);

  bool OriginAllowed(std::string_view origin) const;
  // A missing Host (empty) is allowed: browsers, the DNS-rebinding vector,
  // always send one.
  bool HostAllowed(std::string_view host_header) const;

 private:
  static std::string Key(const OriginParts& parts);

  std::set<std::string> origins_;  // "scheme://host:port"
  std::set<std::string> hosts_;
  bool any_host_ = false;
  bool allow_loopback_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_HTTP_CHECKS_H_
