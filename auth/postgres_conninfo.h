// PostgreSQL connection strings (libpq URIs and key=value strings) made safe
// to print: whatever form a password takes in them (URI userinfo, URI query
// `?password=`, `password=` in key=value form, quoted or percent-encoded),
// it never reaches a message or a log. The string is parsed by libpq's own
// PQconninfoParse, so what counts as a password is what libpq will use as
// one. Pure functions, thread safe.
#ifndef MCP_OAUTH_AUTH_POSTGRES_CONNINFO_H_
#define MCP_OAUTH_AUTH_POSTGRES_CONNINFO_H_

#include <string>
#include <string_view>

namespace mcp_oauth::auth {

// Returns `conninfo` as libpq parses it, in key=value form (libpq's order),
// with the value of every option libpq marks secret (password, sslpassword)
// replaced by "***". A string libpq cannot parse is returned as it is only
// when it holds neither '@' nor '=' (nowhere for a password to be), else as
// a placeholder.
std::string RedactConninfo(std::string_view conninfo);

// Returns `message`, an error message of libpq about `conninfo`, safe to
// print: with every secret value of `conninfo` replaced by "***" or, when
// libpq cannot parse `conninfo` (then the message quotes parts of it: a
// token, a keyword, the whole URI), with the quoted parts hidden.
std::string RedactLibpqMessage(std::string_view message, std::string_view conninfo);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_POSTGRES_CONNINFO_H_
