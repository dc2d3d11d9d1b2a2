#include "gateway/form.h"

#include <set>

#include "common/utf8.h"

namespace mcp_oauth::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string FormData::Get(std::string_view name) const {
  for (const auto& [key, value] : pairs_) {
    if (key == name) return value;
  }
  return "";
}

std::vector<std::string> FormData::GetAll(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : pairs_) {
    if (key == name) values.push_back(value);
  }
  return values;
}

bool FormData::Has(std::string_view name) const {
  for (const auto& pair : pairs_) {
    if (pair.first == name) return true;
  }
  return false;
}

bool FormData::HasDuplicates() const { return HasDuplicatesExcept({}); }

bool FormData::HasDuplicatesExcept(const std::vector<std::string>& repeatable) const {
  std::set<std::string_view> seen;
  for (const auto& pair : pairs_) {
    bool may_repeat = false;
    for (const auto& name : repeatable) may_repeat = may_repeat || name == pair.first;
    if (!may_repeat && !seen.insert(pair.first).second) return true;
  }
  return false;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<FormData> ParseForm(std::string_view text, size_t max_pairs) {
  FormData form;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view part = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (part.empty()) continue;
    if (form.pairs().size() >= max_pairs) return std::nullopt;
    size_t eq = part.find('=');
    auto name = PercentDecode(part.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : part.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    if (!utf8::IsValid(*name) || !utf8::IsValid(*value)) return std::nullopt;
    form.pairs().emplace_back(std::move(*name), std::move(*value));
  }
  return form;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace mcp_oauth::gateway
