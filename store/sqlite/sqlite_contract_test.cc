// The embedded engine against the store contract (store/testing).

#include <memory>

#include "common/testing/temp_dir.h"
#include "store/sqlite/sqlite_store.h"
#include "store/testing/store_contract.h"

namespace riposte::store::sqlite {
namespace {

// Each open makes a new directory; reopen opens the file made last.
store::testing::StoreEngineFactory SqliteEngine() {
  struct Files {
    std::unique_ptr<riposte::testing::TempDir> dir;
  };
  auto files = std::make_shared<Files>();
  auto open_at =
      [files](Clock* clock) -> absl::StatusOr<std::unique_ptr<Store>> {
    SqliteStoreOptions options;
    options.path = files->dir->File("riposte.db");
    auto store = SqliteStore::Open(options, clock);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(*store));
  };
  store::testing::StoreEngineFactory factory;
  factory.name = "sqlite";
  factory.open = [files, open_at](Clock* clock) {
    files->dir = std::make_unique<riposte::testing::TempDir>();
    return open_at(clock);
  };
  factory.reopen = open_at;
  return factory;
}

using store::testing::StoreContractTest;

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(SqliteEngine()),
                         store::testing::EngineName);

}  // namespace
}  // namespace riposte::store::sqlite
