#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::store::sqlite {
namespace {

// Each entry moves the schema from version i to i+1. Never edit one that
// has shipped; append a new one.
constexpr const char* kMigrations[] = {
    // 0 -> 1: breaches, incidents, audit trail.
    R"sql(
CREATE TABLE incidents (
  id            INTEGER PRIMARY KEY,
  tenant_id     TEXT    NOT NULL,
  subject_key   TEXT    NOT NULL,
  subject_kind  TEXT    NOT NULL,
  first_seen_us INTEGER NOT NULL,
  last_seen_us  INTEGER NOT NULL,
  breach_count  INTEGER NOT NULL
);
CREATE INDEX incidents_by_subject
  ON incidents (tenant_id, subject_key, last_seen_us);
CREATE TABLE breaches (
  id             INTEGER PRIMARY KEY,
  detector_id    TEXT    NOT NULL,
  breach_id      TEXT    NOT NULL,
  tenant_id      TEXT    NOT NULL,
  subject_key    TEXT    NOT NULL,
  model_name     TEXT    NOT NULL,
  score          REAL    NOT NULL,
  observed_us    INTEGER NOT NULL,
  received_us    INTEGER NOT NULL,
  incident_id    INTEGER NOT NULL REFERENCES incidents (id),
  payload        BLOB    NOT NULL,
  payload_digest TEXT    NOT NULL,
  outcome        BLOB    NOT NULL,
  UNIQUE (detector_id, breach_id)
);
CREATE INDEX breaches_by_incident ON breaches (incident_id);
CREATE TABLE audit_log (
  seq            INTEGER PRIMARY KEY,
  time_us        INTEGER NOT NULL,
  actor          TEXT    NOT NULL,
  event          TEXT    NOT NULL,
  subject        TEXT    NOT NULL,
  details        TEXT    NOT NULL,
  policy_version TEXT    NOT NULL,
  prev_hash      TEXT    NOT NULL,
  hash           TEXT    NOT NULL
);
)sql",
    // 1 -> 2: decisions, action runs, settings.
    R"sql(
CREATE TABLE decisions (
  id             INTEGER PRIMARY KEY,
  breach_id      INTEGER NOT NULL,
  incident_id    INTEGER NOT NULL REFERENCES incidents (id),
  tenant_id      TEXT    NOT NULL,
  policy_version TEXT    NOT NULL,
  decided_us     INTEGER NOT NULL,
  matched_rules  TEXT    NOT NULL,
  narrative      TEXT    NOT NULL
);
CREATE INDEX decisions_by_incident ON decisions (incident_id);
CREATE TABLE action_runs (
  id                   INTEGER PRIMARY KEY,
  decision_id          INTEGER NOT NULL REFERENCES decisions (id),
  incident_id          INTEGER NOT NULL REFERENCES incidents (id),
  tenant_id            TEXT    NOT NULL,
  action               TEXT    NOT NULL,
  target_kind          TEXT    NOT NULL,
  target_key           TEXT    NOT NULL,
  target               BLOB    NOT NULL,
  state                TEXT    NOT NULL,
  rule                 TEXT    NOT NULL,
  rung                 INTEGER NOT NULL,
  rule_mode            TEXT    NOT NULL,
  autonomous           INTEGER NOT NULL,
  duration_s           INTEGER NOT NULL,
  approval_deadline_us INTEGER,
  on_approval_expiry   TEXT    NOT NULL,
  two_person           INTEGER NOT NULL,
  gates                TEXT    NOT NULL,
  idempotency_key      TEXT    NOT NULL UNIQUE,
  created_us           INTEGER NOT NULL,
  updated_us           INTEGER NOT NULL
);
CREATE INDEX action_runs_by_incident ON action_runs (incident_id);
CREATE INDEX action_runs_by_target ON action_runs (tenant_id, target_key);
CREATE INDEX action_runs_by_action
  ON action_runs (tenant_id, action, created_us);
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
    // 2 -> 3: execution bookkeeping of action runs.
    R"sql(
ALTER TABLE action_runs ADD COLUMN not_before_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE action_runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE action_runs ADD COLUMN lease_holder TEXT NOT NULL DEFAULT '';
ALTER TABLE action_runs ADD COLUMN lease_expires_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE action_runs ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE action_runs ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE action_runs ADD COLUMN expires_at_us INTEGER;
ALTER TABLE action_runs ADD COLUMN memo TEXT NOT NULL DEFAULT '';
ALTER TABLE action_runs ADD COLUMN first_attempt_us INTEGER;
ALTER TABLE action_runs ADD COLUMN effect_us INTEGER;
ALTER TABLE action_runs ADD COLUMN reversible INTEGER NOT NULL DEFAULT 0;
CREATE INDEX action_runs_by_state ON action_runs (state, not_before_us);
)sql",
    // 3 -> 4: approvals by operators.
    R"sql(
ALTER TABLE action_runs ADD COLUMN approvers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE action_runs ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incidents_by_last_seen ON incidents (last_seen_us);
)sql",
    // 4 -> 5: what the adapter last reported for a run.
    R"sql(
ALTER TABLE action_runs ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE action_runs ADD COLUMN outcome_note TEXT NOT NULL DEFAULT '';
)sql",
    // 5 -> 6: an incident's compact state, so a decision costs the same
    // however big its incident: the steps taken on each target, repeated
    // reports, and an index to find reports of the same moment.
    R"sql(
ALTER TABLE incidents ADD COLUMN corroborations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE breaches ADD COLUMN corroborates INTEGER NOT NULL DEFAULT 0;
CREATE TABLE incident_steps (
  incident_id INTEGER NOT NULL REFERENCES incidents (id),
  target_key  TEXT    NOT NULL,
  run_ids     TEXT    NOT NULL,
  PRIMARY KEY (incident_id, target_key)
);
INSERT INTO incident_steps (incident_id, target_key, run_ids)
  SELECT incident_id, target_key, group_concat(id, ',')
  FROM (SELECT incident_id, target_key, id FROM action_runs
        WHERE state != 'suppressed' ORDER BY id)
  GROUP BY incident_id, target_key;
DROP INDEX breaches_by_incident;
CREATE INDEX breaches_by_incident_observed
  ON breaches (incident_id, observed_us);
DROP INDEX action_runs_by_target;
CREATE INDEX action_runs_by_target_state
  ON action_runs (tenant_id, target_key, state);
)sql",
};

constexpr char kBreachColumns[] =
    "id, detector_id, breach_id, tenant_id, subject_key, model_name, score, "
    "observed_us, received_us, incident_id, payload, payload_digest, outcome, "
    "corroborates";

constexpr char kDecisionColumns[] =
    "id, breach_id, incident_id, tenant_id, policy_version, decided_us, "
    "matched_rules, narrative";

constexpr char kRunColumns[] =
    "id, decision_id, incident_id, tenant_id, action, target_kind, "
    "target_key, target, state, rule, rung, rule_mode, autonomous, "
    "duration_s, approval_deadline_us, on_approval_expiry, two_person, gates, "
    "idempotency_key, created_us, updated_us, not_before_us, attempts, "
    "lease_holder, lease_expires_us, fence, last_error, expires_at_us, memo, "
    "first_attempt_us, effect_us, reversible, approvers, escalated, outcome, "
    "outcome_note";

// A run is due when it is waiting to be applied, its lease has lapsed, or
// its expiry has passed. ?1 = now.
constexpr char kDueCondition[] =
    "((state = 'proposed' AND autonomous = 1) OR state IN ('queued', "
    "'approved') OR (state IN ('running', 'reverting') AND lease_expires_us "
    "<= ?1) OR (state = 'active' AND expires_at_us IS NOT NULL AND "
    "expires_at_us <= ?1)) AND not_before_us <= ?1";

// The final run states, quoted for an IN (...) list.
std::string FinalStateList() {
  std::vector<std::string> names;
  for (int i = 0; i <= static_cast<int>(runs::RunState::kSuppressed); ++i) {
    const auto state = static_cast<runs::RunState>(i);
    if (runs::IsFinal(state)) {
      names.push_back(absl::StrCat("'", runs::RunStateName(state), "'"));
    }
  }
  return absl::StrJoin(names, ", ");
}

// The settings key of the audit chain's base: "<seq> <hash>".
constexpr char kAuditBaseKey[] = "audit.archive_base";

