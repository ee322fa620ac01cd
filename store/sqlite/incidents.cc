#include "store/sqlite/incidents.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "store/engine_rules.h"

namespace riposte::store::sqlite {
namespace {


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

}  // namespace

absl::StatusOr<std::optional<IncidentRow>> Incidents::FindLatest(
    absl::string_view tenant_id, absl::string_view subject_key) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, find_latest_.Get(db_, [] {
    return absl::StrCat(
        "SELECT ", kIncidentColumns,
        " FROM incidents WHERE tenant_id = ? AND subject_key = ? "
        "ORDER BY last_seen_us DESC, id DESC LIMIT 1");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, tenant_id).Bind(2, subject_key);
  return ReadOne<IncidentRow>(*s, ReadIncident);
}

absl::StatusOr<int64_t> Incidents::Insert(const IncidentRow& row) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      insert_.Get(db_,
                  "INSERT INTO incidents (tenant_id, subject_key, "
                  "subject_kind, first_seen_us, last_seen_us, breach_count, "
                  "corroborations) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  ResetOnExit reset(*s);
  s->Bind(1, row.tenant_id)
      .Bind(2, row.subject_key)
      .Bind(3, row.subject_kind)
      .Bind(4, absl::ToUnixMicros(row.first_seen))
      .Bind(5, absl::ToUnixMicros(row.last_seen))
      .Bind(6, row.breach_count)
      .Bind(7, row.corroborations);
  RIPOSTE_RETURN_IF_ERROR(s->Run());
  return db_.LastInsertRowId();
}

absl::Status Incidents::Update(const IncidentRow& row) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      update_.Get(db_,
                  "UPDATE incidents SET first_seen_us = ?, last_seen_us = ?, "
                  "breach_count = ?, corroborations = ? WHERE id = ?"));
  ResetOnExit reset(*s);
  s->Bind(1, absl::ToUnixMicros(row.first_seen))
      .Bind(2, absl::ToUnixMicros(row.last_seen))
      .Bind(3, row.breach_count)
      .Bind(4, row.corroborations)
      .Bind(5, row.id);
  return s->Run();
}

absl::StatusOr<std::vector<IncidentRow>> Incidents::Find(
    const IncidentFilter& f) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, find_.Get(db_, [] {
    return absl::StrCat(
        "SELECT ", kIncidentColumns,
        " FROM incidents WHERE (?1 = '' OR tenant_id = ?1) AND (?2 = '' OR "
        "subject_key = ?2) AND last_seen_us >= ?3 AND last_seen_us < ?4 AND "
        "(?5 = 0 OR id < ?5) ORDER BY id DESC LIMIT ?6");
  }));
  ResetOnExit reset(*s);
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

absl::StatusOr<std::optional<IncidentRow>> Incidents::Get(int64_t id) {
  IncidentFilter f;
  f.before_id = id + 1;
  f.limit = 1;
  RIPOSTE_ASSIGN_OR_RETURN(auto rows, Find(f));
  if (rows.empty() || rows[0].id != id) return std::optional<IncidentRow>();
  return std::optional<IncidentRow>(rows[0]);
}

absl::StatusOr<int64_t> Incidents::Delete(int64_t id) {
  return ChangeById(db_, delete_, "DELETE FROM incidents WHERE id = ?", id);
}

absl::StatusOr<std::vector<int64_t>> IncidentSteps::Get(
    int64_t incident_id, absl::string_view target_key) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      get_.Get(db_,
               "SELECT run_ids FROM incident_steps WHERE incident_id = ? AND "
               "target_key = ?"));
  ResetOnExit reset(*s);
  s->Bind(1, incident_id).Bind(2, target_key);
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  std::vector<int64_t> ids;
  if (!row) return ids;
  for (absl::string_view part : absl::StrSplit(s->ColumnText(0), ',')) {
    int64_t id = 0;
    if (absl::SimpleAtoi(part, &id)) ids.push_back(id);
  }
  return ids;
}

absl::Status IncidentSteps::Put(int64_t incident_id,
                                absl::string_view target_key,
                                const std::vector<int64_t>& run_ids) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      put_.Get(db_,
               "INSERT INTO incident_steps (incident_id, target_key, run_ids) "
               "VALUES (?, ?, ?) ON CONFLICT (incident_id, target_key) DO "
               "UPDATE SET run_ids = excluded.run_ids"));
  ResetOnExit reset(*s);
  s->Bind(1, incident_id)
      .Bind(2, target_key)
      .Bind(3, absl::StrJoin(run_ids, ","));
  return s->Run();
}

absl::Status IncidentSteps::DeleteOfIncident(int64_t incident_id) {
  return ChangeById(db_, delete_of_incident_,
                    "DELETE FROM incident_steps WHERE incident_id = ?",
                    incident_id)
      .status();
}

}  // namespace riposte::store::sqlite
