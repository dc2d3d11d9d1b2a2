#include "auth/store_failure.h"

#include <utility>

namespace mcp_oauth::auth {
namespace {

absl::Status& Slot() {
  thread_local absl::Status failure;
  return failure;
}

}  // namespace

void ReportStoreFailure(const absl::Status& status) {
  absl::Status& slot = Slot();
  if (slot.ok() && !status.ok()) slot = status;
}

absl::Status TakeStoreFailure() { return std::exchange(Slot(), absl::OkStatus()); }

}  // namespace mcp_oauth::auth
