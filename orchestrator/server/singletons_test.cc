#include "orchestrator/server/singletons.h"

#include <functional>
#include <memory>

#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "common/testing/wait_for.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/testing/pg_server.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::server {
namespace {

using ::testing::HasSubstr;

using ::riposte::testing::WaitFor;

class SingletonsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Singletons> Start(store::Store* store,
                                    const std::string& holder,
                                    metrics::Registry& registry) {
    SingletonOptions options;
    options.holder = holder;
    options.renew_every = absl::Milliseconds(20);
    auto s = Singletons::Start(store, {kSweeperSingleton, kRetentionSingleton},
                               options, &clock_, registry);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
};

TEST_F(SingletonsTest, AfterARestartTheEmbeddedStoresProcessTakesThemAtOnce) {
  riposte::testing::TempDir dir;
  store::sqlite::SqliteStoreOptions options;
  options.path = dir.File("riposte.db");
  auto store = store::sqlite::SqliteStore::Open(options, &clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  metrics::Registry before, after;
  // The first process holds every lease when it dies (it never stops)...
  auto crashed = Start(store->get(), "riposted-1", before);
  ASSERT_TRUE(crashed && crashed->held(kSweeperSingleton));
  // ...and the next one does not wait out the 30 s lease.
  auto restarted = Start(store->get(), "riposted-2", after);
  ASSERT_NE(restarted, nullptr);
  EXPECT_TRUE(restarted->held(kSweeperSingleton));
  EXPECT_TRUE(restarted->held(kRetentionSingleton));
  restarted->Stop();
  crashed->Stop();
}

TEST_F(SingletonsTest, OneReplicaHoldsEveryLeaseAndHandsThemOverOnStop) {
  auto server = store::postgres::testing::PgServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  store::postgres::PostgresStoreOptions options;
  options.dsn = (*server)->Dsn();
  auto one = store::postgres::PostgresStore::Open(options, &clock_);
  auto two = store::postgres::PostgresStore::Open(options, &clock_);
  ASSERT_TRUE(one.ok() && two.ok());
  metrics::Registry ra, rb;
  auto a = Start(one->get(), "replica-a", ra);
  auto b = Start(two->get(), "replica-b", rb);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->held(kSweeperSingleton));
  EXPECT_TRUE(a->held(kRetentionSingleton));
  EXPECT_FALSE(b->held(kSweeperSingleton));
  EXPECT_FALSE(b->held(kRetentionSingleton));
  EXPECT_THAT(ra.RenderText(),
              HasSubstr("riposte_singleton_held{name=\"approval_sweeper\"} 1"));
  EXPECT_THAT(rb.RenderText(),
              HasSubstr("riposte_singleton_held{name=\"approval_sweeper\"} 0"));
  a->Stop();
  EXPECT_FALSE(a->held(kSweeperSingleton));
  // At b's next renewal, not after the lease's 30 s.
  EXPECT_TRUE(WaitFor([&] {
    return b->held(kSweeperSingleton) && b->held(kRetentionSingleton);
  }));
  EXPECT_THAT(rb.RenderText(),
              HasSubstr("riposte_singleton_held{name=\"retention\"} 1"));
  b->Stop();
}

}  // namespace
}  // namespace riposte::server
