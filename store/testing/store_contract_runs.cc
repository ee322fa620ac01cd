// The contract of the executor's and the operators' changes to runs:
// leases and fences, what a leased update writes, due times, and the
// operator's conditional update.

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "common/status_macros.h"
#include "store/testing/store_contract.h"

namespace riposte::store::testing {
namespace {

using runs::RunState;

TEST_P(StoreContractTest, ClaimLeasesTheRunThatIsDueFirst) {
  // Not due: waiting for an operator, not autonomous, held back, final.
  ActionRunRow manual = MakeRun(RunState::kProposed);
  manual.autonomous = false;
  AddRun(manual);
  AddRun(RunState::kAwaitingApproval);
  AddRun(RunState::kDone);
  AddRun(RunState::kFailed);
  const int64_t later_id = AddRun(RunState::kQueued);
  HoldBack(later_id, RunState::kQueued, clock_.Now() + absl::Minutes(5));
  // Due, in this order: the earliest not_before first, then by id.
  const int64_t held_id = AddRun(RunState::kQueued);
  HoldBack(held_id, RunState::kQueued, clock_.Now() - absl::Minutes(1));
  const int64_t proposed = AddRun(RunState::kProposed);  // autonomous
  const int64_t approved = AddRun(RunState::kApproved);

  std::vector<int64_t> order;
  while (std::optional<ActionRunRow> run = Claim("worker-1")) {
    order.push_back(run->id);
    EXPECT_EQ(run->state, RunState::kRunning);
    EXPECT_EQ(run->lease_holder, "worker-1");
    EXPECT_EQ(run->lease_expires, clock_.Now() + kLease);
    EXPECT_EQ(run->fence, 1);
    EXPECT_EQ(run->attempts, 1);
    EXPECT_EQ(run->first_attempt_at, clock_.Now());
    EXPECT_EQ(run->updated_at, clock_.Now());
    ASSERT_TRUE(run->claimed_from.has_value());
    // What the claim returned is what is stored.
    ActionRunRow stored = GetRun(run->id);
    EXPECT_EQ(stored.state, RunState::kRunning);
    EXPECT_EQ(stored.lease_holder, "worker-1");
    EXPECT_EQ(stored.lease_expires, run->lease_expires);
    EXPECT_EQ(stored.fence, 1);
    EXPECT_EQ(stored.attempts, 1);
    EXPECT_EQ(stored.first_attempt_at, clock_.Now());
    ASSERT_LT(order.size(), 10u);
    // Done with it, so it is not taken over below.
    RunUpdate done = UpdateOf(*run, RunState::kDone);
    ASSERT_TRUE(UpdateLeased(done).ok());
  }
  EXPECT_EQ(order, (std::vector<int64_t>{proposed, approved, held_id}));
  clock_.Advance(absl::Minutes(5));
  std::optional<ActionRunRow> held = Claim("worker-1");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->id, later_id);
  EXPECT_EQ(held->claimed_from, RunState::kQueued);
}

TEST_P(StoreContractTest, ALapsedLeaseIsTakenOverWithANewFence) {
  const int64_t id = AddRun(RunState::kQueued);
  std::optional<ActionRunRow> first = Claim("worker-1");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->claimed_from, RunState::kQueued);
  // Held: nobody else gets it.
  EXPECT_FALSE(Claim("worker-2").has_value());
  clock_.Advance(kLease);  // lease_expires <= now: lapsed
  std::optional<ActionRunRow> second = Claim("worker-2");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, id);
  EXPECT_EQ(second->claimed_from, RunState::kRunning);
  EXPECT_EQ(second->state, RunState::kRunning);
  EXPECT_EQ(second->lease_holder, "worker-2");
  EXPECT_GT(second->fence, first->fence);
  EXPECT_EQ(second->attempts, 2);
  // The first attempt's time stays.
  EXPECT_EQ(second->first_attempt_at, first->first_attempt_at);
}

