#include "integration_tests/testing/store_query.h"

#include <sqlite3.h>

#include <cstdint>
#include <functional>

namespace riposte::integration {
namespace {

// Runs `sql` and hands the first row to `read`; false if there is none.
bool FirstRow(const std::string& db_path, const std::string& sql,
              const std::function<void(sqlite3_stmt*)>& read) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(db);
    return false;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  bool found = false;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    read(st);
    found = true;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return found;
}

}  // namespace

int64_t StoreCount(const std::string& db_path, const std::string& sql) {
  int64_t n = -1;
  FirstRow(db_path, sql, [&](sqlite3_stmt* st) { n = sqlite3_column_int64(st, 0); });
  return n;
}

std::string StoreText(const std::string& db_path, const std::string& sql) {
  std::string out;
  FirstRow(db_path, sql, [&](sqlite3_stmt* st) {
    const unsigned char* text = sqlite3_column_text(st, 0);
    if (text != nullptr) out = reinterpret_cast<const char*>(text);
  });
  return out;
}

std::string StoreExec(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) {
    std::string error = sqlite3_errmsg(db);
    sqlite3_close(db);
    return error;
  }
  char* message = nullptr;
  std::string error;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    error = message != nullptr ? message : "error";
  }
  sqlite3_free(message);
  sqlite3_close(db);
  return error;
}

}  // namespace riposte::integration
