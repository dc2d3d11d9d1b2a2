// The key under which per-address limits (sign-in throttle, client
// authentication throttle, /authorize rate limit) count a client address.
//
// One IPv6 host usually owns a whole /64 (SLAAC, privacy addresses), so
// counting exact IPv6 addresses would let a client rotate through 2^64 of
// them; IPv6 is grouped by /64 and IPv4 by the address. IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 peers) count
// as the IPv4 address they carry.
#ifndef MCP_OAUTH_AUTH_CLIENT_ADDRESS_H_
#define MCP_OAUTH_AUTH_CLIENT_ADDRESS_H_

#include <string>
#include <string_view>

namespace mcp_oauth::auth {

// Returns "a.b.c.d" for an IPv4 or IPv4-mapped IPv6 address, "p:p:p:p::/64"
// (the canonical text of the /64 prefix) for any other IPv6 address
// (brackets and a %zone are ignored), and for anything else (empty, not an
// address) the input itself cut to 64 bytes, so that the key stays bounded.
std::string AddressThrottleKey(std::string_view address);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_CLIENT_ADDRESS_H_
