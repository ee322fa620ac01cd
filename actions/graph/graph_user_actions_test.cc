// force_logout and disable_user against the fake Graph.

#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "actions/action_executor.h"
#include "actions/graph/graph_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::actions::graph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Outcome = ActionResult::Outcome;

class GraphUserActionsTest : public GraphAdapterTest {
 protected:
  GraphUserActionsTest() {
    graph_.AddUser({"0d1f-alice", "alice@contoso.example"});
    graph_.AddUser({"guest-1", "eve_gmail.com#EXT#@contoso.example"});
  }
};

TEST_F(GraphUserActionsTest, ForceLogoutRevokesSessions) {
  absl::StatusOr<ActionResult> r = Apply(UserRequest("force_logout", "0d1f-alice"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, Outcome::kApplied);
  EXPECT_EQ(graph_.GetUser("0d1f-alice")->revocations, 1);
  EXPECT_THAT(GraphCalls(), ElementsAre("POST /users/0d1f-alice/revokeSignInSessions"));
  const http::HttpRequest post = Requests().back();
  EXPECT_TRUE(post.body.empty());
  EXPECT_THAT(r->details, HasSubstr(R"("action":"force_logout")"));
  EXPECT_THAT(r->details, HasSubstr(R"("request_id":"rid-)"));
  EXPECT_THAT(r->details, HasSubstr(R"("client_request_id":"guid-1")"));
}

TEST_F(GraphUserActionsTest, ForceLogoutAcceptsA204) {
  http::HttpResponse no_content;
  no_content.status = 204;
  graph_.Inject("POST", "revokeSignInSessions", no_content);
  absl::StatusOr<ActionResult> r = Apply(UserRequest("force_logout", "0d1f-alice"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, Outcome::kApplied);
}

TEST_F(GraphUserActionsTest, ForceLogoutByUpnEncodesThePath) {
  absl::StatusOr<ActionResult> r =
      Apply(UserRequest("force_logout", "", "eve_gmail.com#EXT#@contoso.example"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(GraphCalls(),
              ElementsAre("POST /users/eve_gmail.com%23EXT%23@contoso.example/revokeSignInSessions"));
  EXPECT_EQ(graph_.GetUser("guest-1")->revocations, 1);
}

TEST_F(GraphUserActionsTest, ForceLogoutCannotBeReverted) {
  absl::Status s = Revert(UserRequest("force_logout", "0d1f-alice")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(Requests().empty());
}

TEST_F(GraphUserActionsTest, UnknownUserIsNotFound) {
  absl::Status s = Apply(UserRequest("force_logout", "nobody")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("POST /v1.0/users/nobody/revokeSignInSessions: HTTP 404"));
  EXPECT_THAT(s.message(), HasSubstr("Request_ResourceNotFound"));
}

TEST_F(GraphUserActionsTest, BadTargetsAreInvalidArgument) {
  EXPECT_EQ(Apply(UserRequest("disable_user", "", "")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Apply(EmailRequest("disable_user", "<m@x>")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Apply(UserRequest("launch_missiles", "0d1f-alice")).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(Requests().empty());
}

TEST_F(GraphUserActionsTest, DisableThenReenable) {
  ActionRequest request = UserRequest("disable_user", "0d1f-alice");
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome, Outcome::kApplied);
  EXPECT_FALSE(graph_.GetUser("0d1f-alice")->enabled);
  EXPECT_THAT(GraphCalls(), ElementsAre("GET /users/0d1f-alice?$select=id,accountEnabled",
                                        "PATCH /users/0d1f-alice"));
  const http::HttpRequest patch = Requests().back();
  EXPECT_EQ(patch.body, R"({"accountEnabled":false})");
  EXPECT_EQ(patch.headers.at("Content-Type"), "application/json");
  EXPECT_EQ(applied->memo,
            R"({"v":1,"action":"disable_user","user":"0d1f-alice","was_disabled_before":false})");

  http_.ClearRequests();
  request.memo = applied->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_TRUE(graph_.GetUser("0d1f-alice")->enabled);
  EXPECT_THAT(GraphCalls(), ElementsAre("GET /users/0d1f-alice?$select=id,accountEnabled",
                                        "PATCH /users/0d1f-alice"));
  EXPECT_EQ(Requests().back().body, R"({"accountEnabled":true})");
}

TEST_F(GraphUserActionsTest, RevertAfterSomeoneReenabledIsAlreadyReverted) {
  ActionRequest request = UserRequest("disable_user", "0d1f-alice");
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok());
  graph_.SetUserEnabled("0d1f-alice", true);  // a helpdesk admin
  http_.ClearRequests();
  request.memo = applied->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok());
  EXPECT_EQ(reverted->outcome, Outcome::kAlreadyReverted);
  EXPECT_THAT(GraphCalls(), ElementsAre("GET /users/0d1f-alice?$select=id,accountEnabled"));
  EXPECT_THAT(reverted->details, HasSubstr("re-enabled by someone else"));
}

TEST_F(GraphUserActionsTest, AnAccountDisabledBeforeRiposteStaysDisabled) {
  graph_.SetUserEnabled("0d1f-alice", false);
  ActionRequest request = UserRequest("disable_user", "0d1f-alice");
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->outcome, Outcome::kAlreadyApplied);
  EXPECT_THAT(GraphCalls(), ElementsAre("GET /users/0d1f-alice?$select=id,accountEnabled"));
  EXPECT_THAT(applied->memo, HasSubstr(R"("was_disabled_before":true)"));
  EXPECT_THAT(applied->details, HasSubstr("already disabled before Riposte acted"));

  http_.ClearRequests();
  request.memo = applied->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok());
  EXPECT_EQ(reverted->outcome, Outcome::kNothingToUndo);
  EXPECT_THAT(reverted->details,
              HasSubstr("nothing to undo: the account was already disabled before "
                        "Riposte acted; left disabled"));
  EXPECT_TRUE(Requests().empty());
  EXPECT_FALSE(graph_.GetUser("0d1f-alice")->enabled);
}

TEST_F(GraphUserActionsTest, ARetriedApplyKeepsWhatTheFirstAttemptLearnt) {
  ActionRequest request = UserRequest("disable_user", "0d1f-alice");
  absl::StatusOr<ActionResult> first = Apply(request);
  ASSERT_TRUE(first.ok());
  // The executor recorded the memo, crashed, and runs Apply again.
  request.memo = first->memo;
  absl::StatusOr<ActionResult> second = Apply(request);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->outcome, Outcome::kAlreadyApplied);
  EXPECT_THAT(second->memo, HasSubstr(R"("was_disabled_before":false)"));
  request.memo = second->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok());
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_TRUE(graph_.GetUser("0d1f-alice")->enabled);
}

TEST_F(GraphUserActionsTest, RevertWithoutMemoRefusesToGuess) {
  graph_.SetUserEnabled("0d1f-alice", false);
  absl::Status s = Revert(UserRequest("disable_user", "0d1f-alice")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(graph_.GetUser("0d1f-alice")->enabled);
  ActionRequest garbled = UserRequest("disable_user", "0d1f-alice");
  garbled.memo = "{not json";
  EXPECT_EQ(Revert(garbled).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GraphUserActionsTest, ThrottledPatchCarriesRetryAfterAndARetrySucceeds) {
  http::HttpResponse throttled = GraphError(429, "TooManyRequests", "slow down");
  throttled.headers["Retry-After"] = "3";
  graph_.Inject("PATCH", "/users/0d1f-alice", throttled);
  ActionRequest request = UserRequest("disable_user", "0d1f-alice");
  absl::Status s = Apply(request).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(3));
  EXPECT_TRUE(graph_.GetUser("0d1f-alice")->enabled);
  // Until the Retry-After has passed, the directory scope stays held.
  EXPECT_TRUE(IsThrottled(Apply(request).status()));
  clock_.Advance(absl::Seconds(3));
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->outcome, Outcome::kApplied);
}

TEST_F(GraphUserActionsTest, ForbiddenIsPermissionDenied) {
  graph_.Inject("PATCH", "/users/0d1f-alice",
                GraphError(403, "Authorization_RequestDenied",
                           "Insufficient privileges to complete the operation."));
  absl::Status s = Apply(UserRequest("disable_user", "0d1f-alice")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("Insufficient privileges"));
}

}  // namespace
}  // namespace riposte::actions::graph

