#include "store/engine_rules.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace riposte::store {

absl::StatusOr<audit::ChainBase> ParseAuditBase(
    const std::optional<std::string>& value) {
  audit::ChainBase base;
  if (!value.has_value()) return base;
  std::vector<std::string> parts = absl::StrSplit(*value, ' ');
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &base.seq) ||
      base.seq < 1 || parts[1].size() != 64) {
    return absl::DataLossError(
        absl::StrCat("store: setting ", kAuditBaseKey, " is corrupt"));
  }
  base.hash = parts[1];
  return base;
}

std::string FormatAuditBase(const audit::ChainBase& base) {
  return absl::StrCat(base.seq, " ", base.hash);
}

std::string FinalRunStatesSql() {
  std::vector<std::string> names;
  for (int i = 0; i <= static_cast<int>(runs::RunState::kSuppressed); ++i) {
    const auto state = static_cast<runs::RunState>(i);
    if (runs::IsFinal(state)) {
      names.push_back(absl::StrCat("'", runs::RunStateName(state), "'"));
    }
  }
  return absl::StrJoin(names, ", ");
}

void MarkClaimed(ActionRunRow& run, absl::string_view holder, absl::Time now,
                 absl::Time lease_until) {
  run.claimed_from = run.state;
  run.state = runs::ClaimedState(run.state);
  run.lease_holder = std::string(holder);
  run.lease_expires = lease_until;
  run.fence += 1;
  run.attempts += 1;
  if (!run.first_attempt_at.has_value()) run.first_attempt_at = now;
  run.updated_at = now;
}

absl::Status LeaseLost(int64_t id, int64_t fence) {
  return absl::FailedPreconditionError(
      absl::StrCat("run ", id, ": lease lost (fence ", fence, " is stale)"));
}

absl::Status RunChangedMeanwhile(int64_t id, runs::RunState expected) {
  return absl::FailedPreconditionError(absl::StrCat(
      "run ", id, " changed meanwhile (no longer ", runs::RunStateName(expected),
      ", or being worked on); look at it again"));
}

}  // namespace riposte::store
