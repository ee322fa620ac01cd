#include "store/postgres/postgres_store.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "audit/audit_record.h"
#include "common/status_macros.h"
#include "runs/lifecycle.h"
#include "store/engine_rules.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_schema.h"

namespace riposte::store::postgres {
namespace {



std::vector<std::string> StateNames(const std::vector<runs::RunState>& states) {
  std::vector<std::string> names;
  names.reserve(states.size());
  for (runs::RunState s : states) {
    names.emplace_back(runs::RunStateName(s));
  }
  return names;
}


const std::string& SelectBreachByKey() {
  static const std::string* sql = new std::string(absl::StrCat(
      "SELECT ", kBreachColumns,
      " FROM breaches WHERE detector_id = $1 AND breach_id = $2"));
  return *sql;
}

}  // namespace

bool IsPgStorageFailure(const absl::Status& status) {
  return !PgStorageFailureReason(status).empty();
}

// The writer's connection: transaction control for group commit, and every
// operation a unit of work may use.
class PostgresStore::Session : public BatchSession, public Transaction {
 public:
  Session(PostgresStore& store, std::unique_ptr<PgConnection> conn)
      : store_(store), conn_(std::move(conn)) {}

  // --- BatchSession ---

  absl::Status Begin() override {
    RIPOSTE_RETURN_IF_ERROR(conn_->ReviveIfClosed());
    pending_release_ = false;
    // BEGIN travels with the lock of the chain head: one round trip.
    static const PgStatement kBegin{"begin", "BEGIN"};
    conn_->Defer(kBegin);
    // The chain head first, always: this serialises the write
    // transactions of every replica, and gives the true tip to seal onto.
    static const PgStatement kLockHead{
        "lock_head",
        "SELECT seq, hash, last_breach_id FROM chain_head WHERE id = 1 FOR "
        "UPDATE"};
    absl::StatusOr<PgResult> head = conn_->Run(kLockHead);
    if (!head.ok() || head->rows() != 1) {
      conn_->Exec("ROLLBACK").IgnoreError();
      return head.ok() ? absl::DataLossError("store: the chain head is missing")
                       : head.status();
    }
    tip_seq_ = head->Int64(0, 0);
    tip_hash_ = std::string(head->Text(0, 1));
    last_breach_id_ = head->Int64(0, 2);
    head_seq_ = tip_seq_;
    head_breach_id_ = last_breach_id_;
    return absl::OkStatus();
  }

  // Round trips are most of a unit's time (every write transaction holds
  // the chain head, so they add up across replicas): the savepoint, and
  // the previous unit's release, go with the unit's first statement, and
  // writes whose answer is only success (UpdateIncident, AppendAudit) with
  // the unit's next statement. Release sends what is still queued, so a
  // unit's failure stays its own.
  absl::Status Savepoint() override {
    static const PgStatement kRelease{"release_unit", "RELEASE SAVEPOINT unit"};
    static const PgStatement kSavepoint{"savepoint_unit", "SAVEPOINT unit"};
    if (pending_release_) conn_->Defer(kRelease);
    conn_->Defer(kSavepoint);
    pending_release_ = false;
    return absl::OkStatus();
  }

  absl::Status Release() override {
    RIPOSTE_RETURN_IF_ERROR(conn_->Flush());
    pending_release_ = true;
    return absl::OkStatus();
  }

  absl::Status RollbackToSavepoint() override {
    pending_release_ = false;
    // The unit's queued statements run first (Exec sends them): the
    // savepoint among them must exist to roll back to; a failure of the
    // others is what is being undone.
    conn_->Flush().IgnoreError();
    return conn_->Exec("ROLLBACK TO SAVEPOINT unit");
  }

  absl::Status Commit() override {
    std::string sql;
    if (pending_release_) sql = "RELEASE SAVEPOINT unit; ";
    pending_release_ = false;
    if (tip_seq_ != head_seq_ || last_breach_id_ != head_breach_id_) {
      // Values this process made (a hex hash and two integers).
      absl::StrAppend(&sql, "UPDATE chain_head SET seq = ", tip_seq_,
                      ", hash = '", tip_hash_,
                      "', last_breach_id = ", last_breach_id_,
                      " WHERE id = 1; ");
    }
    absl::StrAppend(&sql, "COMMIT");
    return conn_->Exec(sql);
  }

  void Rollback() override {
    pending_release_ = false;
    conn_->Flush().IgnoreError();  // whatever was queued is abandoned too
    if (conn_->healthy()) conn_->Exec("ROLLBACK").IgnoreError();
  }

  Transaction& transaction() override { return *this; }

  void UnitStarted() override {
    unit_seq_ = tip_seq_;
    unit_hash_ = tip_hash_;
  }

  void UnitRolledBack() override {
    tip_seq_ = unit_seq_;
    tip_hash_ = unit_hash_;
    // Ids handed to the undone unit are not reused: a gap, as documented.
  }

  void BatchAbandoned() override {}  // Begin reads the head again.

  // --- IntakeTransaction ---

  absl::StatusOr<std::optional<BreachRow>> FindBreach(
      absl::string_view detector_id, absl::string_view breach_id) override {
    static const PgStatement kFind{"find_breach", SelectBreachByKey().c_str()};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r,
                             conn_->Run(kFind, {detector_id, breach_id}));
    if (r.rows() == 0) return std::optional<BreachRow>();
    return std::optional<BreachRow>(ReadBreach(r, 0));
  }

  absl::StatusOr<int64_t> AllocateBreachId() override {
    // The chain head is locked by this transaction, so no other writer
    // hands out ids meanwhile.
    return ++last_breach_id_;
  }

