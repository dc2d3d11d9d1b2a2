// Minimal leveled logging to stderr. Never pass secrets (tokens, passwords,
// client secrets, codes, cookies) to these functions. Thread safe.
#ifndef MCP_OAUTH_COMMON_LOG_H_
#define MCP_OAUTH_COMMON_LOG_H_

#include <string_view>

namespace mcp_oauth::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Sets the lowest level that is written (default kInfo).
void SetLevel(Level level);
// Parses "debug", "info", "warning", "error"; returns false for anything else.
bool ParseLevel(std::string_view text, Level* level);

void Debug(std::string_view message);
void Info(std::string_view message);
void Warning(std::string_view message);
void Error(std::string_view message);

// Returns true when messages of `level` are written.
bool Enabled(Level level);

}  // namespace mcp_oauth::log

#endif  // MCP_OAUTH_COMMON_LOG_H_
