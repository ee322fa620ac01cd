#ifndef RIPOSTE_STORE_POSTGRES_PG_ROWS_H_
#define RIPOSTE_STORE_POSTGRES_PG_ROWS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "audit/audit_record.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

// The columns each table is read by, and the readers that turn a result
// row into the store's row types.
namespace riposte::store::postgres {

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

IncidentRow ReadIncident(const PgResult& r, int row);
BreachRow ReadBreach(const PgResult& r, int row);
DecisionRow ReadDecision(const PgResult& r, int row);
ActionRunRow ReadRun(const PgResult& r, int row);
audit::AuditRecord ReadAuditRecord(const PgResult& r, int row);

// Every row of `r`, read with `read`.
template <typename Row>
std::vector<Row> ReadRows(const PgResult& r, Row (*read)(const PgResult&, int)) {
  std::vector<Row> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

// Parameters for the store's column types.
PgParam Micros(absl::Time t);
PgParam OptionalMicros(const std::optional<absl::Time>& t);
// A text[] literal for `= ANY($n::text[])`.
PgParam TextArray(const std::vector<std::string>& values);

}  // namespace riposte::store::postgres

#endif  // RIPOSTE_STORE_POSTGRES_PG_ROWS_H_
