#ifndef RIPOSTE_STORE_SQLITE_SQLITE_SCHEMA_H_
#define RIPOSTE_STORE_SQLITE_SQLITE_SCHEMA_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/sqlite/sqlite_db.h"

namespace riposte::store::sqlite {

// The schema version this build writes: one migration per version.
inline constexpr int kSchemaVersion = 7;

// The file's schema version (PRAGMA user_version; 0 for a new file).
absl::StatusOr<int> ReadSchemaVersion(Database& db);

// Brings the schema of `db` (the file at `path`, for messages) up to
// kSchemaVersion, one transaction per migration. Writes nothing if it is
// current. FailedPrecondition if the file is newer than this build; the
// engine's error if a migration fails (that migration is rolled back).
absl::Status MigrateSchema(Database& db, const std::string& path);

// A new file takes incremental auto-vacuum when it is made (see
// SqliteStoreOptions::switch_to_incremental_vacuum). A file made before is
// switched by one VACUUM only if `switch_made_file`; a failure is logged and
// the store goes on without it.
void EnableIncrementalVacuum(Database& db, const std::string& path,
                             bool switch_made_file);

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_SQLITE_SCHEMA_H_
