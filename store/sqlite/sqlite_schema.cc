#include "store/sqlite/sqlite_schema.h"

#include "absl/strings/str_cat.h"
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
    // 6 -> 7: the OCSF outbox (store/outbox.h).
    R"sql(
CREATE TABLE ocsf_outbox (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  uid       TEXT    NOT NULL UNIQUE,
  class_uid INTEGER NOT NULL,
  time_us   INTEGER NOT NULL,
  event     TEXT    NOT NULL
);
)sql",
};

}  // namespace

absl::StatusOr<int> ReadSchemaVersion(Database& db) {
  RIPOSTE_ASSIGN_OR_RETURN(auto s, db.Prepare("PRAGMA user_version"));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? static_cast<int>(s->ColumnInt(0)) : 0;
}

absl::Status MigrateSchema(Database& db, const std::string& path) {
  RIPOSTE_ASSIGN_OR_RETURN(const int version, ReadSchemaVersion(db));
  constexpr int kKnown = sizeof(kMigrations) / sizeof(kMigrations[0]);
  static_assert(kKnown == kSchemaVersion, "one migration per version");
  if (version > kKnown) {
    return absl::FailedPreconditionError(
        absl::StrCat("store: ", path, " has schema version ", version,
                     ", newer than this build supports (", kKnown,
                     "); run a newer riposted"));
  }
  for (int v = version; v < kKnown; ++v) {
    RIPOSTE_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    absl::Status st = db.Exec(kMigrations[v]);
    if (st.ok()) {
      st = db.Exec(absl::StrCat("PRAGMA user_version = ", v + 1));
    }
    if (st.ok()) st = db.Exec("COMMIT");
    if (!st.ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      return absl::Status(st.code(), absl::StrCat("store: migrating to schema ",
                                                  v + 1, ": ", st.message()));
    }
  }
  return absl::OkStatus();
}

void EnableIncrementalVacuum(Database& db, const std::string& path,
                             bool switch_made_file) {
  auto mode = [&db]() -> int64_t {
    auto s = db.Prepare("PRAGMA auto_vacuum");
    if (!s.ok()) return -1;
    auto row = (*s)->Step();
    return row.ok() && *row ? (*s)->ColumnInt(0) : -1;
  };
  if (mode() == 2 || !switch_made_file) return;
  log::Info("store: switching to incremental vacuum (one VACUUM of the file)",
            {{"path", path}});
  absl::Status st = db.Exec("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;");
  if (!st.ok()) {
    log::Warn(
        "store: cannot switch to incremental vacuum; freed pages will "
        "be reused but not returned to the file system",
        {{"path", path}, {"error", st}});
  }
}

}  // namespace riposte::store::sqlite
