#ifndef RIPOSTE_CLI_CLI_STATUS_H_
#define RIPOSTE_CLI_CLI_STATUS_H_

// How the CLI's outcomes become exit codes.
//
// Commands return absl::Status. Three kinds travel through it:
//   - errors from the server (or gRPC itself), whose code picks the exit
//     code: UNAUTHENTICATED/PERMISSION_DENIED 3, UNAVAILABLE/
//     DEADLINE_EXCEEDED 4, anything else 1;
//   - usage errors made here (bad flag, unreadable input file), marked with
//     a payload, exit 2;
//   - "already reported" outcomes such as a broken audit chain, which carry
//     their exit code and print nothing more.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace riposte::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,        // the server refused or failed the request
  kExitUsage = 2,         // bad command line, input file or config
  kExitAuth = 3,          // not authenticated or not allowed
  kExitUnreachable = 4,   // UNAVAILABLE or DEADLINE_EXCEEDED
  kExitAuditBroken = 5,   // audit verify found the chain broken
};

// A usage error: exit 2, printed as "riposte: <message>".
absl::Status UsageError(absl::string_view message);
bool IsUsageError(const absl::Status& status);

// `status` (if not OK) turned into a usage error with the same message, for
// local checks such as flag values and input files.
absl::Status AsUsageError(const absl::Status& status);

// The command has printed everything it had to say; exit with `code`.
absl::Status SilentExit(int code);
bool IsSilentExit(const absl::Status& status);

// The exit code for `status` (0 for OK).
int ExitCodeFor(const absl::Status& status);

// What to print on stderr for a non-OK, non-silent `status`, without a
// trailing newline: "riposte: <message>" for usage errors (or the message
// alone when it already starts with "riposte NAME:"),
// "riposte: <CODE>: <message>" otherwise (CODE as in NOT_FOUND).
std::string FormatError(const absl::Status& status);

// "NOT_FOUND", "FAILED_PRECONDITION", ...
std::string CodeName(absl::StatusCode code);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_CLI_STATUS_H_
