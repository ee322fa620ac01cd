#include "store/sqlite/decisions.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "store/engine_rules.h"

namespace riposte::store::sqlite {
namespace {


// Columns: kDecisionColumns.
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

}  // namespace

absl::StatusOr<int64_t> Decisions::Insert(const DecisionRow& row) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      insert_.Get(db_,
                  "INSERT INTO decisions (breach_id, incident_id, tenant_id, "
                  "policy_version, decided_us, matched_rules, narrative) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  ResetOnExit reset(*s);
  s->Bind(1, row.breach_id)
      .Bind(2, row.incident_id)
      .Bind(3, row.tenant_id)
      .Bind(4, row.policy_version)
      .Bind(5, absl::ToUnixMicros(row.decided_at))
      .Bind(6, row.matched_rules)
      .Bind(7, row.narrative);
  RIPOSTE_RETURN_IF_ERROR(s->Run());
  return db_.LastInsertRowId();
}

absl::StatusOr<std::optional<DecisionRow>> Decisions::Get(int64_t id) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, get_.Get(db_, [] {
    return absl::StrCat("SELECT ", kDecisionColumns, " FROM decisions WHERE id = ?");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, id);
  return ReadOne<DecisionRow>(*s, ReadDecision);
}

absl::StatusOr<std::vector<DecisionRow>> Decisions::OfIncident(
    int64_t incident_id) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, of_incident_.Get(db_, [] {
    return absl::StrCat("SELECT ", kDecisionColumns,
                        " FROM decisions WHERE incident_id = ? ORDER BY id");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, incident_id);
  return ReadAll<DecisionRow>(*s, ReadDecision);
}

absl::StatusOr<bool> Decisions::Exists(int64_t id) {
  return HasRowById(db_, exists_, "SELECT 1 FROM decisions WHERE id = ?", id);
}

absl::StatusOr<int64_t> Decisions::DeleteOfIncident(int64_t incident_id) {
  return ChangeById(db_, delete_of_incident_,
                    "DELETE FROM decisions WHERE incident_id = ?", incident_id);
}

}  // namespace riposte::store::sqlite
