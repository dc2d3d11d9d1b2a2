// oauth_admin: operator commands for the authorization server's config file.
//
//   oauth_admin hash-secret [--iterations=N]
//       Reads a password or client secret from standard input (on a terminal:
//       prompted twice, not echoed) and prints its PBKDF2 hash in the format
//       of the config file's password_hash / client_secret_hash.
//   oauth_admin check-config FILE
//       Loads FILE as the gateway and auth_server do (without flags or
//       environment) and prints what it configures; on errors prints each one
//       on stderr and exits 1.
// Exit codes: 0 done, 1 invalid input or config, 2 usage.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "auth/config.h"
#include "auth/config_summary.h"
#include "auth/secret_hash.h"
#include "common/crypto.h"
#include "common/flags.h"

namespace mcp_oauth::auth {
namespace {

constexpr char kUsage[] =
    "usage: oauth_admin hash-secret [--iterations=N]   (secret on standard input)\n"
    "       oauth_admin check-config FILE\n";
constexpr size_t kMaxSecretBytes = 4096;
constexpr int kMinIterations = 10000;
constexpr int kMaxIterations = 10000000;

// Reads one line from the terminal on fd 0 with echo off, after `prompt` on
// stderr. Echo goes off (discarding typeahead) before the prompt appears, so
// nothing typed after the prompt is echoed or flushed away; it is restored
// before returning.
std::optional<std::string> ReadHiddenLine(const char* prompt) {
  termios old_mode;
  if (tcgetattr(STDIN_FILENO, &old_mode) != 0) return std::nullopt;
  termios quiet = old_mode;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) return std::nullopt;
  std::cerr << prompt << std::flush;
  std::string line;
  bool ok = static_cast<bool>(std::getline(std::cin, line));
  tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  if (!ok) return std::nullopt;
  return line;
}

// Reads the whole of a non-terminal standard input, minus one line ending.
std::optional<std::string> ReadPipedSecret() {
  std::string data;
  char buffer[1024];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0) {
    data.append(buffer, n);
    if (data.size() > kMaxSecretBytes + 2) return std::nullopt;
  }
  if (!data.empty() && data.back() == '\n') data.pop_back();
  if (!data.empty() && data.back() == '\r') data.pop_back();
  return data;
}

// `args` follow the command name.
int HashSecretCommand(const std::vector<std::string>& args) {
  int iterations = kPasswordIterations;
  flags::FlagTable table(kUsage);
  table.Int("iterations", "", "PBKDF2 iterations", kMinIterations, kMaxIterations, &iterations);
  auto outcome = table.Parse(args, flags::NoEnv);
  if (!outcome.ok()) {
    std::cerr << "oauth_admin: " << outcome.status().message() << "\n" << kUsage;
    return 2;
  }
  if (*outcome == flags::FlagTable::Outcome::kHelp) {
    std::cout << table.Usage();
    return 0;
  }
  std::optional<std::string> secret;
  if (isatty(STDIN_FILENO)) {
    secret = ReadHiddenLine("Secret: ");
    std::optional<std::string> again = secret ? ReadHiddenLine("Again: ") : std::nullopt;
    if (!secret || !again) {
      std::cerr << "oauth_admin: no secret read\n";
      return 1;
    }
    if (!crypto::ConstantTimeEquals(*secret, *again)) {
      std::cerr << "oauth_admin: the two entries differ\n";
      return 1;
    }
  } else {
    secret = ReadPipedSecret();
    if (!secret) {
      std::cerr << "oauth_admin: the secret is longer than " << kMaxSecretBytes << " bytes\n";
      return 1;
    }
  }
  if (secret->empty()) {
    std::cerr << "oauth_admin: the secret is empty\n";
    return 1;
  }
  if (secret->size() > kMaxSecretBytes) {
    std::cerr << "oauth_admin: the secret is longer than " << kMaxSecretBytes << " bytes\n";
    return 1;
  }
  std::cout << HashSecret(*secret, iterations) << "\n";
  return 0;
}

int CheckConfigCommand(const std::string& path) {
  AuthFlags auth_flags;
  auth_flags.config = path;
  // The file alone: no environment variable may hide an error in it.
  auto options = BuildAuthOptions(auth_flags, flags::NoEnv);
  if (!options.ok()) {
    std::cerr << path << ": invalid\n";
    for (absl::string_view error : absl::StrSplit(options.status().message(), '\n')) {
      std::cerr << "  error: " << error << "\n";
    }
    return 1;
  }
  std::cout << path << ": ok\n" << DescribeAuthOptions(*options);
  return 0;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string command = argv[1];
  if (command == "--help" || command == "help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "hash-secret") {
    return HashSecretCommand(std::vector<std::string>(argv + 2, argv + argc));
  }
  if (command == "check-config") {
    if (argc != 3 || argv[2][0] == '-') {
      std::cerr << kUsage;
      return 2;
    }
    return CheckConfigCommand(argv[2]);
  }
  std::cerr << "oauth_admin: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}

}  // namespace
}  // namespace mcp_oauth::auth

int main(int argc, char** argv) { return mcp_oauth::auth::Main(argc, argv); }
