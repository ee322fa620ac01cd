#include "ocsf/outbox/store_outbox_source.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::ocsf {
namespace {

class StoreOutboxSourceTest : public ::testing::Test {
 protected:
  StoreOutboxSourceTest() {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    store_ = *store::sqlite::SqliteStore::Open(options, &clock_);
  }

  void Append(int n) {
    ASSERT_TRUE(store_
                    ->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
                      for (int i = 0; i < n; ++i) {
                        store::OutboxRow row;
                        row.uid = absl::StrCat("e", next_++);
                        row.class_uid = 2004;
                        row.event = "{}";
                        RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(row));
                      }
                      return absl::OkStatus();
                    })
                    .ok());
  }

  riposte::testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  int next_ = 0;
};

TEST_F(StoreOutboxSourceTest, CursorsAreDurablePerSinkAndOnlyMoveForward) {
  StoreOutboxSource source(store_.get());
  EXPECT_EQ(*source.LoadCursor("lake"), 0);
  ASSERT_TRUE(source.SaveCursor("lake", 5).ok());
  ASSERT_TRUE(source.SaveCursor("siem", 2).ok());
  // A late worker saving an older position does not move it back.
  ASSERT_TRUE(source.SaveCursor("lake", 3).ok());
  EXPECT_EQ(*source.LoadCursor("lake"), 5);
  EXPECT_EQ(*source.LoadCursor("siem"), 2);
  EXPECT_EQ(*store_->ReadSetting("ocsf.cursor.lake"), "5");
}

TEST_F(StoreOutboxSourceTest, ReadsFromACursorAndReportsTheLastSeq) {
  StoreOutboxSource source(store_.get());
  EXPECT_EQ(*source.LastSeq(), 0);
  Append(3);
  std::vector<store::OutboxRow> rows = *source.Read(0, 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(*source.LastSeq(), rows[2].seq);
  EXPECT_EQ(source.Read(rows[0].seq, 1)->at(0).uid, "e1");
}

TEST_F(StoreOutboxSourceTest, DeliveredByAllIsTheSlowestSink) {
  StoreOutboxSource source(store_.get());
  Append(4);
  EXPECT_EQ(*DeliveredByAll(source, {}), 4);
  ASSERT_TRUE(source.SaveCursor("lake", 4).ok());
  ASSERT_TRUE(source.SaveCursor("siem", 1).ok());
  EXPECT_EQ(*DeliveredByAll(source, {"lake", "siem"}), 1);
  // A sink that never delivered holds everything back.
  EXPECT_EQ(*DeliveredByAll(source, {"lake", "new"}), 0);
}

TEST_F(StoreOutboxSourceTest, ACorruptCursorIsDataLossNamingTheSetting) {
  ASSERT_TRUE(store_
                  ->ExecuteAndWait([](store::Transaction& txn) {
                    return txn.PutSetting("ocsf.cursor.lake", "twelve");
                  })
                  .ok());
  StoreOutboxSource source(store_.get());
  absl::StatusOr<int64_t> cursor = source.LoadCursor("lake");
  EXPECT_EQ(cursor.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(cursor.status().message(), ::testing::HasSubstr("ocsf.cursor.lake"));
  EXPECT_FALSE(source.SaveCursor("lake", 3).ok());
}

}  // namespace
}  // namespace riposte::ocsf