TEST_P(StoreContractTest, AStaleFenceChangesNothing) {
  const int64_t id = AddRun(RunState::kQueued);
  ActionRunRow first = *Claim("worker-1");
  clock_.Advance(kLease);
  ActionRunRow second = *Claim("worker-2");
  RunUpdate stale = UpdateOf(first, RunState::kDone);
  stale.memo = "stale";
  absl::Status s = UpdateLeased(stale);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  s = Run([&](Transaction& txn) {
    return txn.CheckpointRunMemo(id, first.fence, "stale");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  ActionRunRow now = GetRun(id);
  EXPECT_EQ(now.state, RunState::kRunning);
  EXPECT_EQ(now.lease_holder, "worker-2");
  EXPECT_EQ(now.fence, second.fence);
  EXPECT_EQ(now.memo, "");
  // A run that does not exist is no better.
  stale.id = id + 100;
  EXPECT_EQ(UpdateLeased(stale).code(), absl::StatusCode::kFailedPrecondition);
  // The holder's own fence still works, once.
  RunUpdate good = stale;
  good.id = id;
  good.fence = second.fence;
  EXPECT_TRUE(UpdateLeased(good).ok());
}

TEST_P(StoreContractTest, TwoConcurrentClaimsGetARunOnce) {
  for (int round = 0; round < 10; ++round) {
    const int64_t id = AddRun(RunState::kQueued);
    std::vector<std::optional<ActionRunRow>> got(2);
    std::vector<absl::Status> status(2);
    absl::BlockingCounter done(2);
    for (int i = 0; i < 2; ++i) {
      store_->Execute(
          [&, i](Transaction& txn) -> absl::Status {
            RIPOSTE_ASSIGN_OR_RETURN(
                got[i], txn.ClaimDueRun(absl::StrCat("worker-", i),
                                        clock_.Now(), clock_.Now() + kLease));
            return absl::OkStatus();
          },
          [&, i](absl::Status s) {
            status[i] = std::move(s);
            done.DecrementCount();
          });
    }
    done.Wait();
    int claimed = 0;
    for (int i = 0; i < 2; ++i) {
      // A unit that lost the race sees no due run, or fails as a whole and
      // is retried by the executor; it never holds the run too.
      if (status[i].ok() && got[i].has_value()) {
        ++claimed;
        EXPECT_EQ(got[i]->id, id);
        EXPECT_EQ(GetRun(id).lease_holder, absl::StrCat("worker-", i));
      }
    }
    EXPECT_EQ(claimed, 1) << "round " << round;
    EXPECT_EQ(GetRun(id).fence, 1);
    // Finish it so the next round's run is the only one due.
    RunUpdate up = UpdateOf(GetRun(id), RunState::kDone);
    ASSERT_TRUE(UpdateLeased(up).ok());
  }
}

TEST_P(StoreContractTest, AnActiveRunPastItsExpiryIsClaimedForReverting) {
  ActionRunRow forever = MakeRun(RunState::kActive);  // no expiry
  AddRun(forever);
  const int64_t id = AddRun(RunState::kQueued);
  ActionRunRow run = *Claim("worker-1");
  RunUpdate up = UpdateOf(run, RunState::kActive);
  up.expires_at = clock_.Now() + absl::Hours(1);
  up.effect_at = clock_.Now();
  ASSERT_TRUE(UpdateLeased(up).ok());
  EXPECT_FALSE(Claim("worker-1").has_value());
  clock_.Advance(absl::Hours(1));
  std::optional<ActionRunRow> revert = Claim("worker-1");
  ASSERT_TRUE(revert.has_value());
  EXPECT_EQ(revert->id, id);
  EXPECT_EQ(revert->claimed_from, RunState::kActive);
  EXPECT_EQ(revert->state, RunState::kReverting);
  // A reverting run whose worker died stays reverting when taken over.
  clock_.Advance(kLease);
  std::optional<ActionRunRow> again = Claim("worker-2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, id);
  EXPECT_EQ(again->claimed_from, RunState::kReverting);
  EXPECT_EQ(again->state, RunState::kReverting);
  EXPECT_FALSE(Claim("worker-2").has_value());
}

TEST_P(StoreContractTest, ALeasedUpdateWritesItsFieldsAndEndsTheLease) {
  const int64_t id = AddRun(RunState::kQueued);
  ActionRunRow run = *Claim("worker-1");
  clock_.Advance(absl::Seconds(3));
  RunUpdate up = UpdateOf(run, RunState::kActive);
  up.not_before = clock_.Now() + absl::Seconds(30);
  up.last_error = "slow";
  up.memo = "{\"session\":1}";
  up.expires_at = clock_.Now() + absl::Hours(1);
  up.effect_at = clock_.Now();
  up.outcome = "already_applied";
  up.outcome_note = "was disabled before";
  up.reversible = false;
  ASSERT_TRUE(UpdateLeased(up).ok());
  // What the first update wrote and the second leaves alone.
  auto expect_written = [&](const ActionRunRow& got) {
    EXPECT_EQ(got.memo, "{\"session\":1}");
    EXPECT_EQ(got.expires_at, up.expires_at);
    EXPECT_EQ(got.effect_at, up.effect_at);
    EXPECT_EQ(got.outcome, "already_applied");
    EXPECT_EQ(got.outcome_note, "was disabled before");
    EXPECT_FALSE(got.reversible);
  };
  ActionRunRow got = GetRun(id);
  EXPECT_EQ(got.state, RunState::kActive);
  EXPECT_EQ(got.not_before, up.not_before);
  EXPECT_EQ(got.last_error, "slow");
  expect_written(got);
  EXPECT_EQ(got.updated_at, clock_.Now());
  EXPECT_EQ(got.lease_holder, "");
  EXPECT_LE(got.lease_expires, clock_.Now());
  EXPECT_EQ(got.attempts, 1);
  EXPECT_EQ(got.fence, run.fence);

  // Unset optionals leave what is there; last_error and not_before are
  // always written.
  clock_.Advance(absl::Hours(1));
  ActionRunRow revert = *Claim("worker-1");
  ASSERT_EQ(revert.id, id);
  RunUpdate done = UpdateOf(revert, RunState::kReverted);
  ASSERT_TRUE(UpdateLeased(done).ok());
  got = GetRun(id);
  EXPECT_EQ(got.state, RunState::kReverted);
  expect_written(got);
  EXPECT_EQ(got.last_error, "");
  EXPECT_LE(got.not_before, clock_.Now());
}

TEST_P(StoreContractTest, ARefundedAttemptIsNotCounted) {
  const int64_t id = AddRun(RunState::kQueued);
  ActionRunRow run = *Claim("worker-1");
  EXPECT_EQ(run.attempts, 1);
  RunUpdate up = UpdateOf(run, RunState::kQueued);
  up.not_before = clock_.Now() + absl::Seconds(10);
  up.refund_attempt = true;
  ASSERT_TRUE(UpdateLeased(up).ok());
  EXPECT_EQ(GetRun(id).attempts, 0);
  EXPECT_FALSE(Claim("worker-1").has_value());  // held back until not_before
  clock_.Advance(absl::Seconds(10));
  ActionRunRow again = *Claim("worker-1");
  EXPECT_EQ(again.attempts, 1);
  EXPECT_GT(again.fence, run.fence);
}

TEST_P(StoreContractTest, ACheckpointedMemoKeepsTheLeaseAndIsKeptByTheUpdate) {
  const int64_t id = AddRun(RunState::kQueued);
  ActionRunRow run = *Claim("worker-1");
  ASSERT_TRUE(Run([&](Transaction& txn) {
                return txn.CheckpointRunMemo(id, run.fence, "step-1");
              }).ok());
  ActionRunRow held = GetRun(id);
  EXPECT_EQ(held.memo, "step-1");
  EXPECT_EQ(held.lease_holder, "worker-1");
  EXPECT_EQ(held.state, RunState::kRunning);
  // After a takeover the new holder reads the memo.
  clock_.Advance(kLease);
  ActionRunRow taken = *Claim("worker-2");
  EXPECT_EQ(taken.memo, "step-1");
  RunUpdate up = UpdateOf(taken, RunState::kDone);
  ASSERT_TRUE(UpdateLeased(up).ok());
  EXPECT_EQ(GetRun(id).memo, "step-1");
}

TEST_P(StoreContractTest, NextDueTimeIsTheEarliestTimeAnythingBecomesDue) {
  auto next = [&]() {
    std::optional<absl::Time> t;
    EXPECT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                  RIPOSTE_ASSIGN_OR_RETURN(t, txn.NextDueTime(clock_.Now()));
                  return absl::OkStatus();
                }).ok());
    return t;
  };
  EXPECT_FALSE(next().has_value());
  ActionRunRow manual = MakeRun(RunState::kProposed);
  manual.autonomous = false;
  AddRun(manual);
  AddRun(RunState::kAwaitingApproval);
  AddRun(RunState::kDone);
  AddRun(RunState::kActive);  // active without an expiry: never due
  EXPECT_FALSE(next().has_value());

  const absl::Time t0 = clock_.Now();
  const int64_t queued_id = AddRun(RunState::kQueued);
  HoldBack(queued_id, RunState::kQueued, t0 + absl::Minutes(10));
  ASSERT_EQ(next(), t0 + absl::Minutes(10));

  // A leased run is due when its lease lapses.
  const int64_t leased = AddRun(RunState::kQueued);
  ActionRunRow run = *Claim("worker-1");
  ASSERT_EQ(run.id, leased);
  EXPECT_EQ(next(), t0 + kLease);
  // An active run is due at its expiry.
  RunUpdate up = UpdateOf(run, RunState::kActive);
  up.expires_at = t0 + absl::Minutes(5);
  up.now = t0;
  ASSERT_TRUE(UpdateLeased(up).ok());
  EXPECT_EQ(next(), t0 + absl::Minutes(5));
  // Something due now: now or earlier.
  AddRun(RunState::kApproved);
  std::optional<absl::Time> now_due = next();
  ASSERT_TRUE(now_due.has_value());
  EXPECT_LE(*now_due, t0);
  EXPECT_NE(queued_id, 0);
}

