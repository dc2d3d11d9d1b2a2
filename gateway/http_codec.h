// Beast <-> plain HttpRequest conversion, shared by the listener
// (http_server.cc) and the HTTP fuzzer (tests/fuzz/http_fuzzer.cc), so that
// the fuzzer exercises exactly the parser limits and conversion the server
// uses. Pure functions, thread safe.
#ifndef MCP_OAUTH_GATEWAY_HTTP_CODEC_H_
#define MCP_OAUTH_GATEWAY_HTTP_CODEC_H_

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// Where a connection's unparsed input stands with respect to the header
// block of the next request (see ScanHeaderBlock).
enum class HeaderScan {
  kIncomplete,  // read more before parsing
  kParse,       // complete, or malformed in a way the parser refuses itself
  kObsFold,     // a field line continues on the next (RFC 9112 Section 5.2)
};

// Scans `bytes`, the unparsed input at the start of a request, for the end of
// its header block. `scanned` (0 for a new request) carries the progress
// across calls, so that a header trickled in byte by byte is scanned once.
// The server reads the whole header block before parsing it and answers 400
// to obsolete line folding: the parser would unfold it into one value, where
// another HTTP implementation in front of the server may read two fields.
HeaderScan ScanHeaderBlock(std::string_view bytes, size_t& scanned);

// Once the header is parsed, before any body byte: the request's message
// framing (RFC 9112 Section 6). Returns an empty string when the body is
// framed unambiguously (no body, one Content-Length, or Transfer-Encoding
// exactly "chunked" in HTTP/1.1), else why not: Transfer-Encoding together
// with Content-Length, any other transfer coding or list of codings,
// Transfer-Encoding in HTTP/1.0, a malformed Content-Length or values that
// disagree. The server answers 400 and closes the connection, so that bytes
// another implementation would frame differently are never read as a request.
std::string_view FramingError(const BeastRequestParser& parser);

// Feeds the bytes `buffer` holds to `parser`, consuming what it parses, until
// the header (header_only) or the whole message is parsed: what
// http::async_read_header / http::async_read do with bytes already read, minus
// the read and the completion they post to the connection's strand. Returns
// http::error::need_more when the bytes run out first (read more, e.g. with
// http::async_read on the same parser and buffer), else the parser's verdict.
boost::beast::error_code ParseBuffered(BeastRequestParser& parser,
                                       boost::beast::flat_buffer& buffer, bool header_only);

// The path of a request target (without its query).
std::string_view TargetPath(std::string_view target);

// Splits the target into path and query and copies method, headers (names
// lower-cased by Headers::Add) and body.
HttpRequest ToHttpRequest(BeastRequest&& raw, const std::string& remote_ip);

// Appends the status line and header block (up to and including the blank
// line) of a complete HTTP/1.1 response whose body has `body_size` bytes:
// `headers` in order, `Connection: close` unless `keep_alive`, then
// Content-Length. Framing is the server's: a Content-Length,
// Transfer-Encoding or Connection field among `headers` is left out. These
// are the bytes Beast's serializer writes for the same
// http::response<string_body> after keep_alive() and prepare_payload(),
// without building one (its fields allocate one element each).
void AppendResponseHead(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                        size_t body_size, bool keep_alive, std::string& out);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_HTTP_CODEC_H_
