#include "store/sqlite/retention.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "store/engine_rules.h"
#include "runs/lifecycle.h"

namespace riposte::store::sqlite {
namespace {


}  // namespace

absl::StatusOr<PruneResult> Retention::PruneIncidents(
    const PruneRequest& request) {
  PruneResult result;
  // The incidents that hold the newest row of each table stay, so no id is
  // handed out twice.
  std::set<int64_t> newest;
  {
    RIPOSTE_ASSIGN_OR_RETURN(
        Statement * s,
        newest_.Get(
            db_,
            "SELECT (SELECT MAX(id) FROM incidents), "
            "(SELECT incident_id FROM breaches ORDER BY id DESC LIMIT 1), "
            "(SELECT incident_id FROM decisions ORDER BY id DESC LIMIT 1), "
            "(SELECT incident_id FROM action_runs ORDER BY id DESC LIMIT 1)"));
    ResetOnExit reset(*s);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    for (int col = 0; row && col < 4; ++col) {
      if (!s->ColumnIsNull(col)) newest.insert(s->ColumnInt(col));
    }
  }
  std::vector<int64_t> removable;
  int64_t scanned = 0;
  {
    RIPOSTE_ASSIGN_OR_RETURN(Statement * s, scan_.Get(db_, [] {
      return absl::StrCat(
          // Cheapest first: the incident row, its runs (few), its breaches
          // (possibly many; only for incidents that pass the rest).
          "SELECT i.id, i.last_seen_us < ?2 AND NOT EXISTS (SELECT 1 FROM "
          "action_runs r WHERE r.incident_id = i.id AND (r.state NOT IN (",
          FinalRunStatesSql(),
          ") OR r.updated_us >= ?3)) AND NOT EXISTS (SELECT 1 FROM breaches b "
          "WHERE b.incident_id = i.id AND (b.observed_us >= ?2 OR "
          "b.received_us >= ?2)) FROM incidents i WHERE i.id > ?1 ORDER BY "
          "i.id LIMIT ?4");
    }));
    ResetOnExit reset(*s);
    s->Bind(1, request.after_id)
        .Bind(2, absl::ToUnixMicros(request.activity_before))
        .Bind(3, absl::ToUnixMicros(request.runs_changed_before))
        .Bind(4, request.limit);
    while (true) {
      RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      ++scanned;
      result.last_id = s->ColumnInt(0);
      if (s->ColumnInt(1) != 0 && newest.count(result.last_id) == 0) {
        removable.push_back(result.last_id);
      }
    }
  }
  result.done = scanned < request.limit;
  if (result.last_id == 0) result.last_id = request.after_id;
  // Children first: runs name decisions, and everything names the incident.
  for (int64_t id : removable) {
    RIPOSTE_ASSIGN_OR_RETURN(int64_t runs, runs_.DeleteOfIncident(id));
    RIPOSTE_ASSIGN_OR_RETURN(int64_t decisions,
                             decisions_.DeleteOfIncident(id));
    RIPOSTE_ASSIGN_OR_RETURN(int64_t breaches, breaches_.DeleteOfIncident(id));
    RIPOSTE_RETURN_IF_ERROR(steps_.DeleteOfIncident(id));
    RIPOSTE_ASSIGN_OR_RETURN(int64_t incidents, incidents_.Delete(id));
    result.runs += runs;
    result.decisions += decisions;
    result.breaches += breaches;
    result.incidents += incidents;
  }
  return result;
}

absl::StatusOr<int64_t> Retention::CountStoredRows(
    const audit::AuditedRows& rows) {
  int64_t stored = 0;
  auto count = [&stored](absl::StatusOr<bool> exists) -> absl::Status {
    RIPOSTE_ASSIGN_OR_RETURN(bool found, std::move(exists));
    stored += found ? 1 : 0;
    return absl::OkStatus();
  };
  for (int64_t id : rows.breach_ids) {
    RIPOSTE_RETURN_IF_ERROR(count(breaches_.Exists(id)));
  }
  for (int64_t id : rows.decision_ids) {
    RIPOSTE_RETURN_IF_ERROR(count(decisions_.Exists(id)));
  }
  for (const audit::AuditedRows::Run& run : rows.runs) {
    RIPOSTE_RETURN_IF_ERROR(count(runs_.Exists(run.id)));
  }
  return stored;
}

absl::StatusOr<int64_t> Retention::ReclaimSpace(int64_t max_pages) {
  int64_t free_pages = 0;
  {
    RIPOSTE_ASSIGN_OR_RETURN(auto s, db_.Prepare("PRAGMA freelist_count"));
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) free_pages = s->ColumnInt(0);
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, db_.Prepare(absl::StrCat("PRAGMA incremental_vacuum(",
                                       std::max<int64_t>(max_pages, 1), ")")));
  while (true) {
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
  }
  return free_pages;
}

}  // namespace riposte::store::sqlite
