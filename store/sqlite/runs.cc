#include "store/sqlite/runs.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/engine_rules.h"

namespace riposte::store::sqlite {
namespace {


// Columns: kRunColumns.
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
  r.state =
      runs::ParseRunState(s.ColumnText(8)).value_or(runs::RunState::kFailed);
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

absl::StatusOr<std::vector<ActionRunRow>> ReadRuns(Statement& s) {
  return ReadAll<ActionRunRow>(s, ReadRun);
}

int64_t Flag(bool b) { return b ? 1 : 0; }

// Binds `t` at `index`, or NULL when unset.
void BindOptional(Statement& s, int index, const std::optional<absl::Time>& t) {
  if (t.has_value()) {
    s.Bind(index, absl::ToUnixMicros(*t));
  } else {
    s.BindNull(index);
  }
}


}  // namespace

absl::StatusOr<std::optional<ActionRunRow>> Runs::Get(int64_t id) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, get_.Get(db_, [] {
    return absl::StrCat("SELECT ", kRunColumns, " FROM action_runs WHERE id = ?");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, id);
  return ReadOne<ActionRunRow>(*s, ReadRun);
}

absl::StatusOr<int64_t> Runs::Insert(const ActionRunRow& r) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      insert_.Get(
          db_,
          "INSERT INTO action_runs (decision_id, incident_id, tenant_id, "
          "action, target_kind, target_key, target, state, rule, rung, "
          "rule_mode, autonomous, duration_s, approval_deadline_us, "
          "on_approval_expiry, two_person, gates, idempotency_key, "
          "created_us, updated_us, reversible) VALUES "
          "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ResetOnExit reset(*s);
  s->Bind(1, r.decision_id)
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
      .Bind(12, Flag(r.autonomous))
      .Bind(13, absl::ToInt64Seconds(r.duration));
  BindOptional(*s, 14, r.approval_deadline);
  s->Bind(15, r.on_approval_expiry)
      .Bind(16, Flag(r.two_person))
      .Bind(17, r.gates)
      .Bind(18, r.idempotency_key)
      .Bind(19, absl::ToUnixMicros(r.created_at))
      .Bind(20, absl::ToUnixMicros(r.updated_at))
      .Bind(21, Flag(r.reversible));
  RIPOSTE_RETURN_IF_ERROR(s->Run());
  return db_.LastInsertRowId();
}

absl::StatusOr<std::vector<ActionRunRow>> Runs::OnTargets(
    absl::string_view tenant_id, const std::vector<std::string>& target_keys,
    const std::vector<runs::RunState>& states) {
  if (target_keys.empty() || states.empty()) {
    return std::vector<ActionRunRow>();
  }
  // The lists vary in length; the intake asks this for every breach, so
  // the statement for each shape is prepared once and kept.
  CachedStatement& cached = on_targets_[{target_keys.size(), states.size()}];
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, cached.Get(db_, [&] {
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
    return sql;
  }));
  ResetOnExit reset(*s);
  s->Bind(1, tenant_id);
  int param = 2;
  for (const auto& k : target_keys) s->Bind(param++, k);
  for (runs::RunState st : states) s->Bind(param++, runs::RunStateName(st));
  return ReadRuns(*s);
}

absl::StatusOr<int64_t> Runs::CountAutonomous(absl::string_view tenant_id,
                                              absl::string_view action,
                                              absl::Time since) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      count_autonomous_.Get(
          db_,
          "SELECT COUNT(*) FROM action_runs WHERE tenant_id = ? AND "
          "action = ? AND autonomous = 1 AND created_us >= ?"));
  ResetOnExit reset(*s);
  s->Bind(1, tenant_id).Bind(2, action).Bind(3, absl::ToUnixMicros(since));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->ColumnInt(0) : 0;
}

