#ifndef RIPOSTE_STORE_SQLITE_TABLES_H_
#define RIPOSTE_STORE_SQLITE_TABLES_H_

#include "store/sqlite/audit_log.h"
#include "store/sqlite/breaches.h"
#include "store/sqlite/decisions.h"
#include "store/sqlite/incidents.h"
#include "store/sqlite/outbox.h"
#include "store/sqlite/retention.h"
#include "store/sqlite/runs.h"
#include "store/sqlite/settings.h"
#include "store/sqlite/sqlite_db.h"

namespace riposte::store::sqlite {

// The repositories of one connection, each keeping its prepared statements.
// Must be destroyed before the connection. Not thread-safe.
struct Tables {
  explicit Tables(Database& db)
      : breaches(db),
        incidents(db),
        steps(db),
        decisions(db),
        runs(db),
        settings(db),
        audit(db, settings),
        outbox(db),
        retention(db, incidents, steps, breaches, decisions, runs) {}
  Tables(const Tables&) = delete;
  Tables& operator=(const Tables&) = delete;

  Breaches breaches;
  Incidents incidents;
  IncidentSteps steps;
  Decisions decisions;
  Runs runs;
  Settings settings;
  AuditLog audit;
  Outbox outbox;
  Retention retention;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_TABLES_H_