TEST_P(StoreContractTest, ForeignLeasesEndOnAnExclusiveStore) {
  if (!store_->exclusive()) {
    GTEST_SKIP() << GetParam().name
                 << " is shared by processes; leases lapse on their own";
  }
  const int64_t mine = AddRun(RunState::kQueued);
  ASSERT_EQ(Claim("me")->id, mine);
  const int64_t theirs = AddRun(RunState::kQueued);
  ASSERT_EQ(Claim("dead")->id, theirs);
  int64_t released = 0;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(
                    released, txn.ReleaseForeignLeases("me", clock_.Now()));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(released, 1);
  std::optional<ActionRunRow> taken = Claim("me");
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->id, theirs);
  EXPECT_EQ(taken->claimed_from, RunState::kRunning);
  EXPECT_FALSE(Claim("me").has_value());  // its own lease was left alone
}

// An operator's change: only from the state the operator saw, and only
// while no worker holds the run.
TEST_P(StoreContractTest, AnOperatorUpdateNeedsTheExpectedStateAndNoLease) {
  ActionRunRow awaiting = MakeRun(RunState::kAwaitingApproval);
  awaiting.approval_deadline = clock_.Now() + absl::Hours(1);
  const int64_t id = AddRun(awaiting);
  OperatorRunUpdate up =  // not in the state it is in
      OperatorUpdateOf(id, RunState::kProposed, RunState::kApproved);
  up.approvers = "[\"alice\"]";
  EXPECT_EQ(UpdateForOperator(up).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetRun(id).state, RunState::kAwaitingApproval);
  up.expected_state = RunState::kAwaitingApproval;
  up.id = id + 100;
  EXPECT_EQ(UpdateForOperator(up).code(),
            absl::StatusCode::kFailedPrecondition);
  up.id = id;
  clock_.Advance(absl::Seconds(7));
  up.now = clock_.Now();
  up.escalated = true;
  up.not_before = clock_.Now() + absl::Seconds(1);
  ASSERT_TRUE(UpdateForOperator(up).ok());
  ActionRunRow got = GetRun(id);
  EXPECT_EQ(got.state, RunState::kApproved);
  EXPECT_EQ(got.approvers, "[\"alice\"]");
  EXPECT_TRUE(got.escalated);
  EXPECT_EQ(got.not_before, up.not_before);
  EXPECT_FALSE(got.approval_deadline.has_value());  // cleared: unset
  EXPECT_FALSE(got.expires_at.has_value());
  EXPECT_EQ(got.updated_at, clock_.Now());

  // Leased: refused, whatever the state.
  clock_.Advance(absl::Seconds(1));
  ActionRunRow run = *Claim("worker-1");
  ASSERT_EQ(run.id, id);
  OperatorRunUpdate reject =
      OperatorUpdateOf(id, RunState::kRunning, RunState::kFailed);
  EXPECT_EQ(UpdateForOperator(reject).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetRun(id).state, RunState::kRunning);
}