  absl::Status InsertBreach(const BreachRow& row) override {
    // ON CONFLICT keeps the transaction usable: a duplicate is an answer,
    // not an error that would abort every unit after it.
    static const PgStatement kInsert{
        "insert_breach",
        "INSERT INTO breaches (id, detector_id, breach_id, tenant_id, "
        "subject_key, model_name, score, observed_us, received_us, "
        "incident_id, payload, payload_digest, outcome, corroborates) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON "
        "CONFLICT DO NOTHING"};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r,
        conn_->Run(kInsert,
                   {row.id, row.detector_id, row.breach_id, row.tenant_id,
                    row.subject_key, row.model_name, row.score,
                    Micros(row.observed_time), Micros(row.received_time),
                    row.incident_id, PgParam::Bytes(row.payload),
                    row.payload_digest, PgParam::Bytes(row.outcome),
                    row.corroborates}));
    if (r.affected() != 1) {
      return absl::AlreadyExistsError(absl::StrCat(
          "breach ", row.detector_id, "/", row.breach_id, " (id ", row.id,
          ") is already stored"));
    }
    last_breach_id_ = std::max(last_breach_id_, row.id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<IncidentRow>> FindLatestIncident(
      absl::string_view tenant_id, absl::string_view subject_key) override {
    static const std::string sql = absl::StrCat(
        "SELECT ", kIncidentColumns,
        " FROM incidents WHERE tenant_id = $1 AND subject_key = $2 ORDER BY "
        "last_seen_us DESC, id DESC LIMIT 1");
    static const PgStatement kFind{"find_incident", sql.c_str()};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r,
                             conn_->Run(kFind, {tenant_id, subject_key}));
    if (r.rows() == 0) return std::optional<IncidentRow>();
    return std::optional<IncidentRow>(ReadIncident(r, 0));
  }

