#ifndef RIPOSTE_STORE_ENGINE_RULES_H_
#define RIPOSTE_STORE_ENGINE_RULES_H_

// What every store engine shares, so that the engines differ only in how
// they talk to their database: the tables' column lists (the schemas name
// their columns alike), the settings key of the audit chain's base, the
// state change a claim makes, and the errors of the store's rules.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "audit/chain_verifier.h"
#include "runs/lifecycle.h"
#include "store/store.h"

namespace riposte::store {

// Columns each row reader reads, in its order.
inline constexpr char kIncidentColumns[] =
    "id, tenant_id, subject_key, subject_kind, first_seen_us, last_seen_us, "
    "breach_count, corroborations";
inline constexpr char kBreachColumns[] =
    "id, detector_id, breach_id, tenant_id, subject_key, model_name, score, "
    "observed_us, received_us, incident_id, payload, payload_digest, outcome, "
    "corroborates";
inline constexpr char kDecisionColumns[] =
    "id, breach_id, incident_id, tenant_id, policy_version, decided_us, "
    "matched_rules, narrative";
inline constexpr char kRunColumns[] =
    "id, decision_id, incident_id, tenant_id, action, target_kind, "
    "target_key, target, state, rule, rung, rule_mode, autonomous, "
    "duration_s, approval_deadline_us, on_approval_expiry, two_person, gates, "
    "idempotency_key, created_us, updated_us, not_before_us, attempts, "
    "lease_holder, lease_expires_us, fence, last_error, expires_at_us, memo, "
    "first_attempt_us, effect_us, reversible, approvers, escalated, outcome, "
    "outcome_note";
inline constexpr char kAuditColumns[] =
    "seq, time_us, actor, event, subject, details, policy_version, "
    "prev_hash, hash";
inline constexpr char kOutboxColumns[] = "seq, uid, class_uid, time_us, event";

// The settings key of the audit chain's base: "<seq> <hash>" of the last
// record archived out of the store.
inline constexpr char kAuditBaseKey[] = "audit.archive_base";

// The base a stored setting names (0 and the genesis hash when unset);
// DataLoss if it is corrupt.
absl::StatusOr<audit::ChainBase> ParseAuditBase(
    const std::optional<std::string>& value);
std::string FormatAuditBase(const audit::ChainBase& base);

// The final run states, quoted for a SQL IN (...) list.
std::string FinalRunStatesSql();

// What claiming makes of a due run for `holder` until `lease_until`: the
// claimed state (running, or reverting for an active run past expiry or a
// reverting one taken over), the lease, a greater fence, one more attempt.
void MarkClaimed(ActionRunRow& run, absl::string_view holder, absl::Time now,
                 absl::Time lease_until);

// FailedPrecondition: the lease of run `id` with `fence` was lost.
absl::Status LeaseLost(int64_t id, int64_t fence);
// FailedPrecondition: an operator's change found run `id` no longer in
// `expected` (or leased).
absl::Status RunChangedMeanwhile(int64_t id, runs::RunState expected);

}  // namespace riposte::store

#endif  // RIPOSTE_STORE_ENGINE_RULES_H_