TEST_P(StoreContractTest, AnOperatorUpdateSetsTheExpiryAndCanResetAttempts) {
  const int64_t id = AddRun(RunState::kQueued);
  ActionRunRow run = *Claim("worker-1");
  RunUpdate failed = UpdateOf(run, RunState::kFailed);
  failed.last_error = "boom";
  ASSERT_TRUE(UpdateLeased(failed).ok());
  ASSERT_EQ(GetRun(id).attempts, 1);
  OperatorRunUpdate retry =
      OperatorUpdateOf(id, RunState::kFailed, RunState::kQueued);
  retry.reset_attempts = true;
  retry.expires_at = clock_.Now() + absl::Hours(2);
  ASSERT_TRUE(UpdateForOperator(retry).ok());
  ActionRunRow got = GetRun(id);
  EXPECT_EQ(got.state, RunState::kQueued);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_FALSE(got.first_attempt_at.has_value());
  EXPECT_EQ(got.expires_at, clock_.Now() + absl::Hours(2));
  EXPECT_EQ(got.approvers, "[]");
  // Without reset_attempts the count stays.
  ActionRunRow again = *Claim("worker-1");
  EXPECT_EQ(again.attempts, 1);
  failed.fence = again.fence;
  ASSERT_TRUE(UpdateLeased(failed).ok());
  retry.reset_attempts = false;
  ASSERT_TRUE(UpdateForOperator(retry).ok());
  EXPECT_EQ(GetRun(id).attempts, 1);
}

TEST_P(StoreContractTest, ExpiredApprovalsAreThoseAwaitingPastTheirDeadline) {
  auto awaiting = [&](std::optional<absl::Duration> deadline_in) {
    ActionRunRow r = MakeRun(RunState::kAwaitingApproval);
    if (deadline_in.has_value())
      r.approval_deadline = clock_.Now() + *deadline_in;
    return AddRun(r);
  };
  const int64_t past = awaiting(-absl::Minutes(1));
  const int64_t at_now = awaiting(absl::ZeroDuration());
  awaiting(absl::Minutes(1));
  awaiting(std::nullopt);
  ActionRunRow approved = MakeRun(RunState::kApproved);
  approved.approval_deadline = clock_.Now() - absl::Minutes(5);
  AddRun(approved);
  std::vector<ActionRunRow> expired;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(
                    expired, txn.ListExpiredApprovals(clock_.Now()));
                return absl::OkStatus();
              }).ok());
  std::vector<int64_t> ids;
  for (const auto& r : expired) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<int64_t>{past, at_now}));
}

}  // namespace
}  // namespace riposte::store::testing
