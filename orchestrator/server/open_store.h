#ifndef RIPOSTE_ORCHESTRATOR_SERVER_OPEN_STORE_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_OPEN_STORE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "config/server_config.h"
#include "store/store.h"

namespace riposte::server {

struct StoreOpening {
  // The resolved connection string (PreparedServer::postgres_dsn) for
  // store.engine postgres; unused for sqlite.
  std::string postgres_dsn;
  // Read without writing (--verify-audit).
  bool read_only = false;
  // Every write that failed for a storage reason (StoreHealthMonitor).
  std::function<void(const absl::Status&)> on_storage_failure;
};

// Opens the store engine `config.store` names: the SQLite file under
// data_dir, or the PostgreSQL database shared by every replica. Errors are
// the engine's (Unavailable: cannot reach or open it; FailedPrecondition:
// in use by another process, or a newer schema), prefixed "store: " and
// never holding the connection string's password.
absl::StatusOr<std::unique_ptr<store::Store>> OpenConfiguredStore(
    const config::ServerConfig& config, const StoreOpening& opening,
    Clock* clock);

// What to call the store in logs and messages: the SQLite file's path, or
// the connection string with its password removed.
std::string DescribeStore(const config::ServerConfig& config,
                          const std::string& postgres_dsn);

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_OPEN_STORE_H_
