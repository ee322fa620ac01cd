#ifndef RIPOSTE_STORE_SQLITE_INCIDENTS_H_
#define RIPOSTE_STORE_SQLITE_INCIDENTS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/sqlite/cached_statement.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace riposte::store::sqlite {

// The incidents table: breaches about one subject that arrived close
// together, with their compact counts. Not thread-safe (one connection, one
// thread).
class Incidents {
 public:
  explicit Incidents(Database& db) : db_(db) {}

  // The incident of (tenant, subject) seen most recently, if any.
  absl::StatusOr<std::optional<IncidentRow>> FindLatest(
      absl::string_view tenant_id, absl::string_view subject_key);
  // Returns the new id.
  absl::StatusOr<int64_t> Insert(const IncidentRow& row);
  // Writes first_seen, last_seen, breach_count and corroborations.
  absl::Status Update(const IncidentRow& row);
  // Newest first (see IncidentFilter).
  absl::StatusOr<std::vector<IncidentRow>> Find(const IncidentFilter& filter);
  absl::StatusOr<std::optional<IncidentRow>> Get(int64_t id);
  // Returns how many rows went (0 or 1).
  absl::StatusOr<int64_t> Delete(int64_t id);

 private:
  Database& db_;
  CachedStatement find_latest_, insert_, update_, find_, delete_;
};

// The incident_steps table: per incident and target, the ids of the runs
// its decisions made there that were not suppressed (see
// IntakeTransaction::GetIncidentSteps).
class IncidentSteps {
 public:
  explicit IncidentSteps(Database& db) : db_(db) {}

  // Empty if none.
  absl::StatusOr<std::vector<int64_t>> Get(int64_t incident_id,
                                           absl::string_view target_key);
  absl::Status Put(int64_t incident_id, absl::string_view target_key,
                   const std::vector<int64_t>& run_ids);
  absl::Status DeleteOfIncident(int64_t incident_id);

 private:
  Database& db_;
  CachedStatement get_, put_, delete_of_incident_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_INCIDENTS_H_
