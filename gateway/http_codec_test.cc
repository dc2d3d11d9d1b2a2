#include "gateway/http_codec.h"

#include <cstring>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

// Parses `header` (a request up to and including its blank line) and returns
// FramingError's verdict, or "parser: <error>" when Beast refuses it itself.
std::string Framing(const std::string& header) {
  BeastRequestParser parser;
  SetRequestLimits(parser, 16 * 1024, 1024 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(header), ec);
  if (ec) return "parser: " + ec.message();
  if (!parser.is_header_done()) return "parser: header incomplete";
  return std::string(FramingError(parser));
}

std::string Post(const std::string& fields, const std::string& version = "HTTP/1.1") {
  return "POST /token " + version + "\r\nHost: x\r\n" + fields + "\r\n";
}

TEST(FramingErrorTest, AcceptsUnambiguousFraming) {
  EXPECT_EQ(Framing("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "");
  EXPECT_EQ(Framing(Post("Content-Length: 5\r\n")), "");
  EXPECT_EQ(Framing(Post("Content-Length: 5\r\nContent-Length: 5\r\n")), "");
  EXPECT_EQ(Framing(Post("Content-Length: 5, 5\r\n")), "");
  EXPECT_EQ(Framing(Post("Content-Length: 5\r\n", "HTTP/1.0")), "");
  EXPECT_EQ(Framing(Post("Transfer-Encoding: chunked\r\n")), "");
  EXPECT_EQ(Framing(Post("Transfer-Encoding: CHUNKED\r\n")), "");
  EXPECT_EQ(Framing(Post("Transfer-Encoding: \t chunked \t\r\n")), "");
}

TEST(FramingErrorTest, RefusesAnyTransferEncodingButChunked) {
  for (const char* coding : {"chunked, identity", "identity", "xchunked", "chunkedx", "gzip",
                             "gzip, chunked", "chunked, chunked", "chunked;q=1", "chunked,", ""}) {
    SCOPED_TRACE(coding);
    EXPECT_NE(Framing(Post(std::string("Transfer-Encoding: ") + coding + "\r\n")), "");
  }
  // Two fields make a list, whatever each says.
  EXPECT_NE(Framing(Post("Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n")), "");
}

TEST(FramingErrorTest, RefusesTransferEncodingWithContentLength) {
  // Beast lets this order through (the coding is not chunked): the body
  // would be framed by the length.
  EXPECT_EQ(Framing(Post("Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n")),
            "both Transfer-Encoding and Content-Length");
  EXPECT_NE(Framing(Post("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n")), "");
  EXPECT_NE(Framing(Post("Content-Length: 0\r\nTransfer-Encoding: chunked\r\n")), "");
}

TEST(FramingErrorTest, RefusesTransferEncodingInHttp10) {
  EXPECT_EQ(Framing(Post("Transfer-Encoding: chunked\r\n", "HTTP/1.0")),
            "Transfer-Encoding in an HTTP/1.0 request");
}

TEST(FramingErrorTest, RefusesMalformedOrConflictingContentLength) {
  for (const char* length :
       {"+5", "-1", "0x5", "5 5", "5,", ",5", "5, 6", "", "99999999999999999999999"}) {
    SCOPED_TRACE(length);
    EXPECT_NE(Framing(Post(std::string("Content-Length: ") + length + "\r\n")), "");
  }
  EXPECT_NE(Framing(Post("Content-Length: 5\r\nContent-Length: 6\r\n")), "");
}

TEST(ScanHeaderBlockTest, FindsTheEndOfTheHeaderAcrossReads) {
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
  size_t scanned = 0;
  // Every prefix that stops before the blank line's LF asks for more.
  size_t end = request.find("\r\n\r\n") + 3;
  for (size_t n = 0; n < end; ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(ScanHeaderBlock(std::string_view(request).substr(0, n), scanned),
              HeaderScan::kIncomplete);
    EXPECT_LE(scanned, n);
  }
  EXPECT_EQ(ScanHeaderBlock(request, scanned), HeaderScan::kParse);
  scanned = 0;
  EXPECT_EQ(ScanHeaderBlock(request, scanned), HeaderScan::kParse);
}

TEST(ScanHeaderBlockTest, RefusesObsoleteLineFolding) {
  for (const char* header :
       {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nX-A: b\r\n\tc\r\n\r\n", "GET / HTTP/1.1\r\n Host: x\r\n\r\n"}) {
    SCOPED_TRACE(header);
    size_t scanned = 0;
    EXPECT_EQ(ScanHeaderBlock(header, scanned), HeaderScan::kObsFold);
  }
  // Found when the folded line arrives after the line break was scanned.
  size_t scanned = 0;
  EXPECT_EQ(ScanHeaderBlock("GET / HTTP/1.1\r\nX-A: b\r\n", scanned), HeaderScan::kIncomplete);
  EXPECT_EQ(ScanHeaderBlock("GET / HTTP/1.1\r\nX-A: b\r\n c\r\n\r\n", scanned),
            HeaderScan::kObsFold);
  // Whitespace inside a body is no folding.
  scanned = 0;
  EXPECT_EQ(ScanHeaderBlock("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n\r\n  ", scanned),
            HeaderScan::kParse);
}

TEST(ScanHeaderBlockTest, LeavesBareLineFeedsToTheParser) {
  size_t scanned = 0;
  EXPECT_EQ(ScanHeaderBlock("GET / HTTP/1.1\nHost: x\n", scanned), HeaderScan::kParse);
}

// A flat buffer holding `bytes`, as the server's connection buffer would.
void Fill(boost::beast::flat_buffer& buffer, const std::string& bytes) {
  auto space = buffer.prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

std::string Rest(const boost::beast::flat_buffer& buffer) {
  return std::string(static_cast<const char*>(buffer.data().data()), buffer.size());
}

TEST(ParseBufferedTest, ParsesABufferedRequestAndLeavesTheNextOne) {
  BeastRequestParser parser;
  SetRequestLimits(parser, 16 * 1024, 1024 * 1024);
  boost::beast::flat_buffer buffer;
  Fill(buffer, "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n");
  EXPECT_FALSE(ParseBuffered(parser, buffer, /*header_only=*/true));
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_FALSE(parser.is_done());
  EXPECT_EQ(Rest(buffer), "helloGET / HTTP/1.1\r\n");  // no body byte before the body limit is set
  EXPECT_FALSE(ParseBuffered(parser, buffer, /*header_only=*/false));
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "hello");
  EXPECT_EQ(Rest(buffer), "GET / HTTP/1.1\r\n");  // pipelined: the next request's bytes stay
}

TEST(ParseBufferedTest, SaysNeedMoreWhenTheBodyIsNotAllHere) {
  BeastRequestParser parser;
  SetRequestLimits(parser, 16 * 1024, 1024 * 1024);
  boost::beast::flat_buffer buffer;
  Fill(buffer, "POST /mcp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
  EXPECT_FALSE(ParseBuffered(parser, buffer, /*header_only=*/true));
  EXPECT_EQ(ParseBuffered(parser, buffer, /*header_only=*/false),
            boost::beast::http::error::need_more);
  Fill(buffer, "lo\r\n0\r\n\r\n");
  EXPECT_FALSE(ParseBuffered(parser, buffer, /*header_only=*/false));
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "hello");
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(ParseBufferedTest, ReportsTheParsersErrors) {
  BeastRequestParser parser;
  SetRequestLimits(parser, 16 * 1024, 4);
  boost::beast::flat_buffer buffer;
  Fill(
      buffer,
      "POST /mcp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_FALSE(ParseBuffered(parser, buffer, /*header_only=*/true));
  EXPECT_EQ(ParseBuffered(parser, buffer, /*header_only=*/false),
            boost::beast::http::error::body_limit);

  // A declared length over the limit is refused with the header.
  BeastRequestParser declared;
  SetRequestLimits(declared, 16 * 1024, 4);
  boost::beast::flat_buffer declared_buffer;
  Fill(declared_buffer, "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(ParseBuffered(declared, declared_buffer, /*header_only=*/true),
            boost::beast::http::error::body_limit);

  BeastRequestParser bad;
  boost::beast::flat_buffer junk;
  Fill(junk, "G@T / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(ParseBuffered(bad, junk, /*header_only=*/true), boost::beast::http::error::bad_method);
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// What Beast's serializer writes for the response the server used to build:
// the fields inserted in order, then keep_alive() and prepare_payload().
std::string BeastResponse(int status, const Fields& fields, const std::string& body,
                          bool keep_alive) {
  namespace http = boost::beast::http;
  http::response<http::string_body> message(static_cast<http::status>(status), 11);
  for (const auto& [name, value] : fields) message.insert(name, value);
  message.body() = body;
  message.keep_alive(keep_alive);
  message.prepare_payload();
  std::ostringstream out;
  out << message;
  return out.str();
}

std::string OurResponse(int status, const Fields& fields, const std::string& body,
                        bool keep_alive) {
  std::string out = "stale";  // appended to, as the server reuses its buffer after clear()
  out.clear();
  AppendResponseHead(status, fields, body.size(), keep_alive, out);
  return out + body;
}

TEST(AppendResponseHeadTest, WritesWhatBeastWrites) {
  const Fields json = {
      {"Content-Type", "application/json"}, {"Mcp-Session-Id", "abc"}, {"X-Request-Id", "id-1"}};
  const std::string big(70000, 'x');
  struct Case {
    int status;
    Fields fields;
    std::string body;
  };
  const Case cases[] = {
      {200, json, R"({"jsonrpc":"2.0","id":1,"result":{}})"},
      {200, {}, ""},
      {202, json, ""},
      {204, {{"Access-Control-Allow-Origin", "*"}}, ""},
      {302, {{"Location", "/login?x=1"}, {"Cache-Control", "no-store"}}, ""},
      {400, json, "{}"},
      {401, {{"WWW-Authenticate", "Bearer resource_metadata=\"x\""}}, "{}"},
      {404, json, "not found"},
      {413, json, "{}"},
      {431, json, "{}"},
      {499, json, "{}"},  // no reason phrase Beast knows
      {503, {{"Retry-After", "1"}, {"set-cookie", "a=b"}, {"Set-Cookie", "c=d"}}, "{}"},
      {200, json, big},
  };
  for (const Case& c : cases) {
    for (bool keep_alive : {true, false}) {
      SCOPED_TRACE(std::to_string(c.status) + (keep_alive ? " keep-alive" : " close"));
      EXPECT_EQ(OurResponse(c.status, c.fields, c.body, keep_alive),
                BeastResponse(c.status, c.fields, c.body, keep_alive));
    }
  }
}

TEST(AppendResponseHeadTest, TheServerOwnsTheFraming) {
  // A handler's framing fields are dropped, never sent next to (or against)
  // the server's own.
  const Fields fields = {{"Content-Length", "999"},
                         {"transfer-encoding", "chunked"},
                         {"Connection", "keep-alive"},
                         {"Content-Type", "text/plain"}};
  EXPECT_EQ(OurResponse(200, fields, "hi", /*keep_alive=*/false),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            "Content-Length: 2\r\n\r\nhi");
}

}  // namespace
}  // namespace mcp_oauth::gateway
