#ifndef RIPOSTE_STORE_SQLITE_SETTINGS_H_
#define RIPOSTE_STORE_SQLITE_SETTINGS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/sqlite/cached_statement.h"
#include "store/sqlite/sqlite_db.h"

namespace riposte::store::sqlite {

// The settings table: small durable values by key (the global pause, the
// audit chain's base). Not thread-safe (one connection, one thread).
class Settings {
 public:
  explicit Settings(Database& db) : db_(db) {}

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key);
  // Inserts or replaces.
  absl::Status Put(absl::string_view key, absl::string_view value);

 private:
  Database& db_;
  CachedStatement get_, put_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_SETTINGS_H_
