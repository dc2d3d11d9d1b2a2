#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace mcp_oauth::log {
namespace {

std::atomic<int> min_level{static_cast<int>(Level::kInfo)};

void Write(Level level, std::string_view message) {
  if (static_cast<int>(level) < min_level.load(std::memory_order_relaxed)) return;
  static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
  std::string line = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line += ' ';
  line += kNames[static_cast<int>(level)];
  line += ' ';
  line.append(message.data(), message.size());
  line += '\n';
  // One fwrite per line keeps lines whole across threads.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void SetLevel(Level level) { min_level.store(static_cast<int>(level)); }

bool ParseLevel(std::string_view text, Level* level) {
  if (text == "debug")
    *level = Level::kDebug;
  else if (text == "info")
    *level = Level::kInfo;
  else if (text == "warning" || text == "warn")
    *level = Level::kWarning;
  else if (text == "error")
    *level = Level::kError;
  else
    return false;
  return true;
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= min_level.load(std::memory_order_relaxed);
}

void Debug(std::string_view message) { Write(Level::kDebug, message); }
void Info(std::string_view message) { Write(Level::kInfo, message); }
void Warning(std::string_view message) { Write(Level::kWarning, message); }
void Error(std::string_view message) { Write(Level::kError, message); }

}  // namespace mcp_oauth::log