absl::StatusOr<audit::ChainBase> ParseAuditBase(
    const std::optional<std::string>& value) {
  audit::ChainBase base;
  if (!value.has_value()) return base;
  std::vector<std::string> parts = absl::StrSplit(*value, ' ');
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &base.seq) ||
      base.seq < 1 || parts[1].size() != 64) {
    return absl::DataLossError(absl::StrCat(
        "store: setting ", kAuditBaseKey, " is corrupt"));
  }
  base.hash = parts[1];
  return base;
}

constexpr char kAuditColumns[] =
    "seq, time_us, actor, event, subject, details, policy_version, "
    "prev_hash, hash";

// Steps `s` to the end, reading each row with `read`.
template <typename Row, typename ReadFn>
absl::StatusOr<std::vector<Row>> ReadAll(Statement& s, ReadFn read) {
  std::vector<Row> out;
  while (true) {
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(read(s));
  }
  return out;
}

constexpr char kIncidentColumns[] =
    "id, tenant_id, subject_key, subject_kind, first_seen_us, last_seen_us, "
    "breach_count, corroborations";

// Columns: kIncidentColumns.
IncidentRow ReadIncident(const Statement& s) {
  IncidentRow r;
  r.id = s.ColumnInt(0);
  r.tenant_id = s.ColumnText(1);
  r.subject_key = s.ColumnText(2);
  r.subject_kind = s.ColumnText(3);
  r.first_seen = absl::FromUnixMicros(s.ColumnInt(4));
  r.last_seen = absl::FromUnixMicros(s.ColumnInt(5));
  r.breach_count = s.ColumnInt(6);
  r.corroborations = s.ColumnInt(7);
  return r;
}

// Columns: id, breach_id, incident_id, tenant_id, policy_version,
// decided_us, matched_rules, narrative.
DecisionRow ReadDecision(const Statement& s) {
  DecisionRow d;
  d.id = s.ColumnInt(0);
  d.breach_id = s.ColumnInt(1);
  d.incident_id = s.ColumnInt(2);
  d.tenant_id = s.ColumnText(3);
  d.policy_version = s.ColumnText(4);
  d.decided_at = absl::FromUnixMicros(s.ColumnInt(5));
  d.matched_rules = s.ColumnText(6);
  d.narrative = s.ColumnText(7);
  return d;
}

BreachRow ReadBreach(const Statement& s) {
  BreachRow row;
  row.id = s.ColumnInt(0);
  row.detector_id = s.ColumnText(1);
  row.breach_id = s.ColumnText(2);
  row.tenant_id = s.ColumnText(3);
  row.subject_key = s.ColumnText(4);
  row.model_name = s.ColumnText(5);
  row.score = s.ColumnDouble(6);
  row.observed_time = absl::FromUnixMicros(s.ColumnInt(7));
  row.received_time = absl::FromUnixMicros(s.ColumnInt(8));
  row.incident_id = s.ColumnInt(9);
  row.payload = s.ColumnText(10);
  row.payload_digest = s.ColumnText(11);
  row.outcome = s.ColumnText(12);
  row.corroborates = s.ColumnInt(13);
  return row;
}

ActionRunRow ReadRun(const Statement& s) {
  ActionRunRow r;
  r.id = s.ColumnInt(0);
  r.decision_id = s.ColumnInt(1);
  r.incident_id = s.ColumnInt(2);
  r.tenant_id = s.ColumnText(3);
  r.action = s.ColumnText(4);
  r.target_kind = s.ColumnText(5);
  r.target_key = s.ColumnText(6);
  r.target = s.ColumnText(7);
  // Only this store writes the column, from RunStateName; a name it does
  // not know can only come from a newer build, and nothing may act on it.
  r.state = runs::ParseRunState(s.ColumnText(8)).value_or(runs::RunState::kFailed);
  r.rule = s.ColumnText(9);
  r.rung = s.ColumnInt(10);
  r.rule_mode = s.ColumnText(11);
  r.autonomous = s.ColumnInt(12) != 0;
  r.duration = absl::Seconds(s.ColumnInt(13));
  if (!s.ColumnIsNull(14)) {
    r.approval_deadline = absl::FromUnixMicros(s.ColumnInt(14));
  }
  r.on_approval_expiry = s.ColumnText(15);
  r.two_person = s.ColumnInt(16) != 0;
  r.gates = s.ColumnText(17);
  r.idempotency_key = s.ColumnText(18);
  r.created_at = absl::FromUnixMicros(s.ColumnInt(19));
  r.updated_at = absl::FromUnixMicros(s.ColumnInt(20));
  r.not_before = absl::FromUnixMicros(s.ColumnInt(21));
  r.attempts = s.ColumnInt(22);
  r.lease_holder = s.ColumnText(23);
  r.lease_expires = absl::FromUnixMicros(s.ColumnInt(24));
  r.fence = s.ColumnInt(25);
  r.last_error = s.ColumnText(26);
  if (!s.ColumnIsNull(27)) r.expires_at = absl::FromUnixMicros(s.ColumnInt(27));
  r.memo = s.ColumnText(28);
  if (!s.ColumnIsNull(29)) {
    r.first_attempt_at = absl::FromUnixMicros(s.ColumnInt(29));
  }
  if (!s.ColumnIsNull(30)) r.effect_at = absl::FromUnixMicros(s.ColumnInt(30));
  r.reversible = s.ColumnInt(31) != 0;
  r.approvers = s.ColumnText(32);
  if (r.approvers.empty()) r.approvers = "[]";
  r.escalated = s.ColumnInt(33) != 0;
  r.outcome = s.ColumnText(34);
  r.outcome_note = s.ColumnText(35);
  return r;
}

audit::AuditRecord ReadAuditRecord(const Statement& s) {
  audit::AuditRecord r;
  r.seq = s.ColumnInt(0);
  r.time = absl::FromUnixMicros(s.ColumnInt(1));
  r.event.actor = s.ColumnText(2);
  r.event.event = s.ColumnText(3);
  r.event.subject = s.ColumnText(4);
  r.event.details = s.ColumnText(5);
  r.event.policy_version = s.ColumnText(6);
  r.prev_hash = s.ColumnText(7);
  r.hash = s.ColumnText(8);
  return r;
}

}  // namespace

// Prepared statements of the writer connection.
struct SqliteStore::Statements {
  std::unique_ptr<Statement> begin, commit, rollback;
  std::unique_ptr<Statement> savepoint, release, rollback_to;
  std::unique_ptr<Statement> find_breach, insert_breach;
  std::unique_ptr<Statement> find_incident, insert_incident, update_incident;
  std::unique_ptr<Statement> breaches_observed, get_steps, put_steps;
  std::unique_ptr<Statement> count_autonomous, insert_decision, insert_run;
  std::unique_ptr<Statement> get_setting, put_setting;
  std::unique_ptr<Statement> find_due, claim_run, update_run, next_due;
  std::unique_ptr<Statement> release_foreign, get_run, checkpoint_memo;
  std::unique_ptr<Statement> get_decision;
  std::unique_ptr<Statement> operator_update, expired_approvals;
  // ListRunsOnTargets, by (number of target keys, number of states).
  std::map<std::pair<size_t, size_t>, std::unique_ptr<Statement>>
      runs_on_targets;
  std::unique_ptr<Statement> insert_audit;
  // Retention.
  std::unique_ptr<Statement> prune_scan, prune_newest;
  std::unique_ptr<Statement> delete_runs, delete_decisions, delete_breaches;
  std::unique_ptr<Statement> delete_steps, delete_incident;
  std::unique_ptr<Statement> breach_exists, decision_exists, run_exists;
  std::unique_ptr<Statement> audit_hash, delete_audit;
};

// Resets a statement however the scope is left, so the next use starts clean.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& s) : s_(s) {}
  ~ResetOnExit() { s_.Reset(); }

 private:
  Statement& s_;
};

class SqliteStore::Txn : public Transaction {
 public:
  explicit Txn(SqliteStore& store) : store_(store), st_(*store.stmts_) {}

  absl::StatusOr<std::optional<BreachRow>> FindBreach(
      absl::string_view detector_id, absl::string_view breach_id) override {
    Statement& s = *st_.find_breach;
    ResetOnExit reset(s);
    s.Bind(1, detector_id).Bind(2, breach_id);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<BreachRow>();
    return std::optional<BreachRow>(ReadBreach(s));
  }

  absl::StatusOr<int64_t> AllocateBreachId() override {
    // The file is locked to this process and only the writer thread gets
    // here, so a counter in memory is enough.
    return store_.next_breach_id_++;
  }

