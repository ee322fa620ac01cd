#include "store/sqlite/settings.h"

#include "common/status_macros.h"

namespace riposte::store::sqlite {

absl::StatusOr<std::optional<std::string>> Settings::Get(
    absl::string_view key) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s, get_.Get(db_, "SELECT value FROM settings WHERE key = ?"));
  ResetOnExit reset(*s);
  s->Bind(1, key);
  return ReadOne<std::string>(
      *s, [](const Statement& row) { return row.ColumnText(0); });
}

absl::Status Settings::Put(absl::string_view key, absl::string_view value) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      put_.Get(db_,
               "INSERT INTO settings (key, value) VALUES (?, ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  ResetOnExit reset(*s);
  s->Bind(1, key).Bind(2, value);
  return s->Run();
}

}  // namespace riposte::store::sqlite
