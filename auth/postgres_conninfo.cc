#include "auth/postgres_conninfo.h"

#include <postgresql/libpq-fe.h>  // Debian: /usr/include/postgresql

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace mcp_oauth::auth {
namespace {

constexpr char kMask[] = "***";
constexpr char kUnparseable[] =
    "(a connection string libpq cannot parse, not shown: it may hold a password)";

struct OptionsDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using Options = std::unique_ptr<PQconninfoOption, OptionsDeleter>;

// libpq's parse of `conninfo` (only the options it sets), or null.
Options Parse(std::string_view conninfo) {
  std::string text(conninfo);
  char* error = nullptr;
  Options options(PQconninfoParse(text.c_str(), &error));
  if (error != nullptr) PQfreemem(error);  // may quote the password
  return options;
}

// dispchar "*": libpq's own mark for a password field, hidden in dialogs.
bool IsSecret(const PQconninfoOption& option) {
  return option.dispchar != nullptr && option.dispchar[0] == '*';
}

// A key=value value as libpq reads it back: quoted when empty or when it
// holds whitespace, a quote or a backslash.
std::string Quoted(std::string_view value) {
  bool plain = !value.empty() && value.find_first_of(" \t\n\r\f\v'\\") == std::string::npos;
  if (plain) return std::string(value);
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// libpq quotes the parts of the string it failed on, e.g. `invalid
// percent-encoded token: "pa%zzss"`, `missing "=" after "secret" in
// connection info string`. Its own one-character literals ("=", ":", "/",
// "]") stay; anything else from the first other quote to the last quote of
// the message is hidden (a quoted part may itself hold quotes).
std::string HideQuoted(std::string_view message) {
  std::string out;
  size_t last_quote = message.rfind('"');
  for (size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (c != '"') {
      out += c;
      continue;
    }
    if (i + 2 < message.size() && message[i + 2] == '"' &&
        std::string_view("=:/]").find(message[i + 1]) != std::string_view::npos) {
      out += message.substr(i, 3);
      i += 2;
      continue;
    }
    out += "\"...\"";
    if (last_quote == i) break;  // an unmatched quote: hide the rest
    i = last_quote;
  }
  return out;
}

}  // namespace

std::string RedactConninfo(std::string_view conninfo) {
  Options options = Parse(conninfo);
  if (options == nullptr) {
    if (conninfo.find_first_of("@=") == std::string_view::npos) return std::string(conninfo);
    return kUnparseable;
  }
  std::vector<std::string> parts;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    parts.push_back(
        absl::StrCat(option->keyword, "=", IsSecret(*option) ? kMask : Quoted(option->val)));
  }
  return absl::StrJoin(parts, " ");
}

std::string RedactLibpqMessage(std::string_view message, std::string_view conninfo) {
  Options options = Parse(conninfo);
  if (options == nullptr) return HideQuoted(message);
  std::string out(message);
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val != nullptr && *option->val != '\0' && IsSecret(*option)) {
      out = absl::StrReplaceAll(out, {{option->val, kMask}});
    }
  }
  return out;
}

}  // namespace mcp_oauth::auth
