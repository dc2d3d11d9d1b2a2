// Parses a POST body into the nlohmann DOM, faster than nlohmann's own parser
// for the messages clients send every call (objects, arrays, short ASCII
// strings, integers) and with exactly its result: anything outside that plain
// subset (escapes, non-ASCII bytes, fractions and exponents, long integers,
// any syntax error) is handed to nlohmann::json::parse, which then decides.
//
// Pure functions; thread safe.
#ifndef MCP_OAUTH_MCP_PROTOCOL_JSON_BODY_H_
#define MCP_OAUTH_MCP_PROTOCOL_JSON_BODY_H_

#include <nlohmann/json.hpp>
#include <string_view>

namespace mcp_oauth::mcp {

// Returns the DOM of `text`, or a discarded value (is_discarded()) when it is
// not JSON: what nlohmann::json::parse(text, nullptr, false) returns.
nlohmann::json ParseJsonBody(std::string_view text);

// Fills `out` and returns true when `text` is JSON in the plain subset;
// returns false (`out` unspecified) otherwise. Exposed for tests.
bool ParsePlainJson(std::string_view text, nlohmann::json* out);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_JSON_BODY_H_
