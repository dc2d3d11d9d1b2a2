#include "mcp/uri_template.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace mcp_oauth::mcp {
namespace {

bool IsVarChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsSegmentChar(char c) { return c != '/' && c != '?' && c != '#'; }

}  // namespace

absl::StatusOr<UriTemplate> UriTemplate::Parse(std::string text) {
  auto invalid = [&text](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("URI template '", text, "': ", why));
  };
  if (text.empty()) return invalid("empty");
  UriTemplate out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '}') return invalid("unbalanced '}'");
    if (text[i] != '{') {
      size_t end = text.find_first_of("{}", i);
      if (end == std::string::npos) end = text.size();
      out.parts_.push_back({false, text.substr(i, end - i)});
      i = end;
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == std::string::npos) return invalid("unbalanced '{'");
    std::string name = text.substr(i + 1, close - i - 1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsVarChar)) {
      return invalid("only simple {name} variables ([A-Za-z0-9_]+) are supported");
    }
    if (std::find(out.variables_.begin(), out.variables_.end(), name) != out.variables_.end()) {
      return invalid(absl::StrCat("variable '", name, "' appears twice"));
    }
    if (!out.parts_.empty() && out.parts_.back().is_variable)
      return invalid("adjacent variables are ambiguous");
    out.variables_.push_back(name);
    out.parts_.push_back({true, std::move(name)});
    i = close + 1;
  }
  if (out.variables_.empty()) return invalid("no variable (register a plain resource instead)");
  out.text_ = std::move(text);
  return out;
}

bool UriTemplate::Match(std::string_view uri, std::map<std::string, std::string>* variables) const {
  variables->clear();
  if (MatchFrom(0, uri, variables)) return true;
  variables->clear();
  return false;
}

bool UriTemplate::MatchFrom(size_t part, std::string_view rest,
                            std::map<std::string, std::string>* variables) const {
  if (part == parts_.size()) return rest.empty();
  const Part& p = parts_[part];
  if (!p.is_variable) {
    if (rest.substr(0, p.value.size()) != p.value) return false;
    return MatchFrom(part + 1, rest.substr(p.value.size()), variables);
  }
  // A variable: try every non-empty run of segment characters (templates are
  // short and variables never adjacent, so this stays cheap).
  for (size_t len = 1; len <= rest.size() && IsSegmentChar(rest[len - 1]); ++len) {
    (*variables)[p.value] = std::string(rest.substr(0, len));
    if (MatchFrom(part + 1, rest.substr(len), variables)) return true;
  }
  variables->erase(p.value);
  return false;
}

}  // namespace mcp_oauth::mcp
