#ifndef RIPOSTE_STORE_SQLITE_RETENTION_H_
#define RIPOSTE_STORE_SQLITE_RETENTION_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "audit/coverage_check.h"
#include "store/sqlite/breaches.h"
#include "store/sqlite/cached_statement.h"
#include "store/sqlite/decisions.h"
#include "store/sqlite/incidents.h"
#include "store/sqlite/runs.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace riposte::store::sqlite {

// What retention removes across the tables of an incident, and the file
// space it gives back (docs/RETENTION.md). The methods are those of
// RetentionTransaction of the same names. Not thread-safe (one connection,
// one thread).
class Retention {
 public:
  Retention(Database& db, Incidents& incidents, IncidentSteps& steps,
            Breaches& breaches, Decisions& decisions, Runs& runs)
      : db_(db),
        incidents_(incidents),
        steps_(steps),
        breaches_(breaches),
        decisions_(decisions),
        runs_(runs) {}

  absl::StatusOr<PruneResult> PruneIncidents(const PruneRequest& request);
  absl::StatusOr<int64_t> CountStoredRows(const audit::AuditedRows& rows);
  absl::StatusOr<int64_t> ReclaimSpace(int64_t max_pages);

 private:
  Database& db_;
  Incidents& incidents_;
  IncidentSteps& steps_;
  Breaches& breaches_;
  Decisions& decisions_;
  Runs& runs_;
  CachedStatement newest_, scan_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_RETENTION_H_