  absl::Status InsertBreach(const BreachRow& row) override {
    Statement& s = *st_.insert_breach;
    ResetOnExit reset(s);
    s.Bind(1, row.id)
        .Bind(2, row.detector_id)
        .Bind(3, row.breach_id)
        .Bind(4, row.tenant_id)
        .Bind(5, row.subject_key)
        .Bind(6, row.model_name)
        .Bind(7, row.score)
        .Bind(8, absl::ToUnixMicros(row.observed_time))
        .Bind(9, absl::ToUnixMicros(row.received_time))
        .Bind(10, row.incident_id)
        .BindBlob(11, row.payload)
        .Bind(12, row.payload_digest)
        .BindBlob(13, row.outcome)
        .Bind(14, row.corroborates);
    return s.Run();
  }

  absl::StatusOr<std::optional<IncidentRow>> FindLatestIncident(
      absl::string_view tenant_id, absl::string_view subject_key) override {
    Statement& s = *st_.find_incident;
    ResetOnExit reset(s);
    s.Bind(1, tenant_id).Bind(2, subject_key);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<IncidentRow>();
    return std::optional<IncidentRow>(ReadIncident(s));
  }

  absl::StatusOr<int64_t> InsertIncident(const IncidentRow& row) override {
    Statement& s = *st_.insert_incident;
    ResetOnExit reset(s);
    s.Bind(1, row.tenant_id)
        .Bind(2, row.subject_key)
        .Bind(3, row.subject_kind)
        .Bind(4, absl::ToUnixMicros(row.first_seen))
        .Bind(5, absl::ToUnixMicros(row.last_seen))
        .Bind(6, row.breach_count)
        .Bind(7, row.corroborations);
    RIPOSTE_RETURN_IF_ERROR(s.Run());
    return store_.writer_->LastInsertRowId();
  }

  absl::Status UpdateIncident(const IncidentRow& row) override {
    Statement& s = *st_.update_incident;
    ResetOnExit reset(s);
    s.Bind(1, absl::ToUnixMicros(row.first_seen))
        .Bind(2, absl::ToUnixMicros(row.last_seen))
        .Bind(3, row.breach_count)
        .Bind(4, row.corroborations)
        .Bind(5, row.id);
    return s.Run();
  }

  absl::StatusOr<std::vector<BreachRow>> ListBreachesObservedBetween(
      int64_t incident_id, absl::Time from, absl::Time to,
      int64_t limit) override {
    Statement& s = *st_.breaches_observed;
    ResetOnExit reset(s);
    s.Bind(1, incident_id)
        .Bind(2, absl::ToUnixMicros(from))
        .Bind(3, absl::ToUnixMicros(to))
        .Bind(4, limit);
    return ReadAll<BreachRow>(s, ReadBreach);
  }

  absl::StatusOr<std::vector<int64_t>> GetIncidentSteps(
      int64_t incident_id, absl::string_view target_key) override {
    Statement& s = *st_.get_steps;
    ResetOnExit reset(s);
    s.Bind(1, incident_id).Bind(2, target_key);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    std::vector<int64_t> ids;
    if (!row) return ids;
    for (absl::string_view part : absl::StrSplit(s.ColumnText(0), ',')) {
      int64_t id = 0;
      if (absl::SimpleAtoi(part, &id)) ids.push_back(id);
    }
    return ids;
  }

  absl::Status PutIncidentSteps(int64_t incident_id,
                                absl::string_view target_key,
                                const std::vector<int64_t>& run_ids) override {
    Statement& s = *st_.put_steps;
    ResetOnExit reset(s);
    s.Bind(1, incident_id)
        .Bind(2, target_key)
        .Bind(3, absl::StrJoin(run_ids, ","));
    return s.Run();
  }

  absl::StatusOr<std::vector<ActionRunRow>> ListRunsOnTargets(
      absl::string_view tenant_id, const std::vector<std::string>& target_keys,
      const std::vector<runs::RunState>& states) override {
    if (target_keys.empty() || states.empty()) {
      return std::vector<ActionRunRow>();
    }
    // The lists vary in length; the intake asks this for every breach, so
    // the statement for each shape is prepared once and kept.
    auto& cached = st_.runs_on_targets[{target_keys.size(), states.size()}];
    if (cached == nullptr) {
      std::string sql = absl::StrCat("SELECT ", kRunColumns,
                                     " FROM action_runs WHERE tenant_id = ?1 "
                                     "AND target_key IN (");
      int param = 2;
      for (size_t i = 0; i < target_keys.size(); ++i) {
        absl::StrAppend(&sql, i ? ", " : "", "?", param++);
      }
      absl::StrAppend(&sql, ") AND state IN (");
      for (size_t i = 0; i < states.size(); ++i) {
        absl::StrAppend(&sql, i ? ", " : "", "?", param++);
      }
      absl::StrAppend(&sql, ") ORDER BY id");
      RIPOSTE_ASSIGN_OR_RETURN(cached, store_.writer_->Prepare(sql));
    }
    Statement& s = *cached;
    ResetOnExit reset(s);
    s.Bind(1, tenant_id);
    int param = 2;
    for (const auto& k : target_keys) s.Bind(param++, k);
    for (runs::RunState st : states) s.Bind(param++, runs::RunStateName(st));
    return ReadRuns(s);
  }

  absl::StatusOr<int64_t> CountAutonomousRuns(absl::string_view tenant_id,
                                              absl::string_view action,
                                              absl::Time since) override {
    Statement& s = *st_.count_autonomous;
    ResetOnExit reset(s);
    s.Bind(1, tenant_id).Bind(2, action).Bind(3, absl::ToUnixMicros(since));
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    return row ? s.ColumnInt(0) : 0;
  }

  absl::StatusOr<int64_t> InsertDecision(const DecisionRow& row) override {
    Statement& s = *st_.insert_decision;
    ResetOnExit reset(s);
    s.Bind(1, row.breach_id)
        .Bind(2, row.incident_id)
        .Bind(3, row.tenant_id)
        .Bind(4, row.policy_version)
        .Bind(5, absl::ToUnixMicros(row.decided_at))
        .Bind(6, row.matched_rules)
        .Bind(7, row.narrative);
    RIPOSTE_RETURN_IF_ERROR(s.Run());
    return store_.writer_->LastInsertRowId();
  }

  absl::StatusOr<int64_t> InsertActionRun(const ActionRunRow& r) override {
    Statement& s = *st_.insert_run;
    ResetOnExit reset(s);
    s.Bind(1, r.decision_id)
        .Bind(2, r.incident_id)
        .Bind(3, r.tenant_id)
        .Bind(4, r.action)
        .Bind(5, r.target_kind)
        .Bind(6, r.target_key)
        .BindBlob(7, r.target)
        .Bind(8, runs::RunStateName(r.state))
        .Bind(9, r.rule)
        .Bind(10, r.rung)
        .Bind(11, r.rule_mode)
        .Bind(12, static_cast<int64_t>(r.autonomous ? 1 : 0))
        .Bind(13, absl::ToInt64Seconds(r.duration));
    if (r.approval_deadline.has_value()) {
      s.Bind(14, absl::ToUnixMicros(*r.approval_deadline));
    } else {
      s.BindNull(14);
    }
    s.Bind(15, r.on_approval_expiry)
        .Bind(16, static_cast<int64_t>(r.two_person ? 1 : 0))
        .Bind(17, r.gates)
        .Bind(18, r.idempotency_key)
        .Bind(19, absl::ToUnixMicros(r.created_at))
        .Bind(20, absl::ToUnixMicros(r.updated_at))
        .Bind(21, static_cast<int64_t>(r.reversible ? 1 : 0));
    RIPOSTE_RETURN_IF_ERROR(s.Run());
    return store_.writer_->LastInsertRowId();
  }

  absl::StatusOr<std::optional<ActionRunRow>> ClaimDueRun(
      absl::string_view holder, absl::Time now,
      absl::Time lease_until) override {
    std::optional<ActionRunRow> run;
    {
      Statement& s = *st_.find_due;
      ResetOnExit reset(s);
      s.Bind(1, absl::ToUnixMicros(now));
      RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return run;
      run = ReadRun(s);
    }
    // Applying leads to running; an active run past expiry, or a reverting
    // one taken over, is reverted.
    run->claimed_from = run->state;
    run->state = runs::ClaimedState(run->state);
    run->lease_holder = std::string(holder);
    run->lease_expires = lease_until;
    run->fence += 1;
    run->attempts += 1;
    if (!run->first_attempt_at.has_value()) run->first_attempt_at = now;
    run->updated_at = now;
    Statement& u = *st_.claim_run;
    ResetOnExit reset(u);
    u.Bind(1, runs::RunStateName(run->state))
        .Bind(2, run->lease_holder)
        .Bind(3, absl::ToUnixMicros(lease_until))
        .Bind(4, run->fence)
        .Bind(5, run->attempts)
        .Bind(6, absl::ToUnixMicros(*run->first_attempt_at))
        .Bind(7, absl::ToUnixMicros(now))
        .Bind(8, run->id);
    RIPOSTE_RETURN_IF_ERROR(u.Run());
    return run;
  }