  absl::StatusOr<int64_t> InsertIncident(const IncidentRow& row) override {
    static const PgStatement kInsert{
        "insert_incident",
        "INSERT INTO incidents (tenant_id, subject_key, subject_kind, "
        "first_seen_us, last_seen_us, breach_count, corroborations) VALUES "
        "($1, $2, $3, $4, $5, $6, $7) RETURNING id"};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r,
        conn_->Run(kInsert, {row.tenant_id, row.subject_key, row.subject_kind,
                             Micros(row.first_seen), Micros(row.last_seen),
                             row.breach_count, row.corroborations}));
    return r.Int64(0, 0);
  }

  absl::Status UpdateIncident(const IncidentRow& row) override {
    static const PgStatement kUpdate{
        "update_incident",
        "UPDATE incidents SET first_seen_us = $1, last_seen_us = $2, "
        "breach_count = $3, corroborations = $4 WHERE id = $5"};
    conn_->Defer(kUpdate, {Micros(row.first_seen), Micros(row.last_seen),
                           row.breach_count, row.corroborations, row.id});
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<BreachRow>> ListBreachesObservedBetween(
      int64_t incident_id, absl::Time from, absl::Time to,
      int64_t limit) override {
    static const std::string sql = absl::StrCat(
        "SELECT ", kBreachColumns,
        " FROM breaches WHERE incident_id = $1 AND observed_us BETWEEN $2 AND "
        "$3 ORDER BY id LIMIT $4");
    static const PgStatement kList{"breaches_observed", sql.c_str()};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r,
        conn_->Run(kList, {incident_id, Micros(from), Micros(to), limit}));
    return ReadRows(r, ReadBreach);
  }

  absl::StatusOr<std::vector<int64_t>> GetIncidentSteps(
      int64_t incident_id, absl::string_view target_key) override {
    static const PgStatement kGet{
        "get_steps",
        "SELECT run_ids FROM incident_steps WHERE incident_id = $1 AND "
        "target_key = $2"};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r,
                             conn_->Run(kGet, {incident_id, target_key}));
    std::vector<int64_t> ids;
    if (r.rows() == 0) return ids;
    for (absl::string_view part : absl::StrSplit(r.Text(0, 0), ',')) {
      int64_t id = 0;
      if (absl::SimpleAtoi(part, &id)) ids.push_back(id);
    }
    return ids;
  }

  absl::Status PutIncidentSteps(int64_t incident_id,
                                absl::string_view target_key,
                                const std::vector<int64_t>& run_ids) override {
    static const PgStatement kPut{
        "put_steps",
        "INSERT INTO incident_steps (incident_id, target_key, run_ids) VALUES "
        "($1, $2, $3) ON CONFLICT (incident_id, target_key) DO UPDATE SET "
        "run_ids = excluded.run_ids"};
    return conn_
        ->Run(kPut, {incident_id, target_key, absl::StrJoin(run_ids, ",")})
        .status();
  }

  absl::StatusOr<std::optional<ActionRunRow>> GetRun(int64_t id) override {
    static const std::string sql =
        absl::StrCat("SELECT ", kRunColumns, " FROM action_runs WHERE id = $1");
    static const PgStatement kGet{"get_run", sql.c_str()};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r, conn_->Run(kGet, {id}));
    if (r.rows() == 0) return std::optional<ActionRunRow>();
    return std::optional<ActionRunRow>(ReadRun(r, 0));
  }

  absl::StatusOr<std::vector<ActionRunRow>> ListRunsOnTargets(
      absl::string_view tenant_id, const std::vector<std::string>& target_keys,
      const std::vector<runs::RunState>& states) override {
    if (target_keys.empty() || states.empty()) {
      return std::vector<ActionRunRow>();
    }
    static const std::string sql = absl::StrCat(
        "SELECT ", kRunColumns,
        " FROM action_runs WHERE tenant_id = $1 AND target_key = ANY($2::text[]) "
        "AND state = ANY($3::text[]) ORDER BY id");
    static const PgStatement kList{"runs_on_targets", sql.c_str()};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r, conn_->Run(kList, {tenant_id, TextArray(target_keys),
                                       TextArray(StateNames(states))}));
    return ReadRows(r, ReadRun);
  }

  absl::StatusOr<int64_t> CountAutonomousRuns(absl::string_view tenant_id,
                                              absl::string_view action,
                                              absl::Time since) override {
    static const PgStatement kCount{
        "count_autonomous",
        "SELECT COUNT(*) FROM action_runs WHERE tenant_id = $1 AND action = $2 "
        "AND autonomous AND created_us >= $3"};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r, conn_->Run(kCount, {tenant_id, action, Micros(since)}));
    return r.Int64(0, 0);
  }

  absl::StatusOr<int64_t> InsertDecision(const DecisionRow& row) override {
    static const PgStatement kInsert{
        "insert_decision",
        "INSERT INTO decisions (breach_id, incident_id, tenant_id, "
        "policy_version, decided_us, matched_rules, narrative) VALUES ($1, $2, "
        "$3, $4, $5, $6, $7) RETURNING id"};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r,
        conn_->Run(kInsert, {row.breach_id, row.incident_id, row.tenant_id,
                             row.policy_version, Micros(row.decided_at),
                             row.matched_rules, row.narrative}));
    return r.Int64(0, 0);
  }

  absl::StatusOr<int64_t> InsertActionRun(const ActionRunRow& r) override {
    static const PgStatement kInsert{
        "insert_run",
        "INSERT INTO action_runs (decision_id, incident_id, tenant_id, "
        "action, target_kind, target_key, target, state, rule, rung, "
        "rule_mode, autonomous, duration_s, approval_deadline_us, "
        "on_approval_expiry, two_person, gates, idempotency_key, created_us, "
        "updated_us, reversible) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) ON "
        "CONFLICT DO NOTHING RETURNING id"};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult res,
        conn_->Run(kInsert,
                   {r.decision_id, r.incident_id, r.tenant_id, r.action,
                    r.target_kind, r.target_key, PgParam::Bytes(r.target),
                    runs::RunStateName(r.state), r.rule, r.rung, r.rule_mode,
                    r.autonomous, absl::ToInt64Seconds(r.duration),
                    OptionalMicros(r.approval_deadline), r.on_approval_expiry,
                    r.two_person, r.gates, r.idempotency_key,
                    Micros(r.created_at), Micros(r.updated_at),
                    r.reversible}));
    if (res.rows() != 1) {
      return absl::AlreadyExistsError(absl::StrCat(
          "action run with idempotency key ", r.idempotency_key,
          " is already stored"));
    }
    return res.Int64(0, 0);
  }

  absl::StatusOr<std::optional<std::string>> GetSetting(
      absl::string_view key) override {
    static const PgStatement kGet{"get_setting",
                                  "SELECT value FROM settings WHERE key = $1"};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r, conn_->Run(kGet, {key}));
    if (r.rows() == 0) return std::optional<std::string>();
    return std::optional<std::string>(std::string(r.Text(0, 0)));
  }

  absl::StatusOr<audit::AuditRecord> AppendAudit(
      const audit::AuditEvent& event) override {
    audit::AuditRecord r;
    r.time = store_.clock_->Now();
    r.event = event;
    if (r.event.details.empty()) r.event.details = "{}";
    audit::Seal(tip_seq_, tip_hash_, r);
    static const std::string sql =
        absl::StrCat("INSERT INTO audit_log (", kAuditColumns,
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    static const PgStatement kInsert{"insert_audit", sql.c_str()};
    conn_->Defer(kInsert, {r.seq, Micros(r.time), r.event.actor,
                           r.event.event, r.event.subject, r.event.details,
                           r.event.policy_version, r.prev_hash, r.hash});
    tip_seq_ = r.seq;
    tip_hash_ = r.hash;
    return r;
  }

  absl::Status AppendOutbox(const OutboxRow& row) override {
    // A repeat of a stored uid is the same event: nothing to add, and no
    // error to abort the transaction, so the write can wait in the queue.
    static const PgStatement kInsert{
        "insert_outbox",
        "INSERT INTO ocsf_outbox (uid, class_uid, time_us, event) VALUES ($1, "
        "$2, $3, $4) ON CONFLICT (uid) DO NOTHING"};
    conn_->Defer(kInsert,
                 {row.uid, row.class_uid, Micros(row.time), row.event});
    return absl::OkStatus();
  }

  // --- Transaction ---

  absl::StatusOr<std::optional<ActionRunRow>> ClaimDueRun(
      absl::string_view holder, absl::Time now,
      absl::Time lease_until) override {
    // Due: waiting to be applied, a lease that lapsed, or an expiry passed.
    // SKIP LOCKED: a run another transaction holds is someone else's.
    static const std::string sql = absl::StrCat(
        "SELECT ", kRunColumns,
        " FROM action_runs WHERE ((state = 'proposed' AND autonomous) OR "
        "state IN ('queued', 'approved') OR (state IN ('running', "
        "'reverting') AND lease_expires_us <= $1) OR (state = 'active' AND "
        "expires_at_us IS NOT NULL AND expires_at_us <= $1)) AND "
        "not_before_us <= $1 ORDER BY not_before_us, id LIMIT 1 FOR UPDATE "
        "SKIP LOCKED");
    static const PgStatement kFind{"find_due", sql.c_str()};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult found, conn_->Run(kFind, {Micros(now)}));
    std::optional<ActionRunRow> run;
    if (found.rows() == 0) return run;
    run = ReadRun(found, 0);
    MarkClaimed(*run, holder, now, lease_until);
    static const PgStatement kClaim{
        "claim_run",
        "UPDATE action_runs SET state = $1, lease_holder = $2, "
        "lease_expires_us = $3, fence = $4, attempts = $5, first_attempt_us = "
        "$6, updated_us = $7 WHERE id = $8"};
    RIPOSTE_RETURN_IF_ERROR(
        conn_
            ->Run(kClaim, {runs::RunStateName(run->state), run->lease_holder,
                           Micros(lease_until), run->fence, run->attempts,
                           Micros(*run->first_attempt_at), Micros(now),
                           run->id})
            .status());
    return run;
  }

  absl::Status UpdateLeasedRun(const RunUpdate& up) override {
    static const PgStatement kUpdate{
        "update_run",
        "UPDATE action_runs SET state = $1, not_before_us = $2, last_error = "
        "$3, memo = COALESCE($4, memo), expires_at_us = COALESCE($5, "
        "expires_at_us), effect_us = COALESCE($6, effect_us), attempts = "
        "attempts - $7, lease_holder = '', lease_expires_us = 0, updated_us = "
        "$8, outcome = COALESCE($11, outcome), outcome_note = COALESCE($12, "
        "outcome_note), reversible = COALESCE($13, reversible) WHERE id = $9 "
        "AND fence = $10"};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r,
        conn_->Run(
            kUpdate,
            {runs::RunStateName(up.state),
             Micros(std::max(up.not_before, absl::UnixEpoch())), up.last_error,
             up.memo.has_value() ? PgParam(*up.memo) : PgParam::Null(),
             OptionalMicros(up.expires_at), OptionalMicros(up.effect_at),
             up.refund_attempt ? 1 : 0, Micros(up.now), up.id, up.fence,
             up.outcome.has_value() ? PgParam(*up.outcome) : PgParam::Null(),
             up.outcome.has_value() ? PgParam(up.outcome_note)
                                    : PgParam::Null(),
             up.reversible.has_value() ? PgParam(*up.reversible)
                                       : PgParam::Null()}));
    if (r.affected() != 1) return LeaseLost(up.id, up.fence);
    return absl::OkStatus();
  }

  absl::Status CheckpointRunMemo(int64_t id, int64_t fence,
                                 absl::string_view memo) override {
    static const PgStatement kMemo{
        "checkpoint_memo",
        "UPDATE action_runs SET memo = $1 WHERE id = $2 AND fence = $3"};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r, conn_->Run(kMemo, {memo, id, fence}));
    if (r.affected() != 1) return LeaseLost(id, fence);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<absl::Time>> NextDueTime(absl::Time) override {
    static const PgStatement kNext{
        "next_due",
        "SELECT MIN(CASE WHEN state = 'active' THEN GREATEST(expires_at_us, "
        "not_before_us) WHEN state IN ('running', 'reverting') THEN "
        "GREATEST(lease_expires_us, not_before_us) ELSE not_before_us END) "
        "FROM action_runs WHERE (state = 'proposed' AND autonomous) OR state "
        "IN ('queued', 'approved', 'running', 'reverting') OR (state = "
        "'active' AND expires_at_us IS NOT NULL)"};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r, conn_->Run(kNext));
    if (r.rows() == 0 || r.IsNull(0, 0)) return std::optional<absl::Time>();
    return std::optional<absl::Time>(absl::FromUnixMicros(r.Int64(0, 0)));
  }

  absl::StatusOr<int64_t> ReleaseForeignLeases(absl::string_view holder,
                                               absl::Time now) override {
    static const PgStatement kRelease{
        "release_foreign",
        "UPDATE action_runs SET lease_expires_us = $1 WHERE lease_holder != '' "
        "AND lease_holder != $2 AND lease_expires_us > $1"};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r,
                             conn_->Run(kRelease, {Micros(now), holder}));
    return r.affected();
  }

  absl::StatusOr<std::optional<DecisionRow>> GetDecision(int64_t id) override {
    static const std::string sql = absl::StrCat(
        "SELECT ", kDecisionColumns, " FROM decisions WHERE id = $1");
    static const PgStatement kGet{"get_decision", sql.c_str()};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r, conn_->Run(kGet, {id}));
    if (r.rows() == 0) return std::optional<DecisionRow>();
    return std::optional<DecisionRow>(ReadDecision(r, 0));
  }

  absl::Status UpdateRunForOperator(const OperatorRunUpdate& up) override {
    static const PgStatement kUpdate{
        "operator_update",
        "UPDATE action_runs SET state = $1, expires_at_us = $2, "
        "approval_deadline_us = $3, approvers = $4, escalated = $5, "
        "not_before_us = $6, attempts = CASE WHEN $7 THEN 0 ELSE attempts "
        "END, first_attempt_us = CASE WHEN $7 THEN NULL ELSE first_attempt_us "
        "END, updated_us = $8 WHERE id = $9 AND state = $10 AND lease_holder "
        "= ''"};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r,
        conn_->Run(kUpdate,
                   {runs::RunStateName(up.state), OptionalMicros(up.expires_at),
                    OptionalMicros(up.approval_deadline), up.approvers,
                    up.escalated,
                    Micros(std::max(up.not_before, absl::UnixEpoch())),
                    up.reset_attempts, Micros(up.now), up.id,
                    runs::RunStateName(up.expected_state)}));
    if (r.affected() != 1) {
      return RunChangedMeanwhile(up.id, up.expected_state);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ActionRunRow>> ListExpiredApprovals(
      absl::Time now) override {
    static const std::string sql = absl::StrCat(
        "SELECT ", kRunColumns,
        " FROM action_runs WHERE state = 'awaiting_approval' AND "
        "approval_deadline_us IS NOT NULL AND approval_deadline_us <= $1 "
        "ORDER BY id");
    static const PgStatement kList{"expired_approvals", sql.c_str()};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r, conn_->Run(kList, {Micros(now)}));
    return ReadRows(r, ReadRun);
  }

  absl::Status PutSetting(absl::string_view key,
                          absl::string_view value) override {
    static const PgStatement kPut{
        "put_setting",
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) "
        "DO UPDATE SET value = excluded.value"};
    return conn_->Run(kPut, {key, value}).status();
  }

  absl::StatusOr<PruneResult> PruneIncidents(
      const PruneRequest& request) override {
    PruneResult result;
    std::set<int64_t> newest;
    {
      static const PgStatement kNewest{
          "prune_newest",
          "SELECT (SELECT MAX(id) FROM incidents), (SELECT incident_id FROM "
          "breaches ORDER BY id DESC LIMIT 1), (SELECT incident_id FROM "
          "decisions ORDER BY id DESC LIMIT 1), (SELECT incident_id FROM "
          "action_runs ORDER BY id DESC LIMIT 1)"};
      RIPOSTE_ASSIGN_OR_RETURN(PgResult r, conn_->Run(kNewest));
      for (int col = 0; r.rows() == 1 && col < 4; ++col) {
        if (!r.IsNull(0, col)) newest.insert(r.Int64(0, col));
      }
    }
    static const std::string scan_sql = absl::StrCat(
        // Cheapest first: the incident row, its runs (few), its breaches
        // (possibly many; only for incidents that pass the rest).
        "SELECT i.id, i.last_seen_us < $2 AND NOT EXISTS (SELECT 1 FROM "
        "action_runs r WHERE r.incident_id = i.id AND (r.state NOT IN (",
        FinalRunStatesSql(),
        ") OR r.updated_us >= $3)) AND NOT EXISTS (SELECT 1 FROM breaches b "
        "WHERE b.incident_id = i.id AND (b.observed_us >= $2 OR "
        "b.received_us >= $2)) FROM incidents i WHERE i.id > $1 ORDER BY i.id "
        "LIMIT $4");
    static const PgStatement kScan{"prune_scan", scan_sql.c_str()};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult scan,
        conn_->Run(kScan, {request.after_id, Micros(request.activity_before),
                           Micros(request.runs_changed_before),
                           request.limit}));
    std::vector<int64_t> removable;
    for (int i = 0; i < scan.rows(); ++i) {
      result.last_id = scan.Int64(i, 0);
      if (scan.Bool(i, 1) && newest.count(result.last_id) == 0) {
        removable.push_back(result.last_id);
      }
    }
    result.done = scan.rows() < request.limit;
    if (result.last_id == 0) result.last_id = request.after_id;
    if (removable.empty()) return result;
    // Children first: runs name decisions, and everything names the
    // incident. One statement per table for the whole batch.
    static const PgStatement kDelete{
        "prune_delete",
        "WITH r AS (DELETE FROM action_runs WHERE incident_id = ANY($1::bigint[]) "
        "RETURNING 1), d AS (DELETE FROM decisions WHERE incident_id = "
        "ANY($1::bigint[]) RETURNING 1), b AS (DELETE FROM breaches WHERE "
        "incident_id = ANY($1::bigint[]) RETURNING 1), s AS (DELETE FROM "
        "incident_steps WHERE incident_id = ANY($1::bigint[]) RETURNING 1) "
        "SELECT (SELECT COUNT(*) FROM r), (SELECT COUNT(*) FROM d), (SELECT "
        "COUNT(*) FROM b), (SELECT COUNT(*) FROM s)"};
    static const PgStatement kDeleteIncidents{
        "prune_incidents",
        "DELETE FROM incidents WHERE id = ANY($1::bigint[])"};
    const PgParam ids(absl::StrCat("{", absl::StrJoin(removable, ","), "}"));
    RIPOSTE_ASSIGN_OR_RETURN(PgResult counts, conn_->Run(kDelete, {ids}));
    result.runs = counts.Int64(0, 0);
    result.decisions = counts.Int64(0, 1);
    result.breaches = counts.Int64(0, 2);
    RIPOSTE_ASSIGN_OR_RETURN(PgResult gone, conn_->Run(kDeleteIncidents, {ids}));
    result.incidents = gone.affected();
    return result;
  }

  absl::StatusOr<int64_t> ReclaimSpace(int64_t) override {
    // PostgreSQL's autovacuum makes freed space reusable; returning it to
    // the file system (VACUUM FULL) would lock the tables. Nothing to do.
    return 0;
  }

  absl::StatusOr<int64_t> CountStoredRows(
      const audit::AuditedRows& rows) override {
    std::vector<int64_t> run_ids;
    run_ids.reserve(rows.runs.size());
    for (const auto& run : rows.runs) run_ids.push_back(run.id);
    auto array = [](const std::vector<int64_t>& ids) {
      return PgParam(absl::StrCat("{", absl::StrJoin(ids, ","), "}"));
    };
    static const PgStatement kCount{
        "count_stored",
        "SELECT (SELECT COUNT(*) FROM breaches WHERE id = ANY($1::bigint[])) "
        "+ (SELECT COUNT(*) FROM decisions WHERE id = ANY($2::bigint[])) + "
        "(SELECT COUNT(*) FROM action_runs WHERE id = ANY($3::bigint[]))"};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r, conn_->Run(kCount, {array(rows.breach_ids),
                                        array(rows.decision_ids),
                                        array(run_ids)}));
    return r.Int64(0, 0);
  }

  absl::Status RemoveArchivedAudit(const audit::ChainBase& base) override {
    static const PgStatement kHash{"audit_hash",
                                   "SELECT hash FROM audit_log WHERE seq = $1"};
    RIPOSTE_ASSIGN_OR_RETURN(PgResult r, conn_->Run(kHash, {base.seq}));
    if (r.rows() == 0 || r.Text(0, 0) != base.hash) {
      return absl::FailedPreconditionError(absl::StrCat(
          "audit record ", base.seq, " is not stored with hash ", base.hash));
    }
    if (base.seq >= tip_seq_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "audit record ", base.seq, " is the head of the chain; it stays"));
    }
    static const PgStatement kDelete{"delete_audit",
                                     "DELETE FROM audit_log WHERE seq <= $1"};
    RIPOSTE_RETURN_IF_ERROR(conn_->Run(kDelete, {base.seq}).status());
    return PutSetting(kAuditBaseKey, FormatAuditBase(base));
  }

  absl::StatusOr<int64_t> PruneOutbox(int64_t up_to_seq, absl::Time before,
                                      int64_t limit) override {
    static const PgStatement kPrune{
        "prune_outbox",
        "DELETE FROM ocsf_outbox WHERE seq IN (SELECT seq FROM ocsf_outbox "
        "WHERE seq <= $1 AND time_us < $2 ORDER BY seq LIMIT $3)"};
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r, conn_->Run(kPrune, {up_to_seq, Micros(before), limit}));
    return r.affected();
  }

 private:
  PostgresStore& store_;
  std::unique_ptr<PgConnection> conn_;
  bool pending_release_ = false;
  // The chain tip and last breach id as this transaction sees them, and
  // as the head row held them at Begin.
  int64_t tip_seq_ = 0;
  std::string tip_hash_;
  int64_t last_breach_id_ = 0;
  int64_t head_seq_ = 0;
  int64_t head_breach_id_ = 0;
  // Saved at UnitStarted.
  int64_t unit_seq_ = 0;
  std::string unit_hash_;
};

