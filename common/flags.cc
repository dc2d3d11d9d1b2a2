#include "common/flags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace mcp_oauth::flags {
namespace {

constexpr size_t kHelpColumn = 27;  // where help text starts in --help
constexpr size_t kWidth = 88;       // --help lines wrap before this

// Appends `text` word-wrapped, every line indented by `indent` spaces; the
// first line continues whatever `out` ends with, starting at `column`.
void AppendWrapped(std::string* out, const std::string& text, size_t indent, size_t column) {
  bool first_word = true;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!first_word && column + 1 + word.size() > kWidth) {
      absl::StrAppend(out, "\n", std::string(indent, ' '));
      column = indent;
    } else if (!first_word) {
      out->push_back(' ');
      ++column;
    }
    absl::StrAppend(out, word);
    column += word.size();
    first_word = false;
  }
  out->push_back('\n');
}

template <typename T>
FlagTable::Setter IntSetter(int64_t min, int64_t max, T* out) {
  return [min, max, out](const std::string& text) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(text, &value) || value < min || value > max) {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "' must be ", min, "..", max));
    }
    *out = static_cast<T>(value);
    return absl::OkStatus();
  };
}

}  // namespace

std::optional<std::string> GetEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> NoEnv(const char*) { return std::nullopt; }

bool ParseSwitch(const std::string& text, bool* value) {
  if (text == "on" || text == "true" || text == "yes" || text == "1") {
    *value = true;
  } else if (text == "off" || text == "false" || text == "no" || text == "0") {
    *value = false;
  } else {
    return false;
  }
  return true;
}

FlagTable::FlagTable(std::string usage, std::string epilogue)
    : usage_(std::move(usage)), epilogue_(std::move(epilogue)) {}

void FlagTable::Add(Flag flag) {
  if (flag.name == "help" || Find(flag.name) != nullptr) {
    std::fprintf(stderr, "flag --%s defined twice\n", flag.name.c_str());
    std::abort();
  }
  Entry entry{Entry::Kind::kFlag, std::move(flag), ""};
  entries_.push_back(std::move(entry));
}

void FlagTable::Section(const std::string& title) {
  entries_.push_back(Entry{Entry::Kind::kSection, Flag{}, title});
}

void FlagTable::Note(const std::string& text) {
  entries_.push_back(Entry{Entry::Kind::kNote, Flag{}, text});
}

void FlagTable::String(const std::string& name, const std::string& value_name,
                       const std::string& env, const std::string& help,
                       const std::string& default_text, std::string* out) {
  Add({name, value_name, env, help, default_text, false, false, false,
       [out](const std::string& value) {
         *out = value;
         return absl::OkStatus();
       }});
}

void FlagTable::Optional(const std::string& name, const std::string& value_name,
                         const std::string& env, const std::string& help,
                         const std::string& default_text, std::optional<std::string>* out) {
  Add({name, value_name, env, help, default_text, false, false, false,
       [out](const std::string& value) {
         *out = value;
         return absl::OkStatus();
       }});
}

void FlagTable::Int(const std::string& name, const std::string& env, const std::string& help,
                    int64_t min, int64_t max, int* out) {
  Add({name, "N", env, help, std::to_string(*out), false, false, false, IntSetter(min, max, out)});
}

void FlagTable::Int64(const std::string& name, const std::string& env, const std::string& help,
                      int64_t min, int64_t max, int64_t* out) {
  Add({name, "N", env, help, std::to_string(*out), false, false, false, IntSetter(min, max, out)});
}

void FlagTable::Switch(const std::string& name, const std::string& env, const std::string& help,
                       bool bare, bool* out) {
  Add({name, bare ? "" : "on|off", env, help, *out ? "on" : "off", bare, false, false,
       [out](const std::string& value) {
         if (!ParseSwitch(value, out)) {
           return absl::InvalidArgumentError(absl::StrCat("'", value, "' must be on or off"));
         }
         return absl::OkStatus();
       }});
}

