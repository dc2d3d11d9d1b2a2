#include "gateway/http_codec.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

namespace mcp_oauth::gateway {
namespace {

namespace http = boost::beast::http;

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && IsOws(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsOws(text.back())) text.remove_suffix(1);
  return text;
}

// A Content-Length element: 1*DIGIT that fits in 64 bits.
std::optional<std::uint64_t> ParseLength(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// Framing fields the server writes itself (see AppendResponseHead).
bool IsFramingField(std::string_view name) {
  namespace beast = boost::beast;
  beast::string_view view(name.data(), name.size());
  return beast::iequals(view, "content-length") || beast::iequals(view, "transfer-encoding") ||
         beast::iequals(view, "connection");
}

}  // namespace

void SetRequestLimits(BeastRequestParser& parser, size_t max_header_bytes, size_t max_body_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(max_body_bytes);
}

bool ApplyBodyLimit(BeastRequestParser& parser, size_t limit) {
  if (auto length = parser.content_length(); length && *length > limit) return false;
  parser.body_limit(limit);
  return true;
}

HeaderScan ScanHeaderBlock(std::string_view bytes, size_t& scanned) {
  for (size_t i = scanned; i < bytes.size(); ++i) {
    // Line breaks only matter: jump to the next one (memchr, not a byte loop).
    const void* lf = std::memchr(bytes.data() + i, '\n', bytes.size() - i);
    if (lf == nullptr) break;
    i = static_cast<size_t>(static_cast<const char*>(lf) - bytes.data());
    // A bare LF: the parser refuses it as it stands.
    if (i == 0 || bytes[i - 1] != '\r') return HeaderScan::kParse;
    if (i + 1 >= bytes.size()) {
      scanned = i;  // what follows this line break decides
      return HeaderScan::kIncomplete;
    }
    char next = bytes[i + 1];
    if (IsOws(next)) return HeaderScan::kObsFold;
    if (next == '\r') return HeaderScan::kParse;  // the blank line (or a stray CR)
  }
  scanned = bytes.size();
  return HeaderScan::kIncomplete;
}

std::string_view FramingError(const BeastRequestParser& parser) {
  const auto& header = parser.get();
  int transfer_encodings = 0;
  std::string_view coding;
  for (const auto& field : header) {
    if (field.name() != http::field::transfer_encoding) continue;
    ++transfer_encodings;
    coding = TrimOws({field.value().data(), field.value().size()});
  }
  std::optional<std::uint64_t> length;
  bool has_length = false;
  for (const auto& field : header) {
    if (field.name() != http::field::content_length) continue;
    has_length = true;
    // One value, or a list of identical values (RFC 9110 Section 8.6).
    std::string_view list(field.value().data(), field.value().size());
    while (true) {
      size_t comma = list.find(',');
      std::optional<std::uint64_t> value = ParseLength(TrimOws(list.substr(0, comma)));
      if (!value) return "malformed Content-Length";
      if (length && *length != *value) return "conflicting Content-Length values";
      length = value;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  if (transfer_encodings == 0) return {};
  if (has_length) return "both Transfer-Encoding and Content-Length";
  if (header.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
  if (transfer_encodings > 1 ||
      !boost::beast::iequals(boost::beast::string_view(coding.data(), coding.size()), "chunked")) {
    return "unsupported Transfer-Encoding (only chunked is accepted)";
  }
  return {};
}

boost::beast::error_code ParseBuffered(BeastRequestParser& parser,
                                       boost::beast::flat_buffer& buffer, bool header_only) {
  parser.eager(!header_only);  // as async_read_header (false) and async_read (true) set it
  boost::beast::error_code ec;
  while (!(header_only ? parser.is_header_done() : parser.is_done())) {
    if (buffer.size() == 0) return http::error::need_more;
    const size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec) return ec;  // need_more included: the buffer ends inside an element
    if (used == 0) return http::error::need_more;
  }
  return ec;
}

std::string_view TargetPath(std::string_view target) { return target.substr(0, target.find('?')); }

HttpRequest ToHttpRequest(BeastRequest&& raw, const std::string& remote_ip) {
  HttpRequest request;
  request.method = std::string(raw.method_string());
  request.target = std::string(raw.target());
  size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
  // Sized once: Add would otherwise grow the buffers a few times per request.
  size_t fields = 0;
  size_t bytes = 0;
  for (const auto& field : raw) {
    ++fields;
    bytes += field.name_string().size() + field.value().size();
  }
  request.headers.Reserve(fields, bytes);
  for (const auto& field : raw) {
    request.headers.Add({field.name_string().data(), field.name_string().size()},
                        {field.value().data(), field.value().size()});
  }
  request.body = std::move(raw.body());
  request.remote_ip = remote_ip;
  return request;
}

void AppendResponseHead(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                        size_t body_size, bool keep_alive, std::string& out) {
  const unsigned code = static_cast<unsigned>(status);
  const char status_line[] = {'H',
                              'T',
                              'T',
                              'P',
                              '/',
                              '1',
                              '.',
                              '1',
                              ' ',
                              static_cast<char>('0' + code / 100),
                              static_cast<char>('0' + (code / 10) % 10),
                              static_cast<char>('0' + code % 10),
                              ' '};
  out.append(status_line, sizeof(status_line));
  boost::beast::string_view reason = http::obsolete_reason(static_cast<http::status>(code));
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  for (const auto& [name, value] : headers) {
    if (IsFramingField(name)) continue;
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("Content-Length: ");
  char digits[20];
  char* end = digits + sizeof(digits);
  char* begin = end;
  do {
    *--begin = static_cast<char>('0' + body_size % 10);
    body_size /= 10;
  } while (body_size > 0);
  out.append(begin, end);
  out.append("\r\n\r\n");
}

}  // namespace mcp_oauth::gateway
