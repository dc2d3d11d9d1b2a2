// Beast <-> plain HttpRequest conversion, shared by the listener
// (http_server.cc) and the HTTP fuzzer (tests/fuzz/http_fuzzer.cc), so that
// the fuzzer exercises exactly the parser limits and conversion the server
// uses. Pure functions, thread safe.
#ifndef MCP_OAUTH_GATEWAY_HTTP_CODEC_H_
#define MCP_OAUTH_GATEWAY_HTTP_CODEC_H_

#include <boost/beast/http.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/http_types.h"

namespace mcp_oauth::gateway {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Sets the header and body limits on a fresh request parser.
void SetRequestLimits(BeastRequestParser& parser, size_t max_header_bytes, size_t max_body_bytes);

// Once the header is parsed, before any body byte: applies `limit` (the body
// limit of the request's path) to the body. Returns false when the declared
// Content-Length already exceeds it (the server answers 413); a chunked body
// fails in the parser when its decoded size passes the limit.
bool ApplyBodyLimit(BeastRequestParser& parser, size_t limit);

// The path of a request target (without its query).
std::string_view TargetPath(std::string_view target);

// Splits the target into path and query and copies method, headers (names
// lower-cased by Headers::Add) and body.
HttpRequest ToHttpRequest(BeastRequest&& raw, const std::string& remote_ip);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_HTTP_CODEC_H_