  absl::Status UpdateLeasedRun(const RunUpdate& up) override {
    Statement& u = *st_.update_run;
    ResetOnExit reset(u);
    u.Bind(1, runs::RunStateName(up.state))
        .Bind(2, absl::ToUnixMicros(std::max(up.not_before,
                                             absl::UnixEpoch())))
        .Bind(3, up.last_error);
    if (up.memo.has_value()) {
      u.Bind(4, *up.memo);
    } else {
      u.BindNull(4);
    }
    if (up.expires_at.has_value()) {
      u.Bind(5, absl::ToUnixMicros(*up.expires_at));
    } else {
      u.BindNull(5);
    }
    if (up.effect_at.has_value()) {
      u.Bind(6, absl::ToUnixMicros(*up.effect_at));
    } else {
      u.BindNull(6);
    }
    u.Bind(7, static_cast<int64_t>(up.refund_attempt ? 1 : 0))
        .Bind(8, absl::ToUnixMicros(up.now))
        .Bind(9, up.id)
        .Bind(10, up.fence);
    if (up.outcome.has_value()) {
      u.Bind(11, *up.outcome).Bind(12, up.outcome_note);
    } else {
      u.BindNull(11).BindNull(12);
    }
    if (up.reversible.has_value()) {
      u.Bind(13, static_cast<int64_t>(*up.reversible ? 1 : 0));
    } else {
      u.BindNull(13);
    }
    RIPOSTE_RETURN_IF_ERROR(u.Run());
    if (sqlite3_changes(store_.writer_->raw()) != 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", up.id, ": lease lost (fence ", up.fence, " is stale)"));
    }
    return absl::OkStatus();
  }

  absl::Status CheckpointRunMemo(int64_t id, int64_t fence,
                                 absl::string_view memo) override {
    Statement& u = *st_.checkpoint_memo;
    ResetOnExit reset(u);
    u.Bind(1, memo).Bind(2, id).Bind(3, fence);
    RIPOSTE_RETURN_IF_ERROR(u.Run());
    if (sqlite3_changes(store_.writer_->raw()) != 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", id, ": lease lost (fence ", fence, " is stale)"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<absl::Time>> NextDueTime(absl::Time) override {
    Statement& s = *st_.next_due;
    ResetOnExit reset(s);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row || s.ColumnIsNull(0)) return std::optional<absl::Time>();
    return std::optional<absl::Time>(absl::FromUnixMicros(s.ColumnInt(0)));
  }

  absl::StatusOr<int64_t> ReleaseForeignLeases(absl::string_view holder,
                                               absl::Time now) override {
    Statement& s = *st_.release_foreign;
    ResetOnExit reset(s);
    s.Bind(1, absl::ToUnixMicros(now)).Bind(2, holder);
    RIPOSTE_RETURN_IF_ERROR(s.Run());
    return static_cast<int64_t>(sqlite3_changes(store_.writer_->raw()));
  }

  absl::StatusOr<std::optional<DecisionRow>> GetDecision(int64_t id) override {
    Statement& s = *st_.get_decision;
    ResetOnExit reset(s);
    s.Bind(1, id);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<DecisionRow>();
    return std::optional<DecisionRow>(ReadDecision(s));
  }

  absl::StatusOr<std::optional<ActionRunRow>> GetRun(int64_t id) override {
    Statement& s = *st_.get_run;
    ResetOnExit reset(s);
    s.Bind(1, id);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<ActionRunRow>();
    return std::optional<ActionRunRow>(ReadRun(s));
  }

  absl::Status UpdateRunForOperator(const OperatorRunUpdate& up) override {
    Statement& u = *st_.operator_update;
    ResetOnExit reset(u);
    u.Bind(1, runs::RunStateName(up.state));
    if (up.expires_at.has_value()) {
      u.Bind(2, absl::ToUnixMicros(*up.expires_at));
    } else {
      u.BindNull(2);
    }
    if (up.approval_deadline.has_value()) {
      u.Bind(3, absl::ToUnixMicros(*up.approval_deadline));
    } else {
      u.BindNull(3);
    }
    u.Bind(4, up.approvers)
        .Bind(5, static_cast<int64_t>(up.escalated ? 1 : 0))
        .Bind(6, absl::ToUnixMicros(std::max(up.not_before, absl::UnixEpoch())))
        .Bind(7, static_cast<int64_t>(up.reset_attempts ? 1 : 0))
        .Bind(8, absl::ToUnixMicros(up.now))
        .Bind(9, up.id)
        .Bind(10, runs::RunStateName(up.expected_state));
    RIPOSTE_RETURN_IF_ERROR(u.Run());
    if (sqlite3_changes(store_.writer_->raw()) != 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", up.id, " changed meanwhile (no longer ",
          runs::RunStateName(up.expected_state),
          ", or being worked on); look at it again"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ActionRunRow>> ListExpiredApprovals(
      absl::Time now) override {
    Statement& s = *st_.expired_approvals;
    ResetOnExit reset(s);
    s.Bind(1, absl::ToUnixMicros(now));
    return ReadRuns(s);
  }

  absl::StatusOr<std::optional<std::string>> GetSetting(
      absl::string_view key) override {
    Statement& s = *st_.get_setting;
    ResetOnExit reset(s);
    s.Bind(1, key);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(s.ColumnText(0));
  }

  absl::Status PutSetting(absl::string_view key,
                          absl::string_view value) override {
    Statement& s = *st_.put_setting;
    ResetOnExit reset(s);
    s.Bind(1, key).Bind(2, value);
    return s.Run();
  }

  absl::StatusOr<audit::AuditRecord> AppendAudit(
      const audit::AuditEvent& event) override {
    audit::AuditRecord r;
    r.time = store_.clock_->Now();
    r.event = event;
    if (r.event.details.empty()) r.event.details = "{}";
    audit::Seal(store_.tip_seq_, store_.tip_hash_, r);
    Statement& s = *st_.insert_audit;
    ResetOnExit reset(s);
    s.Bind(1, r.seq)
        .Bind(2, absl::ToUnixMicros(r.time))
        .Bind(3, r.event.actor)
        .Bind(4, r.event.event)
        .Bind(5, r.event.subject)
        .Bind(6, r.event.details)
        .Bind(7, r.event.policy_version)
        .Bind(8, r.prev_hash)
        .Bind(9, r.hash);
    RIPOSTE_RETURN_IF_ERROR(s.Run());
    store_.tip_seq_ = r.seq;
    store_.tip_hash_ = r.hash;
    return r;
  }

  absl::StatusOr<PruneResult> PruneIncidents(
      const PruneRequest& request) override {
    PruneResult result;
    std::set<int64_t> newest;
    {
      Statement& s = *st_.prune_newest;
      ResetOnExit reset(s);
      RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
      for (int col = 0; row && col < 4; ++col) {
        if (!s.ColumnIsNull(col)) newest.insert(s.ColumnInt(col));
      }
    }
    std::vector<int64_t> removable;
    int64_t scanned = 0;
    {
      Statement& s = *st_.prune_scan;
      ResetOnExit reset(s);
      s.Bind(1, request.after_id)
          .Bind(2, absl::ToUnixMicros(request.activity_before))
          .Bind(3, absl::ToUnixMicros(request.runs_changed_before))
          .Bind(4, request.limit);
      while (true) {
        RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        ++scanned;
        result.last_id = s.ColumnInt(0);
        if (s.ColumnInt(1) != 0 && newest.count(result.last_id) == 0) {
          removable.push_back(result.last_id);
        }
      }
    }
    result.done = scanned < request.limit;
    if (result.last_id == 0) result.last_id = request.after_id;
    auto remove = [&](Statement& s, int64_t id, int64_t* count) {
      ResetOnExit reset(s);
      s.Bind(1, id);
      absl::Status status = s.Run();
      if (status.ok() && count != nullptr) {
        *count += sqlite3_changes(store_.writer_->raw());
      }
      return status;
    };
    // Children first: runs name decisions, and everything names the
    // incident.
    for (int64_t id : removable) {
      RIPOSTE_RETURN_IF_ERROR(remove(*st_.delete_runs, id, &result.runs));
      RIPOSTE_RETURN_IF_ERROR(
          remove(*st_.delete_decisions, id, &result.decisions));
      RIPOSTE_RETURN_IF_ERROR(
          remove(*st_.delete_breaches, id, &result.breaches));
      RIPOSTE_RETURN_IF_ERROR(remove(*st_.delete_steps, id, nullptr));
      RIPOSTE_RETURN_IF_ERROR(
          remove(*st_.delete_incident, id, &result.incidents));
    }
    return result;
  }

  absl::StatusOr<int64_t> CountStoredRows(
      const audit::AuditedRows& rows) override {
    int64_t stored = 0;
    auto count = [&](Statement& s, int64_t id) -> absl::Status {
      ResetOnExit reset(s);
      s.Bind(1, id);
      RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
      stored += row ? 1 : 0;
      return absl::OkStatus();
    };
    for (int64_t id : rows.breach_ids) {
      RIPOSTE_RETURN_IF_ERROR(count(*st_.breach_exists, id));
    }
    for (int64_t id : rows.decision_ids) {
      RIPOSTE_RETURN_IF_ERROR(count(*st_.decision_exists, id));
    }
    for (const audit::AuditedRows::Run& run : rows.runs) {
      RIPOSTE_RETURN_IF_ERROR(count(*st_.run_exists, run.id));
    }
    return stored;
  }

  absl::Status RemoveArchivedAudit(const audit::ChainBase& base) override {
    {
      Statement& s = *st_.audit_hash;
      ResetOnExit reset(s);
      s.Bind(1, base.seq);
      RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row || s.ColumnText(0) != base.hash) {
        return absl::FailedPreconditionError(absl::StrCat(
            "audit record ", base.seq, " is not stored with hash ", base.hash));
      }
    }
    if (base.seq >= store_.tip_seq_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "audit record ", base.seq, " is the head of the chain; it stays"));
    }
    Statement& d = *st_.delete_audit;
    ResetOnExit reset(d);
    d.Bind(1, base.seq);
    RIPOSTE_RETURN_IF_ERROR(d.Run());
    return PutSetting(kAuditBaseKey, absl::StrCat(base.seq, " ", base.hash));
  }

