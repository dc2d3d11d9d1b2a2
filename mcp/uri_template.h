// Level-1 RFC 6570 URI templates ("test://template/{id}/data"): parsing and
// matching a concrete URI against one, for MCP resource templates.
//
// A variable matches one or more characters other than '/', '?' and '#', taken
// verbatim (no percent-decoding). Immutable after Parse; thread safe.
#ifndef MCP_OAUTH_MCP_URI_TEMPLATE_H_
#define MCP_OAUTH_MCP_URI_TEMPLATE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mcp_oauth::mcp {

class UriTemplate {
 public:
  // Parses `text`. INVALID_ARGUMENT for an empty template, unbalanced braces,
  // an operator or modifier ("{+x}", "{x*}", "{x,y}"), a variable name that is
  // not [A-Za-z0-9_]+, a repeated variable, two adjacent variables or no
  // variable at all.
  static absl::StatusOr<UriTemplate> Parse(std::string text);

  // Returns true when `uri` matches, filling `variables` (cleared first).
  bool Match(std::string_view uri, std::map<std::string, std::string>* variables) const;

  const std::string& text() const { return text_; }
  // Variable names in order of appearance.
  const std::vector<std::string>& variables() const { return variables_; }

 private:
  struct Part {
    bool is_variable;
    std::string value;  // literal text or variable name
  };
  bool MatchFrom(size_t part, std::string_view rest,
                 std::map<std::string, std::string>* variables) const;

  std::string text_;
  std::vector<Part> parts_;
  std::vector<std::string> variables_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_URI_TEMPLATE_H_
