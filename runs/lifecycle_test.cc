#include "runs/lifecycle.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::runs {
namespace {

using S = RunState;
using A = Actor;
using ::testing::HasSubstr;

constexpr S kAll[] = {S::kProposed, S::kAwaitingApproval, S::kApproved, S::kRejected,
                      S::kApprovalExpired, S::kQueued, S::kRunning, S::kActive,
                      S::kDone, S::kFailed, S::kReverting, S::kReverted,
                      S::kObserved, S::kSuppressed};

TEST(LifecycleTest, NamesRoundTrip) {
  for (S s : kAll) EXPECT_EQ(ParseRunState(RunStateName(s)), s);
  EXPECT_EQ(ParseRunState("Active"), std::nullopt);
  EXPECT_EQ(ParseRunState(""), std::nullopt);
}

TEST(LifecycleTest, TheDesignsPathsAreAllowed) {
  // Autonomous: decided, leased, carried out, expired, undone.
  EXPECT_TRUE(CheckTransition(std::nullopt, S::kProposed, A::kDecider).ok());
  EXPECT_TRUE(CheckTransition(S::kProposed, S::kRunning, A::kExecutor).ok());
  EXPECT_TRUE(CheckTransition(S::kRunning, S::kActive, A::kExecutor).ok());
  EXPECT_TRUE(CheckTransition(S::kActive, S::kReverting, A::kExecutor).ok());
  EXPECT_TRUE(CheckTransition(S::kReverting, S::kReverted, A::kExecutor).ok());
  // Confirm: approved by an operator or by the deadline's policy.
  EXPECT_TRUE(CheckTransition(std::nullopt, S::kAwaitingApproval, A::kDecider).ok());
  EXPECT_TRUE(CheckTransition(S::kAwaitingApproval, S::kApproved, A::kOperator).ok());
  EXPECT_TRUE(CheckTransition(S::kAwaitingApproval, S::kApprovalExpired, A::kSweeper).ok());
  EXPECT_TRUE(CheckTransition(S::kApproved, S::kRunning, A::kExecutor).ok());
  // Retried after a failure.
  EXPECT_TRUE(CheckTransition(S::kFailed, S::kQueued, A::kOperator).ok());
}

TEST(LifecycleTest, OnlyTheRightActorMakesEachTransition) {
  // Operators approve; the executor never does, nor does the decision.
  EXPECT_FALSE(CheckTransition(S::kAwaitingApproval, S::kApproved, A::kExecutor).ok());
  // Operators never carry a run out or mark it done themselves.
  EXPECT_FALSE(CheckTransition(S::kQueued, S::kRunning, A::kOperator).ok());
  EXPECT_FALSE(CheckTransition(S::kRunning, S::kDone, A::kOperator).ok());
  // Only an operator rejects.
  EXPECT_FALSE(CheckTransition(S::kAwaitingApproval, S::kRejected, A::kSweeper).ok());
  // A run is never created running or active.
  EXPECT_FALSE(CheckTransition(std::nullopt, S::kRunning, A::kDecider).ok());
  EXPECT_FALSE(CheckTransition(std::nullopt, S::kActive, A::kExecutor).ok());
}

TEST(LifecycleTest, NothingLeavesAFinalState) {
  for (S final : {S::kObserved, S::kSuppressed, S::kRejected, S::kApprovalExpired,
                  S::kDone, S::kReverted}) {
    EXPECT_TRUE(IsFinal(final)) << RunStateName(final);
    for (S to : kAll) {
      for (A by : {A::kDecider, A::kExecutor, A::kOperator, A::kSweeper}) {
        EXPECT_FALSE(CheckTransition(final, to, by).ok())
            << RunStateName(final) << " -> " << RunStateName(to);
      }
    }
  }
  EXPECT_FALSE(IsFinal(S::kFailed));  // an operator may retry it
}

TEST(LifecycleTest, ARefusalNamesTheStatesAndWho) {
  absl::Status s = CheckTransition(S::kDone, S::kActive, A::kOperator);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("an operator cannot move a run from done to active"));
}

TEST(LifecycleTest, OpenStatesAndLeases) {
  EXPECT_THAT(OpenStates(),
              ::testing::ElementsAre(S::kProposed, S::kAwaitingApproval, S::kApproved,
                                     S::kQueued, S::kRunning, S::kActive));
  EXPECT_FALSE(IsOpen(S::kReverting));
  EXPECT_EQ(ClaimedState(S::kActive), S::kReverting);
  EXPECT_EQ(ClaimedState(S::kReverting), S::kReverting);
  EXPECT_EQ(ClaimedState(S::kQueued), S::kRunning);
  EXPECT_EQ(ClaimedState(S::kRunning), S::kRunning);
}

}  // namespace
}  // namespace riposte::runs
