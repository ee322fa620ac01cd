// The shared engine against the store contract (store/testing), on a
// PostgreSQL server of this test's own: a fresh database for every case.

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/testing/pg_server.h"
#include "store/testing/store_contract.h"

namespace riposte::store::postgres {
namespace {

// One server for the whole run, started on first use.
testing::PgServer& Server() {
  static testing::PgServer* server = [] {
    auto started = testing::PgServer::Start();
    if (!started.ok()) {
      ADD_FAILURE() << started.status();
      std::abort();
    }
    return started->release();
  }();
  return *server;
}

store::testing::StoreEngineFactory PostgresEngine() {
  struct Database {
    std::string name;
  };
  auto db = std::make_shared<Database>();
  auto open_at =
      [db](Clock* clock) -> absl::StatusOr<std::unique_ptr<Store>> {
    PostgresStoreOptions options;
    options.dsn = Server().Dsn(db->name);
    auto store = PostgresStore::Open(options, clock);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(*store));
  };
  store::testing::StoreEngineFactory factory;
  factory.name = "postgres";
  factory.open = [db, open_at](Clock* clock) -> absl::StatusOr<std::unique_ptr<Store>> {
    static std::atomic<int> next{0};
    db->name = absl::StrCat("contract_", ++next);
    absl::Status made = Server().CreateDatabase(db->name);
    if (!made.ok()) return made;
    return open_at(clock);
  };
  factory.reopen = open_at;
  return factory;
}

using store::testing::StoreContractTest;

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest,
                         ::testing::Values(PostgresEngine()),
                         store::testing::EngineName);

}  // namespace
}  // namespace riposte::store::postgres