  absl::StatusOr<int64_t> ReclaimSpace(int64_t max_pages) override {
    int64_t free_pages = 0;
    {
      RIPOSTE_ASSIGN_OR_RETURN(auto s,
                               store_.writer_->Prepare("PRAGMA freelist_count"));
      RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
      if (row) free_pages = s->ColumnInt(0);
    }
    RIPOSTE_ASSIGN_OR_RETURN(
        auto s, store_.writer_->Prepare(absl::StrCat(
                    "PRAGMA incremental_vacuum(", std::max<int64_t>(max_pages, 1),
                    ")")));
    while (true) {
      RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
    }
    return free_pages;
  }

 private:
  static absl::StatusOr<std::vector<ActionRunRow>> ReadRuns(Statement& s) {
    return ReadAll<ActionRunRow>(s, ReadRun);
  }

  SqliteStore& store_;
  Statements& st_;
};

SqliteStore::SqliteStore(SqliteStoreOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const SqliteStoreOptions& options, Clock* clock) {
  if (options.max_batch < 1) {
    return absl::InvalidArgumentError("store: max_batch must be at least 1");
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(options, clock));
  RIPOSTE_RETURN_IF_ERROR(store->Init());
  return store;
}

absl::Status SqliteStore::Init() {
  const std::string& path = options_.path;
  if (!options_.read_only) {
    const std::string lock_path = path + ".lock";
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0) {
      return absl::UnavailableError(absl::StrCat(
          "store: cannot open ", lock_path, ": ", std::strerror(errno)));
    }
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store: ", path, " is in use by another process (", lock_path,
          " is locked)"));
    }
  }
  RIPOSTE_ASSIGN_OR_RETURN(writer_, Database::Open(path, options_.read_only));
  if (!options_.read_only) {
    // WAL lets readers run beside the writer; FULL syncs the WAL at every
    // commit, which is what makes an acknowledged write durable. Switching
    // to WAL writes the header, so it is done only once: a store opened on
    // a full disk must not need a write. auto_vacuum first: it only takes
    // effect on a file that has nothing in it yet (a new store); a made one
    // is switched by a VACUUM, if asked (EnableIncrementalVacuum).
    {
      // Only a file with nothing in it yet takes the mode (and asking on a
      // made one may write): ask only then.
      RIPOSTE_ASSIGN_OR_RETURN(auto pages, writer_->Prepare("PRAGMA page_count"));
      RIPOSTE_ASSIGN_OR_RETURN(bool row, pages->Step());
      const bool empty = row && pages->ColumnInt(0) == 0;
      pages.reset();
      if (empty) {
        RIPOSTE_RETURN_IF_ERROR(
            writer_->Exec("PRAGMA auto_vacuum = INCREMENTAL;"));
      }
    }
    RIPOSTE_RETURN_IF_ERROR(writer_->Exec(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=5000; PRAGMA cache_size=-32768;"));
    {
      RIPOSTE_ASSIGN_OR_RETURN(auto mode, writer_->Prepare("PRAGMA journal_mode"));
      RIPOSTE_ASSIGN_OR_RETURN(bool row, mode->Step());
      if (!row || mode->ColumnText(0) != "wal") {
        mode.reset();
        RIPOSTE_RETURN_IF_ERROR(writer_->Exec("PRAGMA journal_mode=WAL;"));
      }
    }
    // Keep the -wal and -shm files when the store closes, so the next start
    // needs no new file space (a full disk would refuse the -shm file).
    int persist_wal = 1;
    sqlite3_file_control(writer_->raw(), "main", SQLITE_FCNTL_PERSIST_WAL,
                         &persist_wal);
    RIPOSTE_RETURN_IF_ERROR(Migrate());
    EnableIncrementalVacuum();
  }
  {
    RIPOSTE_ASSIGN_OR_RETURN(auto s, writer_->Prepare("PRAGMA user_version"));
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    int version = row ? static_cast<int>(s->ColumnInt(0)) : 0;
    if (version != kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store: ", path, " has schema version ", version,
          "; this build needs ", kSchemaVersion));
    }
  }
  RIPOSTE_ASSIGN_OR_RETURN(auto reader, Database::Open(path, true));
  RIPOSTE_RETURN_IF_ERROR(reader->Exec("PRAGMA busy_timeout=5000;"));
  {
    absl::MutexLock lock(&read_mu_);
    reader_ = std::move(reader);
  }
  if (options_.read_only) {
    absl::MutexLock lock(&mu_);
    closing_ = true;
    return absl::OkStatus();
  }

  stmts_ = std::make_unique<Statements>();
  Statements& st = *stmts_;
  auto prepare = [&](std::unique_ptr<Statement>& out,
                     std::string sql) -> absl::Status {
    RIPOSTE_ASSIGN_OR_RETURN(out, writer_->Prepare(sql));
    return absl::OkStatus();
  };
  RIPOSTE_RETURN_IF_ERROR(prepare(st.begin, "BEGIN IMMEDIATE"));
  RIPOSTE_RETURN_IF_ERROR(prepare(st.commit, "COMMIT"));
  RIPOSTE_RETURN_IF_ERROR(prepare(st.rollback, "ROLLBACK"));
  RIPOSTE_RETURN_IF_ERROR(prepare(st.savepoint, "SAVEPOINT unit"));
  RIPOSTE_RETURN_IF_ERROR(prepare(st.release, "RELEASE unit"));
  RIPOSTE_RETURN_IF_ERROR(prepare(st.rollback_to, "ROLLBACK TO unit"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.find_breach,
      absl::StrCat("SELECT ", kBreachColumns,
                   " FROM breaches WHERE detector_id = ? AND breach_id = ?")));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.insert_breach,
      "INSERT INTO breaches (id, detector_id, breach_id, tenant_id, "
      "subject_key, model_name, score, observed_us, received_us, "
      "incident_id, payload, payload_digest, outcome, corroborates) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.find_incident,
      absl::StrCat("SELECT ", kIncidentColumns,
                   " FROM incidents WHERE tenant_id = ? AND subject_key = ? "
                   "ORDER BY last_seen_us DESC, id DESC LIMIT 1")));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.insert_incident,
      "INSERT INTO incidents (tenant_id, subject_key, subject_kind, "
      "first_seen_us, last_seen_us, breach_count, corroborations) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.update_incident,
      "UPDATE incidents SET first_seen_us = ?, last_seen_us = ?, "
      "breach_count = ?, corroborations = ? WHERE id = ?"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.breaches_observed,
      absl::StrCat("SELECT ", kBreachColumns,
                   " FROM breaches WHERE incident_id = ? AND observed_us "
                   "BETWEEN ? AND ? ORDER BY id LIMIT ?")));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.get_steps,
      "SELECT run_ids FROM incident_steps WHERE incident_id = ? AND "
      "target_key = ?"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.put_steps,
      "INSERT INTO incident_steps (incident_id, target_key, run_ids) "
      "VALUES (?, ?, ?) ON CONFLICT (incident_id, target_key) DO UPDATE "
      "SET run_ids = excluded.run_ids"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.count_autonomous,
      "SELECT COUNT(*) FROM action_runs WHERE tenant_id = ? AND action = ? "
      "AND autonomous = 1 AND created_us >= ?"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.insert_decision,
      "INSERT INTO decisions (breach_id, incident_id, tenant_id, "
      "policy_version, decided_us, matched_rules, narrative) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.insert_run,
      "INSERT INTO action_runs (decision_id, incident_id, tenant_id, action, "
      "target_kind, target_key, target, state, rule, rung, rule_mode, "
      "autonomous, duration_s, approval_deadline_us, on_approval_expiry, "
      "two_person, gates, idempotency_key, created_us, updated_us, "
      "reversible) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.get_setting, "SELECT value FROM settings WHERE key = ?"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.find_due, absl::StrCat("SELECT ", kRunColumns,
                                " FROM action_runs WHERE ", kDueCondition,
                                " ORDER BY not_before_us, id LIMIT 1")));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.claim_run,
      "UPDATE action_runs SET state = ?, lease_holder = ?, "
      "lease_expires_us = ?, fence = ?, attempts = ?, first_attempt_us = ?, "
      "updated_us = ? WHERE id = ?"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.update_run,
      "UPDATE action_runs SET state = ?1, not_before_us = ?2, "
      "last_error = ?3, memo = COALESCE(?4, memo), "
      "expires_at_us = COALESCE(?5, expires_at_us), "
      "effect_us = COALESCE(?6, effect_us), attempts = attempts - ?7, "
      "lease_holder = '', lease_expires_us = 0, updated_us = ?8, "
      "outcome = COALESCE(?11, outcome), "
      "outcome_note = COALESCE(?12, outcome_note), "
      "reversible = COALESCE(?13, reversible) "
      "WHERE id = ?9 AND fence = ?10"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.next_due,
      "SELECT MIN(CASE WHEN state = 'active' THEN MAX(expires_at_us, "
      "not_before_us) WHEN state IN ('running', 'reverting') THEN "
      "MAX(lease_expires_us, not_before_us) ELSE not_before_us END) FROM "
      "action_runs WHERE (state = 'proposed' AND autonomous = 1) OR state IN "
      "('queued', 'approved', 'running', 'reverting') OR (state = 'active' "
      "AND expires_at_us IS NOT NULL)"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.release_foreign,
      "UPDATE action_runs SET lease_expires_us = ?1 WHERE lease_holder != '' "
      "AND lease_holder != ?2 AND lease_expires_us > ?1"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.operator_update,
      "UPDATE action_runs SET state = ?1, expires_at_us = ?2, "
      "approval_deadline_us = ?3, approvers = ?4, escalated = ?5, "
      "not_before_us = ?6, attempts = CASE WHEN ?7 = 1 THEN 0 ELSE attempts "
      "END, first_attempt_us = CASE WHEN ?7 = 1 THEN NULL ELSE "
      "first_attempt_us END, updated_us = ?8 WHERE id = ?9 AND state = ?10 "
      "AND lease_holder = ''"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.expired_approvals,
      absl::StrCat("SELECT ", kRunColumns,
                   " FROM action_runs WHERE state = 'awaiting_approval' AND "
                   "approval_deadline_us IS NOT NULL AND "
                   "approval_deadline_us <= ? ORDER BY id")));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.checkpoint_memo,
      "UPDATE action_runs SET memo = ? WHERE id = ? AND fence = ?"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.get_run,
      absl::StrCat("SELECT ", kRunColumns, " FROM action_runs WHERE id = ?")));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.get_decision,
      absl::StrCat("SELECT ", kDecisionColumns, " FROM decisions WHERE id = ?")));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.put_setting,
      "INSERT INTO settings (key, value) VALUES (?, ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.insert_audit,
      absl::StrCat("INSERT INTO audit_log (", kAuditColumns,
                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.prune_newest,
      "SELECT (SELECT MAX(id) FROM incidents), "
      "(SELECT incident_id FROM breaches ORDER BY id DESC LIMIT 1), "
      "(SELECT incident_id FROM decisions ORDER BY id DESC LIMIT 1), "
      "(SELECT incident_id FROM action_runs ORDER BY id DESC LIMIT 1)"));
  RIPOSTE_RETURN_IF_ERROR(prepare(
      st.prune_scan,
      absl::StrCat(
          // Cheapest first: the incident row, its runs (few), its breaches
          // (possibly many; only for incidents that pass the rest).
          "SELECT i.id, i.last_seen_us < ?2 AND NOT EXISTS (SELECT 1 FROM "
          "action_runs r WHERE r.incident_id = i.id AND (r.state NOT IN (",
          FinalStateList(),
          ") OR r.updated_us >= ?3)) AND NOT EXISTS (SELECT 1 FROM breaches b "
          "WHERE b.incident_id = i.id AND (b.observed_us >= ?2 OR "
          "b.received_us >= ?2)) FROM incidents i WHERE i.id > ?1 ORDER BY "
          "i.id LIMIT ?4")));
  // Retention: one row or one incident's rows at a time.
  const std::pair<std::unique_ptr<Statement>*, const char*> retention[] = {
      {&st.delete_runs, "DELETE FROM action_runs WHERE incident_id = ?"},
      {&st.delete_decisions, "DELETE FROM decisions WHERE incident_id = ?"},
      {&st.delete_breaches, "DELETE FROM breaches WHERE incident_id = ?"},
      {&st.delete_steps, "DELETE FROM incident_steps WHERE incident_id = ?"},
      {&st.delete_incident, "DELETE FROM incidents WHERE id = ?"},
      {&st.breach_exists, "SELECT 1 FROM breaches WHERE id = ?"},
      {&st.decision_exists, "SELECT 1 FROM decisions WHERE id = ?"},
      {&st.run_exists, "SELECT 1 FROM action_runs WHERE id = ?"},
      {&st.audit_hash, "SELECT hash FROM audit_log WHERE seq = ?"},
      {&st.delete_audit, "DELETE FROM audit_log WHERE seq <= ?"},
  };
  for (const auto& [out, sql] : retention) {
    RIPOSTE_RETURN_IF_ERROR(prepare(*out, sql));
  }
  RIPOSTE_RETURN_IF_ERROR(LoadChainTip());
  writer_thread_ = std::thread([this] { WriterLoop(); });
  notifier_thread_ = std::thread([this] { NotifierLoop(); });
  return absl::OkStatus();
}

