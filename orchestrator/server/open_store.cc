#include "orchestrator/server/open_store.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/postgres_dsn.h"
#include "orchestrator/server/server.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::server {

absl::StatusOr<std::unique_ptr<store::Store>> OpenConfiguredStore(
    const config::ServerConfig& config, const StoreOpening& opening,
    Clock* clock) {
  if (config.store.UsesPostgres()) {
    const config::PostgresConfig& pg = config.store.postgres;
    store::postgres::PostgresStoreOptions options;
    options.dsn = opening.postgres_dsn;
    options.pool_size = static_cast<int>(pg.pool_size);
    options.connect.connect_timeout = pg.connect_timeout;
    options.connect.statement_timeout = pg.statement_timeout;
    options.connect.lock_timeout = pg.lock_timeout;
    options.max_batch = config.store.group_commit_max_batch;
    options.read_only = opening.read_only;
    options.on_storage_failure = opening.on_storage_failure;
    auto opened = store::postgres::PostgresStore::Open(options, clock);
    if (!opened.ok()) {
      const std::string where = RedactDsn(opening.postgres_dsn);
      return absl::Status(
          opened.status().code(),
          absl::StrCat(absl::StartsWith(opened.status().message(), "store:")
                           ? ""
                           : "store: ",
                       opened.status().message(), " (database ", where, ")"));
    }
    return std::unique_ptr<store::Store>(std::move(*opened));
  }
  store::sqlite::SqliteStoreOptions options;
  options.path = StorePath(config);
  options.max_batch = config.store.group_commit_max_batch;
  options.read_only = opening.read_only;
  options.on_storage_failure = opening.on_storage_failure;
  options.switch_to_incremental_vacuum =
      config.retention.enabled && !opening.read_only;
  auto opened = store::sqlite::SqliteStore::Open(options, clock);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<store::Store>(std::move(*opened));
}

std::string DescribeStore(const config::ServerConfig& config,
                          const std::string& postgres_dsn) {
  if (config.store.UsesPostgres()) {
    return absl::StrCat("postgres ", RedactDsn(postgres_dsn));
  }
  return StorePath(config);
}

}  // namespace riposte::server
