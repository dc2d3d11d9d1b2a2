#include "common/flags.h"

#include <algorithm>
#include <cstdlib>

#include "absl/status/status.h"

namespace mcp_oauth::flags {

std::vector<std::string> ParsedFlags::GetAll(const std::string& name) const {
  auto it = repeated_.find(name);
  return it == repeated_.end() ? std::vector<std::string>() : it->second;
}

std::optional<std::string> ParsedFlags::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<ParsedFlags> Parse(int argc, char** argv, const std::set<std::string>& known,
                                  const std::set<std::string>& booleans) {
  ParsedFlags parsed;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      return absl::InvalidArgumentError("unexpected argument '" + arg + "' (flags start with --)");
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    std::replace(name.begin(), name.end(), '_', '-');
    if (known.count(name) == 0) {
      return absl::InvalidArgumentError("unknown flag --" + name + " (see --help)");
    }
    if (!value) {
      if (booleans.count(name) > 0) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError("flag --" + name + " needs a value");
      }
    }
    parsed.values()[name] = *value;
    parsed.AddRepeated(name, *value);
  }
  return parsed;
}

std::optional<std::string> GetEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace mcp_oauth::flags