namespace riposte::actions::graph {
namespace {

using Outcome = ActionResult::Outcome;

class GraphUserCheckpointTest : public GraphAdapterTest {
 protected:
  GraphUserCheckpointTest() { graph_.AddUser({"0d1f-alice", "alice@contoso.example"}); }
};

TEST_F(GraphUserCheckpointTest, ACrashAfterThePatchStillReenablesOnRevert) {
  ActionRequest request = WithCheckpoint(UserRequest("disable_user", "0d1f-alice"));
  LoseAnswers("PATCH", "/users/0d1f-alice");
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(graph_.GetUser("0d1f-alice")->enabled);  // the PATCH did happen
  ASSERT_EQ(checkpoints_.size(), 1);
  EXPECT_THAT(checkpoints_[0], ::testing::HasSubstr(R"("was_disabled_before":false)"));

  // The executor retries with the checkpointed memo.
  RestoreAnswers();
  request.memo = checkpoints_.back();
  request.attempt = 2;
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->outcome, Outcome::kAlreadyApplied);
  EXPECT_THAT(retried->memo, ::testing::HasSubstr(R"("was_disabled_before":false)"));

  request.memo = retried->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_TRUE(graph_.GetUser("0d1f-alice")->enabled);
  // The release recorded its own PATCH, and kept what the Apply learnt.
  for (const std::string& memo : checkpoints_) {
    EXPECT_THAT(memo, HasSubstr(R"("was_disabled_before":false)"));
  }
}

// Every Nth Graph request is throttled: disabling and re-enabling still
// get through, each PATCH carried out exactly once.
class GraphUserPeriodicFaultTest
    : public GraphAdapterTest,
      public ::testing::WithParamInterface<std::tuple<int, int, bool>> {};

TEST_P(GraphUserPeriodicFaultTest, DisableAndReenableEachHappenOnce) {
  const auto [every, status, retry_after] = GetParam();
  graph_.AddUser({"0d1f-alice", "alice@contoso.example"});
  int seen = 0, patches = 0;
  http_.SetHandler([&](const http::HttpRequest& r) -> absl::StatusOr<http::HttpResponse> {
    if (absl::StrContains(r.url, "/oauth2/")) return graph_.Handle(r);
    if (++seen % every == 0) {
      http::HttpResponse answer = GraphError(status, "TooManyRequests", "slow down");
      if (retry_after) answer.headers["Retry-After"] = "2";
      return answer;
    }
    absl::StatusOr<http::HttpResponse> answer = graph_.Handle(r);
    if (r.method == "PATCH" && answer.ok() && answer->status == 204) ++patches;
    return answer;
  });
  ActionRequest request = WithCheckpoint(UserRequest("disable_user", "0d1f-alice"));
  auto run = [&](bool revert) -> absl::StatusOr<ActionResult> {
    for (int attempt = 0; attempt < 20; ++attempt) {
      absl::StatusOr<ActionResult> r = revert ? Revert(request) : Apply(request);
      if (r.ok() || !IsThrottled(r.status())) return r;
      if (!checkpoints_.empty()) request.memo = checkpoints_.back();
      clock_.Advance(absl::Minutes(5));
    }
    return absl::DeadlineExceededError("no progress in 20 attempts");
  };
  absl::StatusOr<ActionResult> applied = run(false);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_FALSE(graph_.GetUser("0d1f-alice")->enabled);
  request.memo = applied->memo;
  checkpoints_.clear();
  absl::StatusOr<ActionResult> reverted = run(true);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_TRUE(graph_.GetUser("0d1f-alice")->enabled);
  EXPECT_EQ(patches, 2);
}

INSTANTIATE_TEST_SUITE_P(EveryNthRequest, GraphUserPeriodicFaultTest,
                         ::testing::Combine(::testing::Range(2, 6),
                                            ::testing::Values(429, 503),
                                            ::testing::Bool()));

TEST_F(GraphUserCheckpointTest, ACrashAfterTheRevokeDoesNotRevokeAgain) {
  graph_.SetClock([this] { return clock_.Now(); });
  ActionRequest request = WithCheckpoint(UserRequest("force_logout", "0d1f-alice"));
  LoseAnswers("POST", "/revokeSignInSessions");
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(graph_.GetUser("0d1f-alice")->revocations, 1);  // it did happen
  ASSERT_EQ(checkpoints_.size(), 1);
  EXPECT_THAT(checkpoints_[0], HasSubstr(R"("revoke":"maybe_sent")"));

  // The user signs in again legitimately; then the executor retries.
  RestoreAnswers();
  clock_.Advance(absl::Minutes(3));
  request.memo = checkpoints_.back();
  request.attempt = 2;
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->outcome, Outcome::kAlreadyApplied);
  // Read, not revoked again: the new session survives.
  EXPECT_EQ(graph_.GetUser("0d1f-alice")->revocations, 1);
  EXPECT_THAT(GraphCalls().back(),
              HasSubstr("GET /users/0d1f-alice?$select=id,signInSessionsValidFromDateTime"));
  EXPECT_THAT(retried->details, HasSubstr("already revoked by an earlier attempt"));
}

