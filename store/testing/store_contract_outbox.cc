// The contract of the OCSF outbox: rows written with what they describe,
// read in commit order, never twice for one uid, pruned only up to where
// every sink has delivered.

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/testing/store_contract.h"

namespace riposte::store::testing {
namespace {

OutboxRow Event(absl::string_view uid, absl::Time time) {
  OutboxRow row;
  row.uid = std::string(uid);
  row.class_uid = 2004;
  row.time = time;
  row.event = absl::StrCat("{\"metadata\":{\"uid\":\"", uid, "\"}}");
  return row;
}

std::vector<std::string> Uids(const std::vector<OutboxRow>& rows) {
  std::vector<std::string> uids;
  for (const OutboxRow& r : rows) uids.push_back(r.uid);
  return uids;
}

TEST_P(StoreContractTest, OutboxRowsReadBackInCommitOrderWithEveryField) {
  EXPECT_EQ(*store_->LastOutboxSeq(), 0);
  const absl::Time t = clock_.Now();
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(Event("a", t)));
                return txn.AppendOutbox(Event("b", t + absl::Seconds(1)));
              }).ok());
  ASSERT_TRUE(Run([&](Transaction& txn) {
                return txn.AppendOutbox(Event("c", t));
              }).ok());
  std::vector<OutboxRow> rows = *store_->ReadOutbox(0, 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(Uids(rows), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_LT(rows[0].seq, rows[1].seq);
  EXPECT_LT(rows[1].seq, rows[2].seq);
  EXPECT_EQ(rows[1].class_uid, 2004);
  EXPECT_EQ(rows[1].time, t + absl::Seconds(1));
  EXPECT_EQ(rows[1].event, Event("b", t).event);
  EXPECT_EQ(*store_->LastOutboxSeq(), rows[2].seq);
  // From a cursor, and a page at a time.
  EXPECT_EQ(Uids(*store_->ReadOutbox(rows[0].seq, 10)),
            (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(Uids(*store_->ReadOutbox(0, 1)), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(store_->ReadOutbox(rows[2].seq, 10)->empty());
}

TEST_P(StoreContractTest, AnOutboxRowIsDurableOnlyWithItsUnit) {
  absl::Status failed = Run([&](Transaction& txn) -> absl::Status {
    RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(Event("lost", clock_.Now())));
    return absl::InternalError("the unit fails after writing its event");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(store_->ReadOutbox(0, 10)->empty());
  ASSERT_TRUE(Run([&](Transaction& txn) {
                return txn.AppendOutbox(Event("kept", clock_.Now()));
              }).ok());
  Reopen();
  EXPECT_EQ(Uids(*store_->ReadOutbox(0, 10)),
            (std::vector<std::string>{"kept"}));
}

TEST_P(StoreContractTest, TheSameOutboxUidTwiceIsStoredOnceWithoutError) {
  const absl::Time t = clock_.Now();
  ASSERT_TRUE(Run([&](Transaction& txn) {
                return txn.AppendOutbox(Event("once", t));
              }).ok());
  // Again in a later unit, and twice in one: the unit itself still commits.
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(Event("once", t)));
                RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(Event("next", t)));
                return txn.AppendOutbox(Event("next", t));
              }).ok());
  EXPECT_EQ(Uids(*store_->ReadOutbox(0, 10)),
            (std::vector<std::string>{"once", "next"}));
}

TEST_P(StoreContractTest, PruningTheOutboxKeepsUndeliveredAndRecentRows) {
  const absl::Time t = clock_.Now();
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(Event("old-1", t)));
                RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(Event("old-2", t)));
                RIPOSTE_RETURN_IF_ERROR(
                    txn.AppendOutbox(Event("new", t + absl::Hours(2))));
                return txn.AppendOutbox(Event("old-undelivered", t));
              }).ok());
  std::vector<OutboxRow> rows = *store_->ReadOutbox(0, 10);
  ASSERT_EQ(rows.size(), 4u);
  const int64_t last = rows[3].seq;
  int64_t pruned = -1;
  // Every sink has delivered up to "new"; only rows before t + 1h may go.
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(
                    pruned,
                    txn.PruneOutbox(rows[2].seq, t + absl::Hours(1), 100));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(pruned, 2);
  EXPECT_EQ(Uids(*store_->ReadOutbox(0, 10)),
            (std::vector<std::string>{"new", "old-undelivered"}));
  // Seqs keep growing after a prune: a cursor never skips a new row.
  ASSERT_TRUE(Run([&](Transaction& txn) {
                return txn.AppendOutbox(Event("after", t));
              }).ok());
  std::vector<OutboxRow> after = *store_->ReadOutbox(last, 10);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_GT(after[0].seq, last);
}

TEST_P(StoreContractTest, PruningTheOutboxRemovesAtMostItsLimitOldestFirst) {
  const absl::Time t = clock_.Now();
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                for (const char* uid : {"a", "b", "c"}) {
                  RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(Event(uid, t)));
                }
                return absl::OkStatus();
              }).ok());
  const int64_t last = *store_->LastOutboxSeq();
  int64_t pruned = -1;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(
                    pruned, txn.PruneOutbox(last, t + absl::Hours(1), 2));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(pruned, 2);
  EXPECT_EQ(Uids(*store_->ReadOutbox(0, 10)), (std::vector<std::string>{"c"}));
}

TEST_P(StoreContractTest, OutboxSeqsNeverRepeatAfterTheNewestRowsArePruned) {
  const absl::Time t = clock_.Now();
  ASSERT_TRUE(Run([&](Transaction& txn) {
                return txn.AppendOutbox(Event("only", t));
              }).ok());
  const int64_t seq = store_->ReadOutbox(0, 1)->at(0).seq;
  ASSERT_TRUE(Run([&](Transaction& txn) {
                return txn.PruneOutbox(seq, t + absl::Hours(1), 100).status();
              }).ok());
  EXPECT_EQ(*store_->LastOutboxSeq(), 0);
  Reopen();
  ASSERT_TRUE(Run([&](Transaction& txn) {
                return txn.AppendOutbox(Event("later", t));
              }).ok());
  std::vector<OutboxRow> rows = *store_->ReadOutbox(seq, 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].uid, "later");
}

}  // namespace
}  // namespace riposte::store::testing
