#ifndef RIPOSTE_STORE_SQLITE_CACHED_STATEMENT_H_
#define RIPOSTE_STORE_SQLITE_CACHED_STATEMENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "store/sqlite/sqlite_db.h"

namespace riposte::store::sqlite {

// A statement of one connection, prepared on its first use and kept: the
// SQL sits in the function that runs it, and each unit of work pays only for
// binding and stepping. Not thread-safe (one connection, one thread).
class CachedStatement {
 public:
  // The statement for `sql`, a literal (it is prepared once; later calls
  // must pass the same text).
  absl::StatusOr<Statement*> Get(Database& db, const char* sql) {
    if (stmt_ == nullptr) {
      RIPOSTE_ASSIGN_OR_RETURN(stmt_, db.Prepare(sql));
    }
    return stmt_.get();
  }
  // The same, for SQL built from parts: `sql()` is called only to prepare.
  template <typename SqlFn>
  absl::StatusOr<Statement*> Get(Database& db, SqlFn&& sql) {
    if (stmt_ == nullptr) {
      RIPOSTE_ASSIGN_OR_RETURN(stmt_, db.Prepare(std::string(sql())));
    }
    return stmt_.get();
  }

 private:
  std::unique_ptr<Statement> stmt_;
};

// Resets a statement however the scope is left, so its next use starts
// clean and no read stays open.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& s) : s_(s) {}
  ~ResetOnExit() { s_.Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& s_;
};

// Steps `s` to the end, reading each row with `read`.
template <typename Row, typename ReadFn>
absl::StatusOr<std::vector<Row>> ReadAll(Statement& s, ReadFn read) {
  std::vector<Row> out;
  while (true) {
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(read(s));
  }
  return out;
}

// Steps `s` once: the row read with `read`, or nullopt if there is none.
template <typename Row, typename ReadFn>
absl::StatusOr<std::optional<Row>> ReadOne(Statement& s, ReadFn read) {
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Row>();
  return std::optional<Row>(read(s));
}

// Runs `sql`, whose one parameter is `id`, with `cached`; returns how many
// rows it changed (e.g. "DELETE FROM t WHERE incident_id = ?").
inline absl::StatusOr<int64_t> ChangeById(Database& db, CachedStatement& cached,
                                          const char* sql, int64_t id) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, cached.Get(db, sql));
  ResetOnExit reset(*s);
  s->Bind(1, id);
  RIPOSTE_RETURN_IF_ERROR(s->Run());
  return db.Changes();
}

// Whether `sql`, whose one parameter is `id`, returns a row.
inline absl::StatusOr<bool> HasRowById(Database& db, CachedStatement& cached,
                                       const char* sql, int64_t id) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, cached.Get(db, sql));
  ResetOnExit reset(*s);
  s->Bind(1, id);
  return s->Step();
}

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_CACHED_STATEMENT_H_