absl::Status SqliteStore::Migrate() {
  RIPOSTE_ASSIGN_OR_RETURN(auto s, writer_->Prepare("PRAGMA user_version"));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  int version = row ? static_cast<int>(s->ColumnInt(0)) : 0;
  s.reset();
  constexpr int kKnown = sizeof(kMigrations) / sizeof(kMigrations[0]);
  static_assert(kKnown == kSchemaVersion, "one migration per version");
  if (version > kKnown) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store: ", options_.path, " has schema version ", version,
        ", newer than this build supports (", kKnown,
        "); run a newer riposted"));
  }
  for (int v = version; v < kKnown; ++v) {
    RIPOSTE_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
    absl::Status st = writer_->Exec(kMigrations[v]);
    if (st.ok()) {
      st = writer_->Exec(absl::StrCat("PRAGMA user_version = ", v + 1));
    }
    if (st.ok()) st = writer_->Exec("COMMIT");
    if (!st.ok()) {
      writer_->Exec("ROLLBACK").IgnoreError();
      return absl::Status(st.code(),
                          absl::StrCat("store: migrating to schema ", v + 1,
                                       ": ", st.message()));
    }
  }
  return absl::OkStatus();
}

void SqliteStore::EnableIncrementalVacuum() {
  auto mode = [this]() -> int64_t {
    auto s = writer_->Prepare("PRAGMA auto_vacuum");
    if (!s.ok()) return -1;
    auto row = (*s)->Step();
    return row.ok() && *row ? (*s)->ColumnInt(0) : -1;
  };
  if (mode() == 2 || !options_.switch_to_incremental_vacuum) return;
  log::Info("store: switching to incremental vacuum (one VACUUM of the file)",
            {{"path", options_.path}});
  absl::Status st = writer_->Exec("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;");
  if (!st.ok()) {
    log::Warn("store: cannot switch to incremental vacuum; freed pages will "
              "be reused but not returned to the file system",
              {{"path", options_.path}, {"error", st}});
  }
}