TEST_F(GraphUserCheckpointTest, ARevokeThatNeverLandedIsSentAgain) {
  graph_.SetClock([this] { return clock_.Now(); });
  // Sessions were revoked by someone an hour before this run.
  ASSERT_TRUE(Apply(UserRequest("force_logout", "0d1f-alice")).ok());
  clock_.Advance(absl::Hours(1));
  ActionRequest request = WithCheckpoint(UserRequest("force_logout", "0d1f-alice"));
  // The request dies before reaching Graph.
  http_.SetHandler([this](const http::HttpRequest& r) -> absl::StatusOr<http::HttpResponse> {
    if (absl::StrContains(r.url, "revokeSignInSessions")) {
      return absl::UnavailableError("connection reset before sending");
    }
    return graph_.Handle(r);
  });
  EXPECT_FALSE(Apply(request).ok());
  RestoreAnswers();
  request.memo = checkpoints_.back();
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->outcome, Outcome::kApplied);
  EXPECT_EQ(graph_.GetUser("0d1f-alice")->revocations, 2);
}

TEST_F(GraphUserCheckpointTest, PeriodicThrottlingOfTheRevokeStillGetsThrough) {
  graph_.SetClock([this] { return clock_.Now(); });
  ActionRequest request = WithCheckpoint(UserRequest("force_logout", "0d1f-alice"));
  // Every revoke is throttled the first time: a retry that read first and
  // then revoked would meet the throttle every time.
  for (int pass = 0; pass < 3; ++pass) {
    http::HttpResponse throttled = GraphError(pass == 1 ? 503 : 429, "TooManyRequests", "slow");
    graph_.Inject("POST", "/revokeSignInSessions", throttled);
    absl::Status s = Apply(request).status();
    ASSERT_TRUE(IsThrottled(s)) << s;
    request.memo = checkpoints_.back();
    EXPECT_THAT(request.memo, HasSubstr(R"("revoke":"not_sent")"));
    clock_.Advance(absl::Minutes(5));
  }
  absl::StatusOr<ActionResult> done = Apply(request);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->outcome, Outcome::kApplied);
  EXPECT_EQ(graph_.GetUser("0d1f-alice")->revocations, 1);
  for (const std::string& call : GraphCalls()) {
    EXPECT_THAT(call, ::testing::Not(HasSubstr("GET"))) << "read although not sent";
  }
}

TEST_F(GraphUserCheckpointTest, ALostLeaseStopsBeforeActing) {
  lose_lease_ = true;
  absl::Status s = Apply(WithCheckpoint(UserRequest("disable_user", "0d1f-alice"))).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(graph_.GetUser("0d1f-alice")->enabled);
  for (const std::string& call : GraphCalls()) {
    EXPECT_THAT(call, ::testing::Not(::testing::StartsWith("PATCH")));
  }
  s = Apply(WithCheckpoint(UserRequest("force_logout", "0d1f-alice"))).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(graph_.GetUser("0d1f-alice")->revocations, 0);
}

}  // namespace
}  // namespace riposte::actions::graph
