// JSON bodies of the OAuth endpoints, rendered from the AuthService messages
// whose field names are the RFCs' member names (metadata, token and
// introspection responses).
//
// Protobuf's own JSON mapping does not fit these documents: it prints int64 as
// a JSON string ("exp":"1796122878"), where RFC 7662 and RFC 6749 want
// numbers (NumericDate, expires_in), and resource servers built on the MCP SDK
// then refuse every token. This renderer follows the RFC types instead.
#ifndef MCP_OAUTH_GATEWAY_RFC_JSON_H_
#define MCP_OAUTH_GATEWAY_RFC_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

namespace google::protobuf {
class Message;
}

namespace mcp_oauth::gateway {

// Returns `message` as a JSON object keyed by the proto field names:
//   - integers (int32, int64, uint32, uint64) are JSON numbers;
//   - bool is a JSON boolean, string a string, enum its value's name;
//   - repeated fields are arrays, map fields objects, messages objects
//     (well-known types such as google.protobuf.Struct use protobuf's mapping);
//   - a field without explicit presence that holds its default (0, false, "",
//     no elements) is absent, as the RFCs make such members optional. Callers
//     add members that must be present even when false (e.g. "active").
nlohmann::json ProtoToRfcJson(const google::protobuf::Message& message);

// ProtoToRfcJson(message) serialized; invalid UTF-8 is replaced, never thrown.
std::string ProtoToRfcJsonString(const google::protobuf::Message& message);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_RFC_JSON_H_
