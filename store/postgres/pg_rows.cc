#include "store/postgres/pg_rows.h"

#include <cstdint>

#include "runs/lifecycle.h"

namespace riposte::store::postgres {
namespace {

absl::Time TimeAt(const PgResult& r, int row, int col) {
  return absl::FromUnixMicros(r.Int64(row, col));
}

std::optional<absl::Time> OptionalTimeAt(const PgResult& r, int row, int col) {
  if (r.IsNull(row, col)) return std::nullopt;
  return TimeAt(r, row, col);
}

std::string TextAt(const PgResult& r, int row, int col) {
  return std::string(r.Text(row, col));
}

}  // namespace

IncidentRow ReadIncident(const PgResult& r, int i) {
  IncidentRow row;
  row.id = r.Int64(i, 0);
  row.tenant_id = TextAt(r, i, 1);
  row.subject_key = TextAt(r, i, 2);
  row.subject_kind = TextAt(r, i, 3);
  row.first_seen = TimeAt(r, i, 4);
  row.last_seen = TimeAt(r, i, 5);
  row.breach_count = r.Int64(i, 6);
  row.corroborations = r.Int64(i, 7);
  return row;
}

BreachRow ReadBreach(const PgResult& r, int i) {
  BreachRow row;
  row.id = r.Int64(i, 0);
  row.detector_id = TextAt(r, i, 1);
  row.breach_id = TextAt(r, i, 2);
  row.tenant_id = TextAt(r, i, 3);
  row.subject_key = TextAt(r, i, 4);
  row.model_name = TextAt(r, i, 5);
  row.score = r.Double(i, 6);
  row.observed_time = TimeAt(r, i, 7);
  row.received_time = TimeAt(r, i, 8);
  row.incident_id = r.Int64(i, 9);
  row.payload = r.Bytes(i, 10);
  row.payload_digest = TextAt(r, i, 11);
  row.outcome = r.Bytes(i, 12);
  row.corroborates = r.Int64(i, 13);
  return row;
}

DecisionRow ReadDecision(const PgResult& r, int i) {
  DecisionRow d;
  d.id = r.Int64(i, 0);
  d.breach_id = r.Int64(i, 1);
  d.incident_id = r.Int64(i, 2);
  d.tenant_id = TextAt(r, i, 3);
  d.policy_version = TextAt(r, i, 4);
  d.decided_at = TimeAt(r, i, 5);
  d.matched_rules = TextAt(r, i, 6);
  d.narrative = TextAt(r, i, 7);
  return d;
}

ActionRunRow ReadRun(const PgResult& r, int i) {
  ActionRunRow run;
  run.id = r.Int64(i, 0);
  run.decision_id = r.Int64(i, 1);
  run.incident_id = r.Int64(i, 2);
  run.tenant_id = TextAt(r, i, 3);
  run.action = TextAt(r, i, 4);
  run.target_kind = TextAt(r, i, 5);
  run.target_key = TextAt(r, i, 6);
  run.target = r.Bytes(i, 7);
  // Only the store writes the column, from RunStateName; a name it does
  // not know can only come from a newer build, and nothing may act on it.
  run.state =
      runs::ParseRunState(r.Text(i, 8)).value_or(runs::RunState::kFailed);
  run.rule = TextAt(r, i, 9);
  run.rung = r.Int64(i, 10);
  run.rule_mode = TextAt(r, i, 11);
  run.autonomous = r.Bool(i, 12);
  run.duration = absl::Seconds(r.Int64(i, 13));
  run.approval_deadline = OptionalTimeAt(r, i, 14);
  run.on_approval_expiry = TextAt(r, i, 15);
  run.two_person = r.Bool(i, 16);
  run.gates = TextAt(r, i, 17);
  run.idempotency_key = TextAt(r, i, 18);
  run.created_at = TimeAt(r, i, 19);
  run.updated_at = TimeAt(r, i, 20);
  run.not_before = TimeAt(r, i, 21);
  run.attempts = r.Int64(i, 22);
  run.lease_holder = TextAt(r, i, 23);
  run.lease_expires = TimeAt(r, i, 24);
  run.fence = r.Int64(i, 25);
  run.last_error = TextAt(r, i, 26);
  run.expires_at = OptionalTimeAt(r, i, 27);
  run.memo = TextAt(r, i, 28);
  run.first_attempt_at = OptionalTimeAt(r, i, 29);
  run.effect_at = OptionalTimeAt(r, i, 30);
  run.reversible = r.Bool(i, 31);
  run.approvers = TextAt(r, i, 32);
  if (run.approvers.empty()) run.approvers = "[]";
  run.escalated = r.Bool(i, 33);
  run.outcome = TextAt(r, i, 34);
  run.outcome_note = TextAt(r, i, 35);
  return run;
}

audit::AuditRecord ReadAuditRecord(const PgResult& r, int i) {
  audit::AuditRecord rec;
  rec.seq = r.Int64(i, 0);
  rec.time = TimeAt(r, i, 1);
  rec.event.actor = TextAt(r, i, 2);
  rec.event.event = TextAt(r, i, 3);
  rec.event.subject = TextAt(r, i, 4);
  rec.event.details = TextAt(r, i, 5);
  rec.event.policy_version = TextAt(r, i, 6);
  rec.prev_hash = TextAt(r, i, 7);
  rec.hash = TextAt(r, i, 8);
  return rec;
}

OutboxRow ReadOutboxRow(const PgResult& r, int i) {
  OutboxRow row;
  row.seq = r.Int64(i, 0);
  row.uid = TextAt(r, i, 1);
  row.class_uid = r.Int64(i, 2);
  row.time = TimeAt(r, i, 3);
  row.event = TextAt(r, i, 4);
  return row;
}

PgParam Micros(absl::Time t) {
  if (t == absl::InfinitePast()) return PgParam(INT64_MIN);
  if (t == absl::InfiniteFuture()) return PgParam(INT64_MAX);
  return PgParam(absl::ToUnixMicros(t));
}

PgParam OptionalMicros(const std::optional<absl::Time>& t) {
  return t.has_value() ? Micros(*t) : PgParam::Null();
}

PgParam TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return PgParam(out);
}

}  // namespace riposte::store::postgres
