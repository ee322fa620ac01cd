#include "store/sqlite/sqlite_db.h"

#include <cerrno>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace riposte::store::sqlite {

namespace {

absl::Status MapSqliteError(int rc, const std::string& msg) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return absl::UnavailableError(msg);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(msg);
      }
      return absl::FailedPreconditionError(msg);
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(msg);
    default:
      return absl::InternalError(msg);
  }
}

// The errno of the failed system call: SQLite's own record of it, else what
// the WAL (or journal) file or the database file last saw, which tells a
// write refused for lack of room from other I/O errors.
int LastErrno(sqlite3* db) {
  if (db == nullptr) return 0;
  if (int e = sqlite3_system_errno(db); e != 0) return e;
  int e = 0;
  sqlite3_file* journal = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
                           &journal) == SQLITE_OK &&
      journal != nullptr && journal->pMethods != nullptr &&
      journal->pMethods->xFileControl(journal, SQLITE_FCNTL_LAST_ERRNO, &e) ==
          SQLITE_OK &&
      e != 0) {
    return e;
  }
  e = 0;
  sqlite3_file_control(db, "main", SQLITE_FCNTL_LAST_ERRNO, &e);
  return e;
}

}  // namespace

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  const std::string msg = absl::StrCat(
      what, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
      " (sqlite code ", rc, ")");
  absl::Status status = MapSqliteError(rc, msg);
  const int system_errno = LastErrno(db);
  status.SetPayload(kSqlitePayload,
                    absl::Cord(absl::StrCat(rc, " ", system_errno)));
  return status;
}

StorageFailure ClassifyStorageFailure(const absl::Status& status) {
  if (status.ok()) return StorageFailure::kNone;
  auto payload = status.GetPayload(kSqlitePayload);
  if (!payload.has_value()) return StorageFailure::kNone;
  std::vector<std::string> parts =
      absl::StrSplit(std::string(*payload), ' ');
  int rc = 0;
  int system_errno = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &rc) ||
      !absl::SimpleAtoi(parts[1], &system_errno)) {
    return StorageFailure::kOther;
  }
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_ERROR:  // a bad statement, not the disk
      return StorageFailure::kNone;
    case SQLITE_FULL:
      return StorageFailure::kDiskFull;
    case SQLITE_IOERR:
      // A write the kernel refused for lack of room: no space, a quota, or
      // a file size limit.
      if (system_errno == ENOSPC || system_errno == EDQUOT ||
          system_errno == EFBIG) {
        return StorageFailure::kDiskFull;
      }
      return StorageFailure::kIoError;
    case SQLITE_READONLY:
      return StorageFailure::kReadOnly;
    default:
      return StorageFailure::kOther;
  }
}

absl::string_view StorageFailureName(StorageFailure failure) {
  switch (failure) {
    case StorageFailure::kNone:
      return "";
    case StorageFailure::kDiskFull:
      return "disk_full";
    case StorageFailure::kIoError:
      return "io_error";
    case StorageFailure::kReadOnly:
      return "read_only";
    case StorageFailure::kOther:
      return "other";
  }
  return "other";
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view text) {
  int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                               SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

absl::StatusOr<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return SqliteError(db_, bind_rc_, "binding parameters");
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, sqlite3_extended_errcode(db_),
                     absl::StrCat("executing ", sqlite3_sql(stmt_)));
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

int64_t Statement::ColumnInt(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

double Statement::ColumnDouble(int col) const {
  return sqlite3_column_double(stmt_, col);
}

std::string Statement::ColumnText(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (data == nullptr || n <= 0) return std::string();
  return std::string(static_cast<const char*>(data), n);
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path, bool read_only) {
  static const bool configured = [] {
    // Memory statistics take a global mutex on every allocation; nothing
    // here reads them. Must precede SQLite's initialisation; if someone else
    // initialised it first this fails harmlessly.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  sqlite3* db = nullptr;
  int flags = read_only ? SQLITE_OPEN_READONLY
                        : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = SqliteError(db, rc, absl::StrCat("opening ", path));
    sqlite3_close(db);
    return absl::UnavailableError(s.message());
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Database>(new Database(db));
}

Database::~Database() { sqlite3_close(db_); }

absl::Status Database::Exec(absl::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, sqlite3_extended_errcode(db_),
                       absl::StrCat("executing ", owned.substr(0, 80)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Statement>> Database::Prepare(
    absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), sql.size(),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, rc, absl::StrCat("preparing ", sql));
  }
  return std::make_unique<Statement>(db_, stmt);
}

int64_t Database::LastInsertRowId() const {
  return sqlite3_last_insert_rowid(db_);
}

int64_t Database::Changes() const { return sqlite3_changes(db_); }

}  // namespace riposte::store::sqlite
