// A tiny command-line parser for main files: accepts `--name=value`,
// `--name value` and bare boolean `--name`; `--client_id` and `--client-id` are
// the same flag (the original sample used hyphens). Libraries never read flags:
// mains turn them into Options structs.
#ifndef MCP_OAUTH_COMMON_FLAGS_H_
#define MCP_OAUTH_COMMON_FLAGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace mcp_oauth::flags {

// Parsed flags: canonical (hyphenated) name -> value ("true" for bare booleans).
class ParsedFlags {
 public:
  // Returns the value of `name` (canonical, hyphenated) if it was given.
  std::optional<std::string> Get(const std::string& name) const;
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // Returns every value given for `name`, in order (Get returns the last).
  std::vector<std::string> GetAll(const std::string& name) const;
  void AddRepeated(const std::string& name, std::string value) {
    repeated_[name].push_back(std::move(value));
  }
  std::map<std::string, std::string>& values() { return values_; }
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> repeated_;
};

// Parses argv. `known` lists the accepted canonical names; `booleans` those that
// take no value. An unknown flag or a missing value is an error naming it.
absl::StatusOr<ParsedFlags> Parse(int argc, char** argv, const std::set<std::string>& known,
                                  const std::set<std::string>& booleans = {});

// Returns the environment variable `name`, if set.
std::optional<std::string> GetEnv(const char* name);

}  // namespace mcp_oauth::flags

#endif  // MCP_OAUTH_COMMON_FLAGS_H_
