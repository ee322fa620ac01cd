// The store: section: which engine keeps riposted's state, and how to reach
// it.

#include "absl/strings/str_cat.h"
#include "config/internal/readers.h"

namespace riposte::config::internal {
namespace {

// A duration of at least `min`; false only when present but bad.
bool ReadTimeout(MapReader& reader, absl::string_view key, absl::Duration min,
                 absl::Duration* out) {
  if (!reader.Has(key)) return true;
  if (!reader.OptionalDuration(key, out, DurationBounds::Positive())) {
    return false;
  }
  if (*out < min) {
    reader.AddError(key,
                    absl::StrCat("must be at least ", absl::FormatDuration(min),
                                 ", got ", absl::FormatDuration(*out)));
    return false;
  }
  return true;
}

void ReadPostgres(MapReader& reader, PostgresConfig* postgres) {
  postgres->enabled = true;
  ReadSecretRef(reader, "dsn", /*required=*/true, &postgres->dsn);
  ReadLimit(reader, "pool_size", &postgres->pool_size, IntBounds::Range(1, 64));
  if (ReadTimeout(reader, "connect_timeout", absl::Seconds(1),
                  &postgres->connect_timeout) &&
      postgres->connect_timeout !=
          absl::Seconds(absl::ToInt64Seconds(postgres->connect_timeout))) {
    reader.AddError(
        "connect_timeout",
        absl::StrCat("must be a whole number of seconds (libpq "
                     "counts in seconds), got ",
                     absl::FormatDuration(postgres->connect_timeout)));
  }
  const bool statement_ok =
      ReadTimeout(reader, "statement_timeout", absl::Milliseconds(1),
                  &postgres->statement_timeout);
  const bool lock_ok = ReadTimeout(
      reader, "lock_timeout", absl::Milliseconds(1), &postgres->lock_timeout);
  // A lock wait is part of its statement: a longer lock_timeout never fires.
  if (statement_ok && lock_ok &&
      postgres->lock_timeout > postgres->statement_timeout) {
    const bool blame_lock =
        reader.Has("lock_timeout") || !reader.Has("statement_timeout");
    reader.AddError(
        blame_lock ? "lock_timeout" : "statement_timeout",
        blame_lock
            ? absl::StrCat("must not exceed statement_timeout (",
                           absl::FormatDuration(postgres->statement_timeout),
                           "), got ",
                           absl::FormatDuration(postgres->lock_timeout))
            : absl::StrCat("must be at least lock_timeout (",
                           absl::FormatDuration(postgres->lock_timeout),
                           "), got ",
                           absl::FormatDuration(postgres->statement_timeout),
                           "; lower lock_timeout too"));
  }
}

}  // namespace

void ReadStore(MapReader& reader, StoreConfig* store) {
  const bool engine_ok = reader.OptionalString("engine", &store->engine);
  if (engine_ok && store->engine != kStoreEngineSqlite &&
      store->engine != kStoreEnginePostgres) {
    reader.AddError("engine", absl::StrCat("unknown engine ",
                                           QuoteForMessage(store->engine),
                                           " (allowed: sqlite, postgres)"));
  }
  reader.OptionalMap("sqlite", [&](MapReader& sqlite) {
    bool ok = sqlite.OptionalString("file", &store->sqlite_file);
    RequireNonEmpty(sqlite, "file", store->sqlite_file, ok);
  });
  OptionalMapRefusingInlineSecrets(
      reader, "postgres", {"dsn"},
      [&](MapReader& postgres) { ReadPostgres(postgres, &store->postgres); });
  ReadLimit(reader, "group_commit_max_batch", &store->group_commit_max_batch);

  // Each engine's section belongs to it alone, so that a config cannot say
  // one thing and run another.
  if (!engine_ok && reader.Has("engine")) return;
  if (store->engine == kStoreEnginePostgres) {
    if (!reader.Has("postgres")) {
      reader.AddError("engine",
                      "\"postgres\" needs a store.postgres section naming the "
                      "connection string (dsn_file or dsn_env)");
    }
    if (reader.Has("sqlite")) {
      reader.AddError("sqlite",
                      "is for engine \"sqlite\"; store.engine is "
                      "\"postgres\" (remove store.sqlite)");
    }
  } else if (store->engine == kStoreEngineSqlite && reader.Has("postgres")) {
    reader.AddError("postgres",
                    "is for engine \"postgres\"; store.engine is \"sqlite\" "
                    "(set store.engine: postgres, or remove store.postgres)");
  }
}

}  // namespace riposte::config::internal