void FlagTable::List(const std::string& name, const std::string& value_name, const std::string& env,
                     const std::string& help, const std::string& default_text,
                     std::vector<std::string>* out) {
  Add({name, value_name, env, help, default_text, false, false, false,
       [out](const std::string& value) {
         out->clear();
         for (absl::string_view item :
              absl::StrSplit(value, absl::ByAnyChar(", "), absl::SkipEmpty())) {
           out->emplace_back(item);
         }
         return absl::OkStatus();
       }});
}

const FlagTable::Flag* FlagTable::Find(const std::string& name) const {
  for (const Entry& entry : entries_) {
    if (entry.kind == Entry::Kind::kFlag && entry.flag.name == name) return &entry.flag;
  }
  return nullptr;
}

bool FlagTable::Accepts(const std::string& name) const {
  return name == "help" || Find(name) != nullptr;
}

std::vector<std::string> FlagTable::Names() const {
  std::vector<std::string> names;
  for (const Entry& entry : entries_) {
    if (entry.kind == Entry::Kind::kFlag) names.push_back(entry.flag.name);
  }
  names.push_back("help");
  return names;
}

absl::StatusOr<FlagTable::Outcome> FlagTable::Parse(int argc, const char* const* argv,
                                                    const GetEnvFunction& getenv) const {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return Parse(args, getenv);
}

absl::StatusOr<FlagTable::Outcome> FlagTable::Parse(const std::vector<std::string>& args,
                                                    const GetEnvFunction& getenv) const {
  std::map<std::string, std::vector<std::string>> given;
  bool help = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
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
    if (name == "help") {
      help = true;
      continue;
    }
    const Flag* flag = Find(name);
    if (flag == nullptr)
      return absl::InvalidArgumentError("unknown flag --" + name + " (see --help)");
    if (!value) {
      if (flag->boolean) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError("flag --" + name + " needs a value");
      }
    }
    given[name].push_back(*std::move(value));
  }
  if (help) return Outcome::kHelp;

  for (const Entry& entry : entries_) {
    if (entry.kind != Entry::Kind::kFlag) continue;
    const Flag& flag = entry.flag;
    std::vector<std::string> values;
    if (auto it = given.find(flag.name); it != given.end()) {
      values = flag.repeated ? it->second : std::vector<std::string>{it->second.back()};
    } else if (!flag.env.empty() && getenv) {
      std::optional<std::string> env = getenv(flag.env.c_str());
      if (env && !(flag.empty_env_is_unset && env->empty())) values.push_back(*std::move(env));
    }
    for (const std::string& value : values) {
      if (absl::Status status = flag.set(value); !status.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("--", flag.name, ": ", status.message()));
      }
    }
  }
  return Outcome::kRun;
}

std::string FlagTable::Usage() const {
  std::string out = usage_;
  for (const Entry& entry : entries_) {
    switch (entry.kind) {
      case Entry::Kind::kSection:
        absl::StrAppend(&out, "\n", entry.text, ":\n");
        break;
      case Entry::Kind::kNote:
        out += "  ";
        AppendWrapped(&out, entry.text, 2, 2);
        break;
      case Entry::Kind::kFlag: {
        const Flag& flag = entry.flag;
        std::string head = absl::StrCat("  --", flag.name);
        if (!flag.value_name.empty()) absl::StrAppend(&head, " ", flag.value_name);
        std::string help = flag.help;
        std::vector<std::string> extras;
        if (!flag.env.empty()) extras.push_back("env " + flag.env);
        if (!flag.default_text.empty()) extras.push_back("default " + flag.default_text);
        if (!extras.empty()) {
          absl::StrAppend(&help, " (", absl::StrJoin(extras, "; "), ")");
        }
        out += head;
        if (head.size() + 1 > kHelpColumn) {
          absl::StrAppend(&out, "\n", std::string(kHelpColumn, ' '));
        } else {
          out += std::string(kHelpColumn - head.size(), ' ');
        }
        AppendWrapped(&out, help, kHelpColumn, kHelpColumn);
        break;
      }
    }
  }
  absl::StrAppend(&out, "  --help", std::string(kHelpColumn - 8, ' '), "this text\n");
  out += epilogue_;
  return out;
}

}  // namespace mcp_oauth::flags
