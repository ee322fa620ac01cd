#ifndef RIPOSTE_STORE_POSTGRES_PG_SCHEMA_H_
#define RIPOSTE_STORE_POSTGRES_PG_SCHEMA_H_

#include "absl/status/status.h"
#include "store/postgres/pg_connection.h"

namespace riposte::store::postgres {

// The schema version this build writes.
inline constexpr int kPgSchemaVersion = 2;

// Brings the database's schema to kPgSchemaVersion. Replicas starting at
// once take turns under a session advisory lock, so each migration runs
// exactly once, in its own transaction. FailedPrecondition if the database
// has a newer schema than this build knows.
absl::Status MigratePg(PgConnection& conn);

// The database's schema version (0 for an empty database).
absl::StatusOr<int> PgSchemaVersion(PgConnection& conn);

}  // namespace riposte::store::postgres

#endif  // RIPOSTE_STORE_POSTGRES_PG_SCHEMA_H_