// A read connection lent from the pool.
class PostgresStore::Reader {
 public:
  Reader(PostgresStore* store, std::unique_ptr<PgConnection> conn)
      : store_(store), conn_(std::move(conn)) {}
  Reader(Reader&& other) noexcept
      : store_(other.store_), conn_(std::move(other.conn_)) {}
  ~Reader() {
    if (conn_ != nullptr) store_->Return(std::move(conn_));
  }
  PgConnection* operator->() { return conn_.get(); }
  PgConnection& operator*() { return *conn_; }

 private:
  PostgresStore* store_;
  std::unique_ptr<PgConnection> conn_;
};

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const PostgresStoreOptions& options, Clock* clock) {
  std::unique_ptr<PostgresStore> store(new PostgresStore(options, clock));
  PgConnectOptions writer_options = options.connect;
  writer_options.application_name = options.connect.application_name + "-writer";
  RIPOSTE_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> writer,
                           PgConnection::Connect(options.dsn, writer_options));
  if (!options.read_only) RIPOSTE_RETURN_IF_ERROR(MigratePg(*writer));
  {
    RIPOSTE_ASSIGN_OR_RETURN(int version, PgSchemaVersion(*writer));
    if (version != kPgSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store: the database has schema version ", version,
          "; this build needs ", kPgSchemaVersion));
    }
  }
  {
    // One read connection now, so a bad pool setting shows at start.
    RIPOSTE_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> reader,
                             PgConnection::Connect(options.dsn, options.connect));
    absl::MutexLock lock(&store->pool_mu_);
    store->idle_.push_back(std::move(reader));
  }
  if (options.read_only) return store;
  GroupCommitOptions runner_options;
  runner_options.max_batch = options.max_batch;
  runner_options.on_storage_failure = options.on_storage_failure;
  runner_options.is_storage_failure = IsPgStorageFailure;
  runner_options.thread_name = "store-writer";
  std::vector<std::unique_ptr<BatchSession>> sessions;
  sessions.push_back(std::make_unique<Session>(*store, std::move(writer)));
  store->runner_ = std::make_unique<GroupCommitRunner>(
      std::move(runner_options), std::move(sessions));
  return store;
}

