#ifndef RIPOSTE_COMMON_STATUS_MACROS_H_
#define RIPOSTE_COMMON_STATUS_MACROS_H_

// Debian's Abseil (20220623) has no RETURN_IF_ERROR; these are ours.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RIPOSTE_STATUS_CONCAT_INNER_(a, b) a##b
#define RIPOSTE_STATUS_CONCAT_(a, b) RIPOSTE_STATUS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function if it is not OK.
#define RIPOSTE_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::absl::Status riposte_status_ = (expr);          \
    if (!riposte_status_.ok()) return riposte_status_; \
  } while (0)

// `lhs` = the value of the StatusOr `rexpr`, or returns its status.
#define RIPOSTE_ASSIGN_OR_RETURN(lhs, rexpr) \
  RIPOSTE_ASSIGN_OR_RETURN_IMPL_(            \
      RIPOSTE_STATUS_CONCAT_(riposte_statusor_, __LINE__), lhs, rexpr)

#define RIPOSTE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

#endif  // RIPOSTE_COMMON_STATUS_MACROS_H_
