// The command line of a main file, defined once: a FlagTable lists every flag a
// binary accepts with its environment variable (if any), its help and a setter
// into the binary's Options. The accepted set and the --help text are made from
// the table, so they cannot drift apart. Libraries never read flags: they may
// add their flags to a table (e.g. auth::AddAuthFlags) with setters into a
// values struct the main passes on.
//
// Accepted spellings: `--name=value`, `--name value`, and a bare `--name` for
// boolean flags; `--client_id` and `--client-id` are the same flag. Precedence:
// command line > environment variable > the Options' default (a setter is
// called only for a flag that was given). A flag given twice keeps its last
// value, except repeatable ones, whose setter sees every value in order.
//
// A FlagTable is built and parsed on one thread (main's); not thread safe.
#ifndef MCP_OAUTH_COMMON_FLAGS_H_
#define MCP_OAUTH_COMMON_FLAGS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mcp_oauth::flags {

using GetEnvFunction = std::function<std::optional<std::string>(const char*)>;

// Returns the environment variable `name`, if set.
std::optional<std::string> GetEnv(const char* name);

// Returns nothing: for parsing without the process environment (tests,
// `oauth_admin check-config`).
std::optional<std::string> NoEnv(const char* name);

class FlagTable {
 public:
  // Stores a value; an error message is printed after "--name: ".
  using Setter = std::function<absl::Status(const std::string& value)>;

  struct Flag {
    std::string name;                 // canonical, hyphenated, without "--"
    std::string value_name;           // placeholder in --help, e.g. "N"; "" for none
    std::string env;                  // environment variable, "" for none
    std::string help;                 // one paragraph; "(env X; default D)" is appended
    std::string default_text;         // shown in --help only, "" for none
    bool boolean = false;             // a bare --name means "true"
    bool repeated = false;            // every command-line value reaches the setter
    bool empty_env_is_unset = false;  // NAME="" in the environment is ignored
    Setter set;
  };

  // `usage` opens --help (e.g. "Usage: gateway [flags]\n\n..."); `epilogue`
  // closes it.
  FlagTable(std::string usage, std::string epilogue = "");

  // Adds a flag (and --help always exists). Adding a name twice is a
  // programmer error (abort).
  void Add(Flag flag);
  // Starts a titled group of flags in --help.
  void Section(const std::string& title);
  // A paragraph of --help text under the current section.
  void Note(const std::string& text);

  // Typed shorthands. --help shows the value `*out` holds now as the
  // default. Numbers outside [min, max] are refused with
  // "'<text>' must be <min>..<max>".
  void String(const std::string& name, const std::string& value_name, const std::string& env,
              const std::string& help, const std::string& default_text, std::string* out);
  void Optional(const std::string& name, const std::string& value_name, const std::string& env,
                const std::string& help, const std::string& default_text,
                std::optional<std::string>* out);
  void Int(const std::string& name, const std::string& env, const std::string& help, int64_t min,
           int64_t max, int* out);
  void Int64(const std::string& name, const std::string& env, const std::string& help, int64_t min,
             int64_t max, int64_t* out);
  // on|off (also true/false, yes/no, 1/0). `bare` lets `--name` alone mean on.
  void Switch(const std::string& name, const std::string& env, const std::string& help, bool bare,
              bool* out);
  // A comma- or space-separated list (empty items dropped).
  void List(const std::string& name, const std::string& value_name, const std::string& env,
            const std::string& help, const std::string& default_text,
            std::vector<std::string>* out);

  enum class Outcome { kRun, kHelp };

  // Parses argv (argv[0] is the program) then the environment, calling the
  // setters in table order. Returns kHelp, calling no setter, if --help was
  // given. Errors: an unknown flag, a missing value, a positional argument,
  // or a setter's error, each naming the flag.
  absl::StatusOr<Outcome> Parse(int argc, const char* const* argv,
                                const GetEnvFunction& getenv) const;
  // Same, over arguments without a program name.
  absl::StatusOr<Outcome> Parse(const std::vector<std::string>& args,
                                const GetEnvFunction& getenv) const;

  // Returns the --help text.
  std::string Usage() const;

  // Returns whether `name` (canonical) is accepted.
  bool Accepts(const std::string& name) const;
  // Returns the accepted names, in table order.
  std::vector<std::string> Names() const;

 private:
  struct Entry {
    enum class Kind { kFlag, kSection, kNote } kind;
    Flag flag;         // kFlag
    std::string text;  // kSection, kNote
  };
  const Flag* Find(const std::string& name) const;

  std::string usage_;
  std::string epilogue_;
  std::vector<Entry> entries_;
};

// Parses on/off (also true/false, yes/no, 1/0) into `value`.
bool ParseSwitch(const std::string& text, bool* value);

}  // namespace mcp_oauth::flags

#endif  // MCP_OAUTH_COMMON_FLAGS_H_