PostgresStore::~PostgresStore() { Close(); }

void PostgresStore::Execute(Work work, Done done) {
  if (runner_ == nullptr) {
    done(absl::FailedPreconditionError("store: opened read-only"));
    return;
  }
  runner_->Execute(std::move(work), std::move(done));
}

void PostgresStore::Close() {
  if (runner_ != nullptr) runner_->Close();  // null if Open failed
  absl::MutexLock lock(&pool_mu_);
  closed_ = true;
  idle_.clear();
}

int64_t PostgresStore::CommitCount() const {
  return runner_ == nullptr ? 0 : runner_->CommitCount();
}
int64_t PostgresStore::CommittedUnits() const {
  return runner_ == nullptr ? 0 : runner_->CommittedUnits();
}

absl::StatusOr<PostgresStore::Reader> PostgresStore::Borrow() {
  std::unique_ptr<PgConnection> conn;
  {
    absl::MutexLock lock(&pool_mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool_mu_) {
      return closed_ || !idle_.empty() || lent_ < options_.pool_size;
    };
    pool_mu_.Await(absl::Condition(&available));
    if (closed_) return absl::UnavailableError("store: closed");
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
    ++lent_;
  }
  absl::Status ready = absl::OkStatus();
  if (conn == nullptr) {
    absl::StatusOr<std::unique_ptr<PgConnection>> made =
        PgConnection::Connect(options_.dsn, options_.connect);
    if (made.ok()) {
      conn = std::move(*made);
    } else {
      ready = made.status();
    }
  } else {
    ready = conn->ReviveIfClosed();
  }
  if (!ready.ok()) {
    absl::MutexLock lock(&pool_mu_);
    --lent_;
    return ready;
  }
  return Reader(this, std::move(conn));
}

