// Status propagation macros (Debian's Abseil 20220623 has none of its own).
#ifndef MCP_OAUTH_COMMON_STATUS_MACROS_H_
#define MCP_OAUTH_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MCP_OAUTH_CONCAT_INNER_(a, b) a##b
#define MCP_OAUTH_CONCAT_(a, b) MCP_OAUTH_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    ::absl::Status _status_to_return = (expr);             \
    if (!_status_to_return.ok()) return _status_to_return; \
  } while (0)

// Declares or assigns `lhs` from `rexpr` (an absl::StatusOr<T>), returning its
// status from the enclosing function when it is not OK.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(MCP_OAUTH_CONCAT_(_statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) return statusor.status();      \
  lhs = std::move(statusor).value()

#endif  // MCP_OAUTH_COMMON_STATUS_MACROS_H_
