#include "actions/action_executor.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace riposte::actions {
namespace {
constexpr char kRetryAfterUrl[] = "type.riposte.dev/retry-after-ms";
constexpr char kThrottledUrl[] = "type.riposte.dev/throttled";
}  // namespace

absl::string_view OutcomeName(ActionResult::Outcome outcome) {
  switch (outcome) {
    case ActionResult::Outcome::kApplied:
      return "applied";
    case ActionResult::Outcome::kAlreadyApplied:
      return "already_applied";
    case ActionResult::Outcome::kReverted:
      return "reverted";
    case ActionResult::Outcome::kAlreadyReverted:
      return "already_reverted";
    case ActionResult::Outcome::kNothingToUndo:
      return "nothing_to_undo";
  }
  return "unknown";
}

absl::Status WithRetryAfter(absl::Status status, absl::Duration retry_after) {
  status.SetPayload(kRetryAfterUrl,
                    absl::Cord(absl::StrCat(absl::ToInt64Milliseconds(retry_after))));
  return status;
}

std::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterUrl);
  if (!payload.has_value()) return std::nullopt;
  int64_t ms = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &ms) || ms < 0) {
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

absl::Status AsThrottled(absl::Status status) {
  if (!status.ok()) status.SetPayload(kThrottledUrl, absl::Cord("1"));
  return status;
}

bool IsThrottled(const absl::Status& status) {
  return !status.ok() && status.GetPayload(kThrottledUrl).has_value();
}

}  // namespace riposte::actions