void PostgresStore::Return(std::unique_ptr<PgConnection> conn) {
  absl::MutexLock lock(&pool_mu_);
  --lent_;
  // A connection that broke is dropped; the next borrower makes a new one.
  if (!closed_ && conn->healthy()) idle_.push_back(std::move(conn));
}

absl::StatusOr<std::vector<audit::AuditRecord>> PostgresStore::ReadAudit(
    int64_t after_seq, int64_t limit) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const std::string sql = absl::StrCat(
      "SELECT ", kAuditColumns,
      " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
  static const PgStatement kRead{"read_audit", sql.c_str()};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kRead, {after_seq, limit}));
  return ReadRows(r, ReadAuditRecord);
}

absl::StatusOr<std::vector<OutboxRow>> PostgresStore::ReadOutbox(
    int64_t after_seq, int64_t limit) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const std::string sql = absl::StrCat(
      "SELECT ", kOutboxColumns,
      " FROM ocsf_outbox WHERE seq > $1 ORDER BY seq LIMIT $2");
  static const PgStatement kRead{"read_outbox", sql.c_str()};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kRead, {after_seq, limit}));
  return ReadRows(r, ReadOutboxRow);
}

absl::StatusOr<int64_t> PostgresStore::LastOutboxSeq() {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const PgStatement kLast{"last_outbox",
                                 "SELECT COALESCE(MAX(seq), 0) FROM ocsf_outbox"};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kLast, {}));
  return r.Int64(0, 0);
}

