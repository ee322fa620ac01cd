#ifndef RIPOSTE_STORE_SQLITE_SQLITE_DB_H_
#define RIPOSTE_STORE_SQLITE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::store::sqlite {

// Maps a SQLite result code to a Status: busy/locked/full/io errors are
// Unavailable (retry later), a constraint violation is AlreadyExists or
// FailedPrecondition, the rest Internal. `what` says what was attempted.
// The status carries SQLite's result code and the system errno under
// kSqlitePayload, so a caller can tell a full disk from other failures (see
// StorageFailure).
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// Payload type URL of SqliteError's statuses: "<extended code> <errno>".
inline constexpr char kSqlitePayload[] = "riposte.store.sqlite/result";

// Why a write failed at the storage level, for metrics and logs.
enum class StorageFailure {
  kNone,      // not a storage failure (OK, a constraint, a lock, no payload)
  kDiskFull,  // SQLITE_FULL, or a write refused for lack of space or quota
  kIoError,   // any other SQLITE_IOERR
  kReadOnly,  // SQLITE_READONLY (e.g. the filesystem went read-only)
  kOther,     // another SQLite failure (corruption, cannot open, ...)
};
StorageFailure ClassifyStorageFailure(const absl::Status& status);
// "disk_full", "io_error", "read_only", "other"; "" for kNone.
absl::string_view StorageFailureName(StorageFailure failure);

// A prepared statement. Not thread-safe: one connection, one thread.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds are 1-based, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, absl::string_view text);
  Statement& BindBlob(int index, absl::string_view bytes);
  Statement& BindNull(int index);

  // Returns true while a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, expecting no rows.
  absl::Status Run();
  // Resets for reuse and clears bindings.
  void Reset();

  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  bool ColumnIsNull(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// One SQLite connection. Not thread-safe.
class Database {
 public:
  // Opens (creating if asked) the file. Unavailable if it cannot be opened.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        bool read_only);
  ~Database();

  // Runs one or more statements that return no rows.
  absl::Status Exec(absl::string_view sql);
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(absl::string_view sql);
  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  sqlite3* raw() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_SQLITE_DB_H_
