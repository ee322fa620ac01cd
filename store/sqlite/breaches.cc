#include "store/sqlite/breaches.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/engine_rules.h"

namespace riposte::store::sqlite {
namespace {


// Columns: kBreachColumns.
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

}  // namespace

absl::StatusOr<std::optional<BreachRow>> Breaches::Find(
    absl::string_view detector_id, absl::string_view breach_id) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, find_.Get(db_, [] {
    return absl::StrCat(
        "SELECT ", kBreachColumns,
        " FROM breaches WHERE detector_id = ? AND breach_id = ?");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, detector_id).Bind(2, breach_id);
  return ReadOne<BreachRow>(*s, ReadBreach);
}

absl::Status Breaches::Insert(const BreachRow& row) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      insert_.Get(db_,
                  "INSERT INTO breaches (id, detector_id, breach_id, "
                  "tenant_id, subject_key, model_name, score, observed_us, "
                  "received_us, incident_id, payload, payload_digest, "
                  "outcome, corroborates) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ResetOnExit reset(*s);
  s->Bind(1, row.id)
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
  return s->Run();
}

absl::StatusOr<std::vector<BreachRow>> Breaches::ObservedBetween(
    int64_t incident_id, absl::Time from, absl::Time to, int64_t limit) {
  // Served by breaches_by_incident_observed, whatever the incident's size.
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, observed_between_.Get(db_, [] {
    return absl::StrCat("SELECT ", kBreachColumns,
                        " FROM breaches WHERE incident_id = ? AND observed_us "
                        "BETWEEN ? AND ? ORDER BY id LIMIT ?");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, incident_id)
      .Bind(2, absl::ToUnixMicros(from))
      .Bind(3, absl::ToUnixMicros(to))
      .Bind(4, limit);
  return ReadAll<BreachRow>(*s, ReadBreach);
}

absl::StatusOr<std::vector<BreachRow>> Breaches::OfIncident(
    int64_t incident_id) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, of_incident_.Get(db_, [] {
    return absl::StrCat("SELECT ", kBreachColumns,
                        " FROM breaches WHERE incident_id = ? ORDER BY "
                        "observed_us, id");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, incident_id);
  return ReadAll<BreachRow>(*s, ReadBreach);
}

absl::StatusOr<int64_t> Breaches::MaxId() {
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, db_.Prepare("SELECT COALESCE(MAX(id), 0) FROM breaches"));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->ColumnInt(0) : 0;
}

absl::StatusOr<bool> Breaches::Exists(int64_t id) {
  return HasRowById(db_, exists_, "SELECT 1 FROM breaches WHERE id = ?", id);
}

absl::StatusOr<int64_t> Breaches::DeleteOfIncident(int64_t incident_id) {
  return ChangeById(db_, delete_of_incident_,
                    "DELETE FROM breaches WHERE incident_id = ?", incident_id);
}

}  // namespace riposte::store::sqlite