absl::StatusOr<std::optional<ActionRunRow>> Runs::ClaimDue(
    absl::string_view holder, absl::Time now, absl::Time lease_until) {
  std::optional<ActionRunRow> run;
  {
    // A run is due when it is waiting to be applied, its lease has lapsed,
    // or its expiry has passed. ?1 = now.
    RIPOSTE_ASSIGN_OR_RETURN(Statement * s, find_due_.Get(db_, [] {
      return absl::StrCat(
          "SELECT ", kRunColumns,
          " FROM action_runs WHERE ((state = 'proposed' AND autonomous = 1) "
          "OR state IN ('queued', 'approved') OR (state IN ('running', "
          "'reverting') AND lease_expires_us <= ?1) OR (state = 'active' AND "
          "expires_at_us IS NOT NULL AND expires_at_us <= ?1)) AND "
          "not_before_us <= ?1 ORDER BY not_before_us, id LIMIT 1");
    }));
    ResetOnExit reset(*s);
    s->Bind(1, absl::ToUnixMicros(now));
    RIPOSTE_ASSIGN_OR_RETURN(run, ReadOne<ActionRunRow>(*s, ReadRun));
    if (!run.has_value()) return run;
  }
  MarkClaimed(*run, holder, now, lease_until);
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * u,
      claim_.Get(db_,
                 "UPDATE action_runs SET state = ?, lease_holder = ?, "
                 "lease_expires_us = ?, fence = ?, attempts = ?, "
                 "first_attempt_us = ?, updated_us = ? WHERE id = ?"));
  ResetOnExit reset(*u);
  u->Bind(1, runs::RunStateName(run->state))
      .Bind(2, run->lease_holder)
      .Bind(3, absl::ToUnixMicros(lease_until))
      .Bind(4, run->fence)
      .Bind(5, run->attempts)
      .Bind(6, absl::ToUnixMicros(*run->first_attempt_at))
      .Bind(7, absl::ToUnixMicros(now))
      .Bind(8, run->id);
  RIPOSTE_RETURN_IF_ERROR(u->Run());
  return run;
}

absl::Status Runs::UpdateLeased(const RunUpdate& up) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * u,
      update_leased_.Get(
          db_,
          "UPDATE action_runs SET state = ?1, not_before_us = ?2, "
          "last_error = ?3, memo = COALESCE(?4, memo), "
          "expires_at_us = COALESCE(?5, expires_at_us), "
          "effect_us = COALESCE(?6, effect_us), attempts = attempts - ?7, "
          "lease_holder = '', lease_expires_us = 0, updated_us = ?8, "
          "outcome = COALESCE(?11, outcome), "
          "outcome_note = COALESCE(?12, outcome_note), "
          "reversible = COALESCE(?13, reversible) "
          "WHERE id = ?9 AND fence = ?10"));
  ResetOnExit reset(*u);
  u->Bind(1, runs::RunStateName(up.state))
      .Bind(2, absl::ToUnixMicros(std::max(up.not_before, absl::UnixEpoch())))
      .Bind(3, up.last_error);
  if (up.memo.has_value()) {
    u->Bind(4, *up.memo);
  } else {
    u->BindNull(4);
  }
  BindOptional(*u, 5, up.expires_at);
  BindOptional(*u, 6, up.effect_at);
  u->Bind(7, Flag(up.refund_attempt))
      .Bind(8, absl::ToUnixMicros(up.now))
      .Bind(9, up.id)
      .Bind(10, up.fence);
  if (up.outcome.has_value()) {
    u->Bind(11, *up.outcome).Bind(12, up.outcome_note);
  } else {
    u->BindNull(11).BindNull(12);
  }
  if (up.reversible.has_value()) {
    u->Bind(13, Flag(*up.reversible));
  } else {
    u->BindNull(13);
  }
  RIPOSTE_RETURN_IF_ERROR(u->Run());
  if (db_.Changes() != 1) return LeaseLost(up.id, up.fence);
  return absl::OkStatus();
}

absl::Status Runs::CheckpointMemo(int64_t id, int64_t fence,
                                  absl::string_view memo) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * u,
      checkpoint_memo_.Get(
          db_, "UPDATE action_runs SET memo = ? WHERE id = ? AND fence = ?"));
  ResetOnExit reset(*u);
  u->Bind(1, memo).Bind(2, id).Bind(3, fence);
  RIPOSTE_RETURN_IF_ERROR(u->Run());
  if (db_.Changes() != 1) return LeaseLost(id, fence);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<absl::Time>> Runs::NextDueTime() {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      next_due_.Get(
          db_,
          "SELECT MIN(CASE WHEN state = 'active' THEN MAX(expires_at_us, "
          "not_before_us) WHEN state IN ('running', 'reverting') THEN "
          "MAX(lease_expires_us, not_before_us) ELSE not_before_us END) FROM "
          "action_runs WHERE (state = 'proposed' AND autonomous = 1) OR "
          "state IN ('queued', 'approved', 'running', 'reverting') OR "
          "(state = 'active' AND expires_at_us IS NOT NULL)"));
  ResetOnExit reset(*s);
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row || s->ColumnIsNull(0)) return std::optional<absl::Time>();
  return std::optional<absl::Time>(absl::FromUnixMicros(s->ColumnInt(0)));
}

