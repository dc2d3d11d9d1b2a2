// Beast <-> plain HttpRequest conversion, shared by the listener
// (http_server.cc) and the HTTP fuzzer (tests/fuzz/http_fuzzer.cc), so that
// the fuzzer exercises exactly the parser limits and conversion the server
// uses. Pure functions, thread safe.
#ifndef MCP_OAUTH_GATEWAY_HTTP_CODEC_H_
#define MCP_OAUTH_GATEWAY_HTTP_CODEC_H_

#include <boost/beast/http.hpp>
#include <cstddef>
#include <string>

#include "gateway/http_types.h"

namespace mcp_oauth::gateway {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Sets the header and body limits on a fresh request parser.
void SetRequestLimits(BeastRequestParser& parser, size_t max_header_bytes, size_t max_body_bytes);

// Splits the target into path and query and copies method, headers (names
// lower-cased by Headers::Add) and body.
HttpRequest ToHttpRequest(BeastRequest&& raw, const std::string& remote_ip);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_HTTP_CODEC_H_
