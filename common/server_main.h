// What every server main shares: the --log-level flag, the process settings
// and the shutdown loop.
// Each main is parse flags -> Options -> start -> StopSignals::Wait -> stop.
#ifndef MCP_OAUTH_COMMON_SERVER_MAIN_H_
#define MCP_OAUTH_COMMON_SERVER_MAIN_H_

#include <signal.h>

#include <functional>
#include <string>

#include "common/flags.h"
#include "common/log.h"

namespace mcp_oauth {

// Adds --log-level LEVEL (debug, info, warning, error; env `env` unless "")
// storing into `*out`; the main applies it with log::SetLevel.
void AddLogLevelFlag(flags::FlagTable* table, const std::string& env, log::Level* out);

// Turns off Abseil's lock-order cycle detection for this process. Debian's
// Abseil runs it on every Mutex acquisition, gRPC's own locks included (a
// debugging aid: ~7% of CPU on the gateway's /mcp path, ~24,000 instructions
// per CallTool in tool_server); unit tests keep it, every server main calls
// this first.
void DisableMutexDeadlockDetection();

// Blocks SIGINT and SIGTERM (and SIGHUP, for reloads) before any thread
// starts, so that every thread inherits the mask and only Wait() receives
// them on the main thread. Not thread safe: one instance, used by main's
// thread only.

class StopSignals {
 public:
  // Blocks SIGINT and SIGTERM, plus SIGHUP when `reload` is true, in the
  // calling thread and every thread it starts later. Call it first in main.
  explicit StopSignals(bool reload = false);

  // Waits for SIGINT or SIGTERM and returns it; each SIGHUP in between calls
  // `on_reload` (when the constructor was given reload = true).
  int Wait(const std::function<void()>& on_reload = nullptr);

  // "SIGINT", "SIGTERM", else "signal N".
  static std::string Name(int signal_number);

 private:
  sigset_t signals_;
};

}  // namespace mcp_oauth

#endif  // MCP_OAUTH_COMMON_SERVER_MAIN_H_