absl::StatusOr<int64_t> Runs::ReleaseForeignLeases(absl::string_view holder,
                                                   absl::Time now) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      release_foreign_.Get(
          db_,
          "UPDATE action_runs SET lease_expires_us = ?1 WHERE lease_holder "
          "!= '' AND lease_holder != ?2 AND lease_expires_us > ?1"));
  ResetOnExit reset(*s);
  s->Bind(1, absl::ToUnixMicros(now)).Bind(2, holder);
  RIPOSTE_RETURN_IF_ERROR(s->Run());
  return db_.Changes();
}

absl::Status Runs::UpdateForOperator(const OperatorRunUpdate& up) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * u,
      operator_update_.Get(
          db_,
          "UPDATE action_runs SET state = ?1, expires_at_us = ?2, "
          "approval_deadline_us = ?3, approvers = ?4, escalated = ?5, "
          "not_before_us = ?6, attempts = CASE WHEN ?7 = 1 THEN 0 ELSE "
          "attempts END, first_attempt_us = CASE WHEN ?7 = 1 THEN NULL ELSE "
          "first_attempt_us END, updated_us = ?8 WHERE id = ?9 AND state = "
          "?10 AND lease_holder = ''"));
  ResetOnExit reset(*u);
  u->Bind(1, runs::RunStateName(up.state));
  BindOptional(*u, 2, up.expires_at);
  BindOptional(*u, 3, up.approval_deadline);
  u->Bind(4, up.approvers)
      .Bind(5, Flag(up.escalated))
      .Bind(6, absl::ToUnixMicros(std::max(up.not_before, absl::UnixEpoch())))
      .Bind(7, Flag(up.reset_attempts))
      .Bind(8, absl::ToUnixMicros(up.now))
      .Bind(9, up.id)
      .Bind(10, runs::RunStateName(up.expected_state));
  RIPOSTE_RETURN_IF_ERROR(u->Run());
  if (db_.Changes() != 1) {
    return RunChangedMeanwhile(up.id, up.expected_state);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ActionRunRow>> Runs::ExpiredApprovals(
    absl::Time now) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, expired_approvals_.Get(db_, [] {
    return absl::StrCat(
        "SELECT ", kRunColumns,
        " FROM action_runs WHERE state = 'awaiting_approval' AND "
        "approval_deadline_us IS NOT NULL AND approval_deadline_us <= ? "
        "ORDER BY id");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, absl::ToUnixMicros(now));
  return ReadRuns(*s);
}

absl::StatusOr<std::vector<ActionRunRow>> Runs::List(int64_t limit) {
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, db_.Prepare(absl::StrCat("SELECT ", kRunColumns,
                                       " FROM action_runs ORDER BY id DESC "
                                       "LIMIT ?")));
  s->Bind(1, limit);
  return ReadRuns(*s);
}

absl::StatusOr<std::vector<ActionRunRow>> Runs::Find(const RunFilter& f) {
  // The state list varies; operators' listings are rare enough to prepare
  // each time.
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
  RIPOSTE_ASSIGN_OR_RETURN(auto s, db_.Prepare(sql));
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
  return ReadRuns(*s);
}

absl::StatusOr<bool> Runs::Exists(int64_t id) {
  return HasRowById(db_, exists_, "SELECT 1 FROM action_runs WHERE id = ?", id);
}

absl::StatusOr<int64_t> Runs::DeleteOfIncident(int64_t incident_id) {
  return ChangeById(db_, delete_of_incident_,
                    "DELETE FROM action_runs WHERE incident_id = ?",
                    incident_id);
}

}  // namespace riposte::store::sqlite