absl::StatusOr<audit::ChainBase> PostgresStore::ReadAuditBase() {
  RIPOSTE_ASSIGN_OR_RETURN(std::optional<std::string> value,
                           ReadSetting(kAuditBaseKey));
  return ParseAuditBase(value);
}

absl::StatusOr<audit::VerifyResult> PostgresStore::VerifyAudit() {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  // The base and the records in one snapshot, so an archive pass between
  // them cannot make the chain look cut. Read in pages: the chain may be
  // long.
  RIPOSTE_RETURN_IF_ERROR(
      db->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  struct EndRead {
    PgConnection& db;
    ~EndRead() {
      if (db.healthy()) db.Exec("COMMIT").IgnoreError();
    }
  } end_read{*db};
  static const PgStatement kBase{"verify_base",
                                 "SELECT value FROM settings WHERE key = $1"};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult b, db->Run(kBase, {kAuditBaseKey}));
  std::optional<std::string> base_value;
  if (b.rows() == 1) base_value = std::string(b.Text(0, 0));
  RIPOSTE_ASSIGN_OR_RETURN(audit::ChainBase base, ParseAuditBase(base_value));
  static const std::string sql = absl::StrCat(
      "SELECT ", kAuditColumns,
      " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000");
  static const PgStatement kPage{"verify_page", sql.c_str()};
  audit::ChainVerifier verifier(base);
  int64_t after = 0;
  while (true) {
    RIPOSTE_ASSIGN_OR_RETURN(PgResult page, db->Run(kPage, {after}));
    for (int i = 0; i < page.rows(); ++i) {
      if (!verifier.Add(ReadAuditRecord(page, i))) return verifier.result();
    }
    if (page.rows() < 5000) break;
    after = page.Int64(page.rows() - 1, 0);
  }
  return verifier.result();
}

absl::StatusOr<audit::AuditedRows> PostgresStore::ListAuditedRows() {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  RIPOSTE_RETURN_IF_ERROR(
      db->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  audit::AuditedRows rows;
  absl::Status status = [&]() -> absl::Status {
    for (auto [table, ids] : {std::pair{"breaches", &rows.breach_ids},
                              std::pair{"decisions", &rows.decision_ids}}) {
      RIPOSTE_ASSIGN_OR_RETURN(
          PgResult r,
          db->Query(absl::StrCat("SELECT id FROM ", table, " ORDER BY id")));
      for (int i = 0; i < r.rows(); ++i) ids->push_back(r.Int64(i, 0));
    }
    RIPOSTE_ASSIGN_OR_RETURN(
        PgResult r, db->Query("SELECT id, state FROM action_runs ORDER BY id"));
    for (int i = 0; i < r.rows(); ++i) {
      rows.runs.push_back({r.Int64(i, 0), std::string(r.Text(i, 1))});
    }
    return absl::OkStatus();
  }();
  if (db->healthy()) db->Exec("COMMIT").IgnoreError();
  if (!status.ok()) return status;
  return rows;
}

absl::StatusOr<std::optional<BreachRow>> PostgresStore::GetBreach(
    absl::string_view detector_id, absl::string_view breach_id) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const PgStatement kGet{"get_breach", SelectBreachByKey().c_str()};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kGet, {detector_id, breach_id}));
  if (r.rows() == 0) return std::optional<BreachRow>();
  return std::optional<BreachRow>(ReadBreach(r, 0));
}

absl::StatusOr<StoreStats> PostgresStore::Stats() {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const PgStatement kStats{
      "stats",
      "SELECT (SELECT COUNT(*) FROM breaches), (SELECT COUNT(*) FROM "
      "incidents), (SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM "
      "decisions), (SELECT COUNT(*) FROM action_runs)"};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kStats));
  StoreStats stats;
  stats.breaches = r.Int64(0, 0);
  stats.incidents = r.Int64(0, 1);
  stats.audit_records = r.Int64(0, 2);
  stats.decisions = r.Int64(0, 3);
  stats.action_runs = r.Int64(0, 4);
  return stats;
}

