#include "common/server_main.h"

#include <pthread.h>

#include "absl/synchronization/mutex.h"

namespace mcp_oauth {

void AddLogLevelFlag(flags::FlagTable* table, const std::string& env, log::Level* out) {
  table->Add({"log-level", "LEVEL", env, "debug, info, warning or error", "info", false, false,
              false, [out](const std::string& value) {
                if (!log::ParseLevel(value, out)) {
                  return absl::InvalidArgumentError("unknown level '" + value +
                                                    "' (debug, info, warning or error)");
                }
                return absl::OkStatus();
              }});
}

void DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

StopSignals::StopSignals(bool reload) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  if (reload) sigaddset(&signals_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

int StopSignals::Wait(const std::function<void()>& on_reload) {
  int signal_number = 0;
  while (sigwait(&signals_, &signal_number) == 0 && signal_number == SIGHUP) {
    if (on_reload) on_reload();
  }
  return signal_number;
}

std::string StopSignals::Name(int signal_number) {
  if (signal_number == SIGINT) return "SIGINT";
  if (signal_number == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal_number);
}

}  // namespace mcp_oauth
