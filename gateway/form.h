// Parsing of application/x-www-form-urlencoded bodies and URL query strings,
// and percent-encoding for building URLs. Pure functions, thread safe.
#ifndef MCP_OAUTH_GATEWAY_FORM_H_
#define MCP_OAUTH_GATEWAY_FORM_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp_oauth::gateway {

// Decoded name/value pairs in order; names may repeat.
class FormData {
 public:
  // Returns the first value of `name`, or "" when absent.
  std::string Get(std::string_view name) const;
  // Returns every value of `name`.
  std::vector<std::string> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const;
  // True when any name appears more than once (RFC 6749 §3.1 forbids it for
  // the OAuth parameters).
  bool HasDuplicates() const;
  // True when a name other than those in `repeatable` appears more than once.
  bool HasDuplicatesExcept(const std::vector<std::string>& repeatable) const;

  std::vector<std::pair<std::string, std::string>>& pairs() { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// Parses `a=1&b=two+words&c=%41`. Returns nullopt for a malformed percent
// escape, a decoded name or value that is not UTF-8 (form parameters are UTF-8,
// RFC 6749 Appendix B; the RPCs they feed only carry UTF-8 strings) or more
// than `max_pairs` pairs.
std::optional<FormData> ParseForm(std::string_view text, size_t max_pairs = 256);

// Decodes %XX escapes (and '+' as space when `plus_is_space`). Returns nullopt
// for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_FORM_H_
