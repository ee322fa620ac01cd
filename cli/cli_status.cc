#include "cli/cli_status.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace riposte::cli {
namespace {

constexpr char kUsagePayload[] = "riposte.cli/usage";
constexpr char kExitPayload[] = "riposte.cli/exit";

}  // namespace

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return !status.ok() && status.GetPayload(kUsagePayload).has_value();
}

absl::Status AsUsageError(const absl::Status& status) {
  if (status.ok() || IsUsageError(status)) return status;
  return UsageError(status.message());
}

absl::Status SilentExit(int code) {
  absl::Status status = absl::UnknownError("exit");
  status.SetPayload(kExitPayload, absl::Cord(absl::StrCat(code)));
  return status;
}

bool IsSilentExit(const absl::Status& status) {
  return !status.ok() && status.GetPayload(kExitPayload).has_value();
}

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (auto payload = status.GetPayload(kExitPayload); payload.has_value()) {
    int code = kExitFailed;
    if (absl::SimpleAtoi(std::string(*payload), &code)) return code;
    return kExitFailed;
  }
  if (IsUsageError(status)) return kExitUsage;
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return kExitAuth;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitUnreachable;
    default:
      return kExitFailed;
  }
}

std::string CodeName(absl::StatusCode code) {
  return absl::AsciiStrToUpper(absl::StatusCodeToString(code));
}

std::string FormatError(const absl::Status& status) {
  if (IsUsageError(status)) {
    // Messages that name their command already start with "riposte NAME:".
    if (absl::StartsWith(status.message(), "riposte ") ||
        absl::StartsWith(status.message(), "riposte:")) {
      return std::string(status.message());
    }
    return absl::StrCat("riposte: ", status.message());
  }
  return absl::StrCat("riposte: ", CodeName(status.code()), ": ",
                      status.message());
}

}  // namespace riposte::cli
