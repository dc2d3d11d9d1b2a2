#include "mcp/protocol/json_body.h"

#include <cstdint>
#include <string>
#include <utility>

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

// Deeper documents go to nlohmann (the endpoint bounds depth before parsing;
// this only keeps the recursion here bounded whoever calls it).
constexpr int kMaxDepth = 128;
// At most this many digits: the value then fits int64 and uint64 alike.
constexpr int kMaxDigits = 18;

// A recursive descent over the plain subset. Every method returns false on
// anything it does not take, leaving the verdict to nlohmann.
class PlainParser {
 public:
  explicit PlainParser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool Document(json* out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Value(json* out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(out, depth + 1);
      case '[':
        return Array(out, depth + 1);
      case '"': {
        std::string_view text;
        if (!String(&text)) return false;
        *out = std::string(text);
        return true;
      }
      case 't':
        return Literal("true", json(true), out);
      case 'f':
        return Literal("false", json(false), out);
      case 'n':
        return Literal("null", json(nullptr), out);
      default:
        return Number(out);
    }
  }

  bool Object(json* out, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '{'
    *out = json::object();
    json::object_t& object = out->get_ref<json::object_t&>();
    SkipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      std::string_view key;
      if (p_ == end_ || *p_ != '"' || !String(&key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      // A repeated key keeps its last value, as nlohmann's parser does.
      if (!Value(&object[std::string(key)], depth)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
    }
  }

  bool Array(json* out, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '['
    *out = json::array();
    json::array_t& array = out->get_ref<json::array_t&>();
    SkipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      array.emplace_back();
      if (!Value(&array.back(), depth)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
    }
  }

  // A string of printable ASCII without escapes: its bytes are its value.
  bool String(std::string_view* out) {
    const char* start = ++p_;  // past '"'
    while (p_ != end_) {
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        *out = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) return false;
      ++p_;
    }
    return false;
  }

  bool Literal(std::string_view word, json value, json* out) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    *out = std::move(value);
    return true;
  }

  // -?(0|[1-9][0-9]*) with at most kMaxDigits digits; no fraction or exponent.
  bool Number(json* out) {
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    const char* digits = p_;
    uint64_t value = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      value = value * 10 + static_cast<uint64_t>(*p_ - '0');
      ++p_;
    }
    const size_t count = static_cast<size_t>(p_ - digits);
    if (count == 0 || count > kMaxDigits || (count > 1 && *digits == '0')) return false;
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    // nlohmann keeps a non-negative integer unsigned and a negative one signed.
    if (negative) {
      *out = static_cast<json::number_integer_t>(-static_cast<int64_t>(value));
    } else {
      *out = static_cast<json::number_unsigned_t>(value);
    }
    return true;
  }

  const char* p_;
  const char* const end_;
};

}  // namespace

bool ParsePlainJson(std::string_view text, json* out) { return PlainParser(text).Document(out); }

json ParseJsonBody(std::string_view text) {
  json message;
  if (ParsePlainJson(text, &message)) return message;
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace mcp_oauth::mcp