absl::Status SqliteStore::LoadChainTip() {
  {
    RIPOSTE_ASSIGN_OR_RETURN(
        auto s, writer_->Prepare("SELECT COALESCE(MAX(id), 0) FROM breaches"));
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    next_breach_id_ = (row ? s->ColumnInt(0) : 0) + 1;
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s,
      writer_->Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC "
                       "LIMIT 1"));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  if (row) {
    tip_seq_ = s->ColumnInt(0);
    tip_hash_ = s->ColumnText(1);
  } else {
    tip_seq_ = 0;
    tip_hash_ = std::string(audit::kGenesisHash);
  }
  return absl::OkStatus();
}

SqliteStore::~SqliteStore() { Close(); }

void SqliteStore::Execute(Work work, Done done) {
  {
    absl::MutexLock lock(&mu_);
    if (!closing_) {
      queue_.push_back(Pending{std::move(work), std::move(done)});
      return;
    }
  }
  done(options_.read_only
           ? absl::FailedPreconditionError("store: opened read-only")
           : absl::UnavailableError("store: closed"));
}

void SqliteStore::WriterLoop() {
  pthread_setname_np(pthread_self(), "store-writer");
  while (true) {
    std::deque<Pending> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](SqliteStore* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) {
            return !s->queue_.empty() || s->closing_;
          },
          this));
      if (queue_.empty()) {  // closing and drained
        writer_exited_ = true;
        return;
      }
      while (!queue_.empty() &&
             static_cast<int64_t>(batch.size()) < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
  }
}

void SqliteStore::CommitBatch(std::deque<Pending>& batch) {
  Statements& st = *stmts_;
  std::vector<absl::Status> results(batch.size());
  auto run = [](Statement& s) {
    absl::Status status = s.Run();
    s.Reset();
    return status;
  };

  const int64_t saved_seq = tip_seq_;
  const std::string saved_hash = tip_hash_;
  absl::Status txn_status = run(*st.begin);
  if (txn_status.ok()) {
    Txn txn(*this);
    for (size_t i = 0; i < batch.size(); ++i) {
      const int64_t unit_seq = tip_seq_;
      const std::string unit_hash = tip_hash_;
      absl::Status s = run(*st.savepoint);
      if (s.ok()) s = batch[i].work(txn);
      if (s.ok()) {
        s = run(*st.release);
      } else {
        // Undo this unit only; the chain tip goes back with it.
        absl::Status undo = run(*st.rollback_to);
        if (undo.ok()) undo = run(*st.release);
        tip_seq_ = unit_seq;
        tip_hash_ = unit_hash;
        if (!undo.ok()) {
          txn_status = undo;
          break;
        }
      }
      results[i] = std::move(s);
    }
    if (txn_status.ok()) txn_status = run(*st.commit);
    if (!txn_status.ok()) run(*st.rollback).IgnoreError();
  }
  if (!txn_status.ok()) {
    // Nothing of this batch is durable.
    tip_seq_ = saved_seq;
    tip_hash_ = saved_hash;
    absl::Status failed = absl::UnavailableError(
        absl::StrCat("store: commit failed: ", txn_status.message()));
    txn_status.ForEachPayload(
        [&failed](absl::string_view type, const absl::Cord& payload) {
          failed.SetPayload(type, payload);
        });
    for (auto& r : results) r = failed;
    if (options_.on_storage_failure &&
        ClassifyStorageFailure(failed) != StorageFailure::kNone) {
      options_.on_storage_failure(failed);
    }
  } else if (options_.on_storage_failure) {
    for (const auto& r : results) {
      if (ClassifyStorageFailure(r) != StorageFailure::kNone) {
        options_.on_storage_failure(r);
      }
    }
  }
  int64_t ok_units = 0;
  for (const auto& r : results) ok_units += r.ok() ? 1 : 0;
  Outcomes outcomes;
  outcomes.done.reserve(batch.size());
  for (auto& p : batch) outcomes.done.push_back(std::move(p.done));
  outcomes.status = std::move(results);
  absl::MutexLock lock(&mu_);
  if (txn_status.ok()) ++commits_;
  committed_units_ += ok_units;
  outcomes_.push_back(std::move(outcomes));
}

void SqliteStore::NotifierLoop() {
  pthread_setname_np(pthread_self(), "store-notify");
  while (true) {
    Outcomes next;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](SqliteStore* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) {
            return !s->outcomes_.empty() || s->writer_exited_;
          },
          this));
      if (outcomes_.empty()) return;  // the writer is gone and all is told
      next = std::move(outcomes_.front());
      outcomes_.pop_front();
    }
    for (size_t i = 0; i < next.done.size(); ++i) {
      next.done[i](std::move(next.status[i]));
    }
  }
}

void SqliteStore::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closing_ = true;
    closed_ = true;
  }
  if (writer_thread_.joinable()) writer_thread_.join();
  if (notifier_thread_.joinable()) notifier_thread_.join();
  {
    absl::MutexLock lock(&read_mu_);
    reader_.reset();
  }
  stmts_.reset();
  if (writer_ != nullptr && !options_.read_only) {
    // Fold the WAL back into the main file so a clean stop leaves one file.
    writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE);").IgnoreError();
  }
  writer_.reset();
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
}

absl::StatusOr<std::vector<audit::AuditRecord>> SqliteStore::ReadAudit(
    int64_t after_seq, int64_t limit) {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, reader_->Prepare(absl::StrCat(
                  "SELECT ", kAuditColumns,
                  " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")));
  s->Bind(1, after_seq).Bind(2, limit);
  return ReadAll<audit::AuditRecord>(*s, ReadAuditRecord);
}

absl::StatusOr<audit::ChainBase> SqliteStore::ReadAuditBase() {
  RIPOSTE_ASSIGN_OR_RETURN(std::optional<std::string> value,
                           ReadSetting(kAuditBaseKey));
  return ParseAuditBase(value);
}

absl::StatusOr<audit::VerifyResult> SqliteStore::VerifyAudit() {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  // The base and the records in one read transaction, so an archive pass
  // between them cannot make the chain look cut.
  RIPOSTE_RETURN_IF_ERROR(reader_->Exec("BEGIN"));
  struct EndRead {
    Database* db;
    ~EndRead() { db->Exec("COMMIT").IgnoreError(); }
  } end_read{reader_.get()};
  std::optional<std::string> base_value;
  {
    RIPOSTE_ASSIGN_OR_RETURN(
        auto b, reader_->Prepare("SELECT value FROM settings WHERE key = ?"));
    b->Bind(1, kAuditBaseKey);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, b->Step());
    if (row) base_value = b->ColumnText(0);
  }
  RIPOSTE_ASSIGN_OR_RETURN(audit::ChainBase base, ParseAuditBase(base_value));
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, reader_->Prepare(absl::StrCat("SELECT ", kAuditColumns,
                                            " FROM audit_log ORDER BY seq")));
  audit::ChainVerifier verifier(base);
  while (true) {
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (!verifier.Add(ReadAuditRecord(*s))) break;
  }
  return verifier.result();
}

absl::StatusOr<audit::AuditedRows> SqliteStore::ListAuditedRows() {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  audit::AuditedRows rows;
  for (auto [table, ids] : {std::pair{"breaches", &rows.breach_ids},
                            std::pair{"decisions", &rows.decision_ids}}) {
    RIPOSTE_ASSIGN_OR_RETURN(
        auto s,
        reader_->Prepare(absl::StrCat("SELECT id FROM ", table, " ORDER BY id")));
    while (true) {
      RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      ids->push_back(s->ColumnInt(0));
    }
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, reader_->Prepare("SELECT id, state FROM action_runs ORDER BY id"));
  while (true) {
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    rows.runs.push_back({s->ColumnInt(0), s->ColumnText(1)});
  }
  return rows;
}