absl::StatusOr<std::vector<ActionRunRow>> PostgresStore::ListRuns(
    int64_t limit) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const std::string sql = absl::StrCat(
      "SELECT ", kRunColumns, " FROM action_runs ORDER BY id DESC LIMIT $1");
  static const PgStatement kList{"list_runs", sql.c_str()};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kList, {limit}));
  return ReadRows(r, ReadRun);
}

absl::StatusOr<std::vector<IncidentRow>> PostgresStore::FindIncidents(
    const IncidentFilter& f) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const std::string sql = absl::StrCat(
      "SELECT ", kIncidentColumns,
      " FROM incidents WHERE ($1 = '' OR tenant_id = $1) AND ($2 = '' OR "
      "subject_key = $2) AND last_seen_us >= $3 AND last_seen_us < $4 AND ($5 "
      "= 0 OR id < $5) ORDER BY id DESC LIMIT $6");
  static const PgStatement kFind{"find_incidents", sql.c_str()};
  RIPOSTE_ASSIGN_OR_RETURN(
      PgResult r, db->Run(kFind, {f.tenant_id, f.subject_key, Micros(f.since),
                                  Micros(f.until), f.before_id, f.limit}));
  return ReadRows(r, ReadIncident);
}

absl::StatusOr<std::optional<IncidentRow>> PostgresStore::GetIncident(
    int64_t id) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const std::string sql = absl::StrCat(
      "SELECT ", kIncidentColumns, " FROM incidents WHERE id = $1");
  static const PgStatement kGet{"get_incident", sql.c_str()};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kGet, {id}));
  if (r.rows() == 0) return std::optional<IncidentRow>();
  return std::optional<IncidentRow>(ReadIncident(r, 0));
}

absl::StatusOr<std::vector<ActionRunRow>> PostgresStore::FindRuns(
    const RunFilter& f) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const std::string sql = absl::StrCat(
      "SELECT ", kRunColumns,
      " FROM action_runs WHERE ($1 = '' OR tenant_id = $1) AND ($2 = '' OR "
      "target_key = $2) AND ($3 = '' OR action = $3) AND ($4 = 0 OR "
      "incident_id = $4) AND created_us >= $5 AND created_us < $6 AND ($7 = 0 "
      "OR id < $7) AND (cardinality($9::text[]) = 0 OR state = "
      "ANY($9::text[])) ORDER BY id DESC LIMIT $8");
  static const PgStatement kFind{"find_runs", sql.c_str()};
  RIPOSTE_ASSIGN_OR_RETURN(
      PgResult r,
      db->Run(kFind, {f.tenant_id, f.target_key, f.action, f.incident_id,
                      Micros(f.since), Micros(f.until), f.before_id, f.limit,
                      TextArray(StateNames(f.states))}));
  return ReadRows(r, ReadRun);
}

absl::StatusOr<std::vector<BreachRow>> PostgresStore::IncidentBreaches(
    int64_t incident_id) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const std::string sql = absl::StrCat(
      "SELECT ", kBreachColumns,
      " FROM breaches WHERE incident_id = $1 ORDER BY observed_us, id");
  static const PgStatement kList{"incident_breaches", sql.c_str()};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kList, {incident_id}));
  return ReadRows(r, ReadBreach);
}

absl::StatusOr<std::vector<DecisionRow>> PostgresStore::IncidentDecisions(
    int64_t incident_id) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const std::string sql = absl::StrCat(
      "SELECT ", kDecisionColumns,
      " FROM decisions WHERE incident_id = $1 ORDER BY id");
  static const PgStatement kList{"incident_decisions", sql.c_str()};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kList, {incident_id}));
  return ReadRows(r, ReadDecision);
}

absl::StatusOr<std::optional<std::string>> PostgresStore::ReadSetting(
    absl::string_view key) {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const PgStatement kGet{"read_setting",
                                "SELECT value FROM settings WHERE key = $1"};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kGet, {key}));
  if (r.rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(r.Text(0, 0)));
}

absl::StatusOr<StoreGauges> PostgresStore::Gauges() {
  RIPOSTE_ASSIGN_OR_RETURN(Reader db, Borrow());
  static const PgStatement kGauges{
      "gauges",
      "SELECT (SELECT COUNT(*) FROM action_runs WHERE state = "
      "'awaiting_approval'), (SELECT MIN(created_us) FROM action_runs WHERE "
      "state = 'awaiting_approval'), (SELECT COUNT(*) FROM action_runs WHERE "
      "state = 'active'), (SELECT COUNT(*) FROM action_runs WHERE state IN "
      "('queued', 'approved') OR (state = 'proposed' AND autonomous)), "
      "(SELECT COUNT(*) FROM action_runs WHERE state IN ('running', "
      "'reverting')), (SELECT COUNT(*) FROM action_runs WHERE state = "
      "'failed'), (SELECT COALESCE(MAX(seq), 0) FROM audit_log), "
      "pg_database_size(current_database())"};
  RIPOSTE_ASSIGN_OR_RETURN(PgResult r, db->Run(kGauges));
  StoreGauges g;
  g.awaiting_approval = r.Int64(0, 0);
  if (!r.IsNull(0, 1)) g.oldest_awaiting = absl::FromUnixMicros(r.Int64(0, 1));
  g.active = r.Int64(0, 2);
  g.queued = r.Int64(0, 3);
  g.running = r.Int64(0, 4);
  g.failed = r.Int64(0, 5);
  g.audit_head_seq = r.Int64(0, 6);
  g.size_bytes = r.Int64(0, 7);
  return g;
}

}  // namespace riposte::store::postgres