absl::StatusOr<std::optional<BreachRow>> SqliteStore::GetBreach(
    absl::string_view detector_id, absl::string_view breach_id) {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s,
      reader_->Prepare(absl::StrCat(
          "SELECT ", kBreachColumns,
          " FROM breaches WHERE detector_id = ? AND breach_id = ?")));
  s->Bind(1, detector_id).Bind(2, breach_id);
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<BreachRow>();
  return std::optional<BreachRow>(ReadBreach(*s));
}

absl::StatusOr<StoreStats> SqliteStore::Stats() {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, reader_->Prepare(
                  "SELECT (SELECT COUNT(*) FROM breaches), "
                  "(SELECT COUNT(*) FROM incidents), "
                  "(SELECT COUNT(*) FROM audit_log), "
                  "(SELECT COUNT(*) FROM decisions), "
                  "(SELECT COUNT(*) FROM action_runs)"));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  StoreStats stats;
  if (row) {
    stats.breaches = s->ColumnInt(0);
    stats.incidents = s->ColumnInt(1);
    stats.audit_records = s->ColumnInt(2);
    stats.decisions = s->ColumnInt(3);
    stats.action_runs = s->ColumnInt(4);
  }
  return stats;
}

absl::StatusOr<std::vector<ActionRunRow>> SqliteStore::ListRuns(
    int64_t limit) {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, reader_->Prepare(absl::StrCat("SELECT ", kRunColumns,
                                            " FROM action_runs ORDER BY id "
                                            "DESC LIMIT ?")));
  s->Bind(1, limit);
  return ReadAll<ActionRunRow>(*s, ReadRun);
}

absl::StatusOr<std::vector<IncidentRow>> SqliteStore::FindIncidents(
    const IncidentFilter& f) {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s,
      reader_->Prepare(
          absl::StrCat("SELECT ", kIncidentColumns,
                       " FROM incidents WHERE (?1 = '' OR "
          "tenant_id = ?1) AND (?2 = '' OR subject_key = ?2) AND "
          "last_seen_us >= ?3 AND last_seen_us < ?4 AND (?5 = 0 OR id < ?5) "
          "ORDER BY id DESC LIMIT ?6")));
  s->Bind(1, f.tenant_id)
      .Bind(2, f.subject_key)
      .Bind(3, f.since == absl::InfinitePast() ? INT64_MIN
                                               : absl::ToUnixMicros(f.since))
      .Bind(4, f.until == absl::InfiniteFuture() ? INT64_MAX
                                                 : absl::ToUnixMicros(f.until))
      .Bind(5, f.before_id)
      .Bind(6, f.limit);
  return ReadAll<IncidentRow>(*s, ReadIncident);
}

absl::StatusOr<std::optional<IncidentRow>> SqliteStore::GetIncident(int64_t id) {
  IncidentFilter f;
  f.before_id = id + 1;
  f.limit = 1;
  RIPOSTE_ASSIGN_OR_RETURN(auto rows, FindIncidents(f));
  if (rows.empty() || rows[0].id != id) return std::optional<IncidentRow>();
  return std::optional<IncidentRow>(rows[0]);
}

absl::StatusOr<std::vector<ActionRunRow>> SqliteStore::FindRuns(
    const RunFilter& f) {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  std::string sql = absl::StrCat(
      "SELECT ", kRunColumns,
      " FROM action_runs WHERE (?1 = '' OR tenant_id = ?1) AND (?2 = '' OR "
      "target_key = ?2) AND (?3 = '' OR action = ?3) AND (?4 = 0 OR "
      "incident_id = ?4) AND created_us >= ?5 AND created_us < ?6 AND (?7 = 0 "
      "OR id < ?7)");
  if (!f.states.empty()) {
    absl::StrAppend(&sql, " AND state IN (");
    for (size_t i = 0; i < f.states.size(); ++i) {
      absl::StrAppend(&sql, i ? ", " : "", "?", 9 + i);
    }
    absl::StrAppend(&sql, ")");
  }
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?8");
  RIPOSTE_ASSIGN_OR_RETURN(auto s, reader_->Prepare(sql));
  s->Bind(1, f.tenant_id)
      .Bind(2, f.target_key)
      .Bind(3, f.action)
      .Bind(4, f.incident_id)
      .Bind(5, f.since == absl::InfinitePast() ? INT64_MIN
                                               : absl::ToUnixMicros(f.since))
      .Bind(6, f.until == absl::InfiniteFuture() ? INT64_MAX
                                                 : absl::ToUnixMicros(f.until))
      .Bind(7, f.before_id)
      .Bind(8, f.limit);
  for (size_t i = 0; i < f.states.size(); ++i) {
    s->Bind(static_cast<int>(9 + i), runs::RunStateName(f.states[i]));
  }
  return ReadAll<ActionRunRow>(*s, ReadRun);
}

absl::StatusOr<std::vector<BreachRow>> SqliteStore::IncidentBreaches(
    int64_t incident_id) {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, reader_->Prepare(absl::StrCat(
                  "SELECT ", kBreachColumns,
                  " FROM breaches WHERE incident_id = ? ORDER BY observed_us, "
                  "id")));
  s->Bind(1, incident_id);
  return ReadAll<BreachRow>(*s, ReadBreach);
}

absl::StatusOr<std::vector<DecisionRow>> SqliteStore::IncidentDecisions(
    int64_t incident_id) {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, reader_->Prepare(
                  absl::StrCat("SELECT ", kDecisionColumns,
                               " FROM decisions WHERE incident_id = ? ORDER "
                               "BY id")));
  s->Bind(1, incident_id);
  return ReadAll<DecisionRow>(*s, ReadDecision);
}

absl::StatusOr<std::optional<std::string>> SqliteStore::ReadSetting(
    absl::string_view key) {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, reader_->Prepare("SELECT value FROM settings WHERE key = ?"));
  s->Bind(1, key);
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s->ColumnText(0));
}

absl::StatusOr<StoreGauges> SqliteStore::Gauges() {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return absl::UnavailableError("store: closed");
  // Each count walks the (state, not_before) index, not the table.
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s,
      reader_->Prepare(
          "SELECT "
          "(SELECT COUNT(*) FROM action_runs WHERE state = 'awaiting_approval'), "
          "(SELECT MIN(created_us) FROM action_runs WHERE state = "
          "'awaiting_approval'), "
          "(SELECT COUNT(*) FROM action_runs WHERE state = 'active'), "
          "(SELECT COUNT(*) FROM action_runs WHERE state IN ('queued', "
          "'approved') OR (state = 'proposed' AND autonomous = 1)), "
          "(SELECT COUNT(*) FROM action_runs WHERE state IN ('running', "
          "'reverting')), "
          "(SELECT COUNT(*) FROM action_runs WHERE state = 'failed'), "
          "(SELECT COALESCE(MAX(seq), 0) FROM audit_log), "
          "(SELECT page_count FROM pragma_page_count()), "
          "(SELECT page_size FROM pragma_page_size()), "
          "(SELECT freelist_count FROM pragma_freelist_count())"));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  StoreGauges g;
  if (row) {
    g.awaiting_approval = s->ColumnInt(0);
    if (!s->ColumnIsNull(1)) g.oldest_awaiting = absl::FromUnixMicros(s->ColumnInt(1));
    g.active = s->ColumnInt(2);
    g.queued = s->ColumnInt(3);
    g.running = s->ColumnInt(4);
    g.failed = s->ColumnInt(5);
    g.audit_head_seq = s->ColumnInt(6);
    g.size_bytes = s->ColumnInt(7) * s->ColumnInt(8);
    g.free_bytes = s->ColumnInt(9) * s->ColumnInt(8);
  }
  struct stat wal;
  if (::stat((options_.path + "-wal").c_str(), &wal) == 0) {
    g.wal_bytes = static_cast<int64_t>(wal.st_size);
  }
  return g;
}

int64_t SqliteStore::CommitCount() const {
  absl::MutexLock lock(&mu_);
  return commits_;
}

int64_t SqliteStore::CommittedUnits() const {
  absl::MutexLock lock(&mu_);
  return committed_units_;
}

}  // namespace riposte::store::sqlite
