// quarantine_email and move_to_junk against the fake Graph.

#include <map>

#include "absl/status/status.h"
#include "actions/action_executor.h"
#include "actions/common/json_value.h"
#include "actions/graph/fake_graph.h"
#include "actions/graph/graph_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::actions::graph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Outcome = ActionResult::Outcome;

constexpr char kImid[] = "<phish-1@evil.example>";

class GraphMailActionsTest : public GraphAdapterTest {
 protected:
  GraphMailActionsTest() {
    inbox_ = absl::StrCat("inbox-", kMailbox);
    junk_ = absl::StrCat("junk-", kMailbox);
    graph_.AddFolder(kMailbox, {"folder-archive", "Archive", ""});
    graph_.AddMessage(kMailbox, {"m1", kImid, inbox_, "Credit Transfer Copy"});
    graph_.AddMessage(kMailbox, {"m2", kImid, "folder-archive", "Credit Transfer Copy"});
    graph_.AddMessage(kMailbox, {"other", "<fine@x>", inbox_, "Lunch"});
  }

  std::string QuarantineId() {
    return graph_.FindFolderByName(kMailbox, "Riposte Quarantine")->id;
  }

  std::string inbox_;
  std::string junk_;
};

TEST_F(GraphMailActionsTest, QuarantineCreatesTheFolderAndMovesEveryCopy) {
  graph_.set_change_ids_on_move(true);
  ActionRequest request = EmailRequest("quarantine_email", kImid);
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome, Outcome::kApplied);
  const std::string q = QuarantineId();

  std::vector<std::string> calls = GraphCalls();
  ASSERT_EQ(calls.size(), 5);
  EXPECT_EQ(calls[0],
            "GET /users/bob@contoso.example/mailFolders?$filter=displayName%20eq%20"
            "%27Riposte%20Quarantine%27&$select=id,displayName");
  EXPECT_EQ(calls[1], "POST /users/bob@contoso.example/mailFolders");
  EXPECT_EQ(Requests()[2].body, R"({"displayName":"Riposte Quarantine"})");
  EXPECT_THAT(calls[2], HasSubstr("GET /users/bob@contoso.example/messages?$filter="));
  EXPECT_EQ(calls[3], "POST /users/bob@contoso.example/messages/m1/move");
  EXPECT_EQ(calls[4], "POST /users/bob@contoso.example/messages/m2/move");

  std::vector<FakeGraph::Message> copies = graph_.FindMessages(kMailbox, kImid);
  ASSERT_EQ(copies.size(), 2);
  for (const auto& m : copies) EXPECT_EQ(m.folder_id, q);
  // Ids changed on the move; the memo has the new ones and where each came from.
  absl::StatusOr<common::JsonValue> memo = common::JsonValue::Parse(applied->memo);
  ASSERT_TRUE(memo.ok());
  EXPECT_EQ(memo->GetString("folder_id"), q);
  EXPECT_EQ(memo->GetString("mailbox"), kMailbox);
  const auto& entries = memo->GetArray("messages");
  ASSERT_EQ(entries.size(), 2);
  EXPECT_EQ(entries[0].GetString("id"), copies[0].id);
  EXPECT_EQ(entries[0].GetString("from"), inbox_);
  EXPECT_EQ(entries[1].GetString("id"), copies[1].id);
  EXPECT_EQ(entries[1].GetString("from"), "folder-archive");
  EXPECT_NE(copies[0].id, "m1");

  request.memo = applied->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  copies = graph_.FindMessages(kMailbox, kImid);
  ASSERT_EQ(copies.size(), 2);
  EXPECT_EQ(copies[0].folder_id, inbox_);
  EXPECT_EQ(copies[1].folder_id, "folder-archive");
  EXPECT_THAT(reverted->details, HasSubstr(R"("moved_back":2)"));
  EXPECT_EQ(graph_.FindMessages(kMailbox, "<fine@x>")[0].folder_id, inbox_);
}

TEST_F(GraphMailActionsTest, QuarantineRequestsAreShapedAsDocumented) {
  graph_.AddFolder(kMailbox, {"folder-q", "Riposte Quarantine", ""});
  absl::StatusOr<ActionResult> applied = Apply(EmailRequest("quarantine_email", kImid));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_THAT(
      GraphCalls(),
      ElementsAre(
          "GET /users/bob@contoso.example/mailFolders?$filter=displayName%20eq%20"
          "%27Riposte%20Quarantine%27&$select=id,displayName",
          "GET /users/bob@contoso.example/messages?$filter=internetMessageId%20eq%20"
          "%27%3Cphish-1%40evil.example%3E%27&$select=id,parentFolderId,subject",
          "POST /users/bob@contoso.example/messages/m1/move",
          "POST /users/bob@contoso.example/messages/m2/move"));
  EXPECT_EQ(Requests().back().body, R"({"destinationId":"folder-q"})");
  EXPECT_THAT(applied->details, HasSubstr(R"("moved":2,"already_there":0)"));
}

TEST_F(GraphMailActionsTest, AFolderCreatedConcurrentlyIsLookedUpAgain) {
  graph_.set_conflict_on_folder_create(true);
  absl::StatusOr<ActionResult> applied = Apply(EmailRequest("quarantine_email", kImid));
  ASSERT_TRUE(applied.ok()) << applied.status();
  std::vector<std::string> calls = GraphCalls();
  ASSERT_GE(calls.size(), 3);
  EXPECT_THAT(calls[1], HasSubstr("POST /users/bob@contoso.example/mailFolders"));
  EXPECT_THAT(calls[2], HasSubstr("GET /users/bob@contoso.example/mailFolders?$filter="));
  for (const auto& m : graph_.FindMessages(kMailbox, kImid)) {
    EXPECT_EQ(m.folder_id, QuarantineId());
  }
}

TEST_F(GraphMailActionsTest, ApplyingTwiceDoesNotMoveTwice) {
  ActionRequest request = EmailRequest("quarantine_email", kImid);
  absl::StatusOr<ActionResult> first = Apply(request);
  ASSERT_TRUE(first.ok());
  http_.ClearRequests();
  request.memo = first->memo;
  absl::StatusOr<ActionResult> second = Apply(request);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->outcome, Outcome::kAlreadyApplied);
  for (const std::string& call : GraphCalls()) EXPECT_THAT(call, ::testing::Not(HasSubstr("/move")));
  // The original folders survive the second Apply.
  EXPECT_EQ(second->memo, first->memo);
}

TEST_F(GraphMailActionsTest, ARetriedApplyAfterTheLastStepCallsNothing) {
  ActionRequest request = EmailRequest("quarantine_email", kImid);
  absl::StatusOr<ActionResult> first = Apply(request);
  ASSERT_TRUE(first.ok());
  http_.ClearRequests();
  request.memo = first->memo;
  absl::StatusOr<ActionResult> second = Apply(request);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->outcome, Outcome::kAlreadyApplied);
  EXPECT_EQ(second->memo, first->memo);
  EXPECT_THAT(second->details, HasSubstr(R"("moved":0,"already_there":2)"));
  EXPECT_THAT(GraphCalls(), ::testing::IsEmpty());
}

TEST_F(GraphMailActionsTest, ARetryWithAnOldStyleMemoFindsTheMessageInTheFolder) {
  // A memo written before steps were recorded: no "planned".
  ActionRequest request = EmailRequest("quarantine_email", kImid);
  absl::StatusOr<ActionResult> first = Apply(request);
  ASSERT_TRUE(first.ok());
  std::string old_memo = first->memo;
  old_memo.replace(old_memo.find(R"("planned":true,)"), 15, "");
  // The mailbox-wide search lags behind the move.
  graph_.Inject("GET", "/users/bob@contoso.example/messages",
                http::JsonResponse(200, R"({"value":[]})"));
  http_.ClearRequests();
  request.memo = old_memo;
  absl::StatusOr<ActionResult> second = Apply(request);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->outcome, Outcome::kAlreadyApplied);
  EXPECT_EQ(second->memo, old_memo);
  EXPECT_THAT(second->details, HasSubstr(R"("found_in_destination":2)"));
  ASSERT_FALSE(GraphCalls().empty());
  EXPECT_THAT(GraphCalls().back(), HasSubstr("/mailFolders/" + QuarantineId() + "/messages?$filter="));
}

TEST_F(GraphMailActionsTest, NoSuchMessageIsNotFound) {
  absl::Status s = Apply(EmailRequest("quarantine_email", "<nope@x>")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("<nope@x>"));
}

TEST_F(GraphMailActionsTest, QuotesInTheMessageIdAreEscapedForOData) {
  graph_.AddMessage(kMailbox, {"m9", "<o'brien's@x>", inbox_, "Hi"});
  absl::StatusOr<ActionResult> applied = Apply(EmailRequest("move_to_junk", "<o'brien's@x>"));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m9")->folder_id, junk_);
  bool saw_search = false;
  for (const std::string& call : GraphCalls()) {
    if (absl::StrContains(call, "/messages?$filter=")) {
      saw_search = true;
      EXPECT_THAT(call, HasSubstr("%27%3Co%27%27brien%27%27s%40x%3E%27"));
    }
  }
  EXPECT_TRUE(saw_search);
}

TEST_F(GraphMailActionsTest, ACopyAlreadyInQuarantineIsNotReleasedByUs) {
  graph_.AddFolder(kMailbox, {"folder-q", "Riposte Quarantine", ""});
  graph_.MoveMessage(kMailbox, "m2", "folder-q");  // another run put it there
  ActionRequest request = EmailRequest("quarantine_email", kImid);
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->outcome, Outcome::kApplied);
  EXPECT_EQ(applied->memo,
            R"({"v":1,"action":"quarantine_email","mailbox":"bob@contoso.example",)"
            R"("folder_id":"folder-q","planned":true,"messages":[{"id":"m1","from":"inbox-bob@contoso.example"},)"
            R"({"id":"m2","from":null}]})");
  request.memo = applied->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok());
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m1")->folder_id, inbox_);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m2")->folder_id, "folder-q");
  EXPECT_THAT(reverted->details, HasSubstr(R"("not_moved_by_riposte":1)"));
}

TEST_F(GraphMailActionsTest, AllCopiesAlreadyThereIsAlreadyApplied) {
  graph_.AddFolder(kMailbox, {"folder-q", "Riposte Quarantine", ""});
  graph_.MoveMessage(kMailbox, "m1", "folder-q");
  graph_.MoveMessage(kMailbox, "m2", "folder-q");
  absl::StatusOr<ActionResult> applied = Apply(EmailRequest("quarantine_email", kImid));
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->outcome, Outcome::kAlreadyApplied);
}

TEST_F(GraphMailActionsTest, RevertReconcilesWithWhatHappenedSince) {
  ActionRequest request = EmailRequest("quarantine_email", kImid);
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok());
  // An analyst released m1 by hand and deleted m2.
  graph_.MoveMessage(kMailbox, "m1", inbox_);
  graph_.DeleteMessage(kMailbox, "m2");
  http_.ClearRequests();
  request.memo = applied->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kAlreadyReverted);
  EXPECT_THAT(reverted->details, HasSubstr(R"("already_moved_elsewhere":1,"gone":1)"));
  for (const std::string& call : GraphCalls()) EXPECT_THAT(call, ::testing::Not(HasSubstr("/move")));
}

TEST_F(GraphMailActionsTest, RevertFindsACopyWhoseIdChanged) {
  ActionRequest request = EmailRequest("quarantine_email", kImid);
  graph_.DeleteMessage(kMailbox, "m2");
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok());
  // The id recorded in the memo no longer resolves (e.g. the item was
  // re-created by a mailbox move), but the message is still quarantined.
  const std::string q = QuarantineId();
  graph_.DeleteMessage(kMailbox, "m1");
  graph_.AddMessage(kMailbox, {"m1-new", kImid, q, "Credit Transfer Copy"});
  request.memo = applied->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m1-new")->folder_id, inbox_);
}

TEST_F(GraphMailActionsTest, RevertFallsBackToTheInboxWhenTheOriginalFolderIsGone) {
  graph_.DeleteMessage(kMailbox, "m1");
  ActionRequest request = EmailRequest("quarantine_email", kImid);
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok());
  // "folder-archive" disappears: moving back to it answers 404.
  graph_.Inject("POST", "/messages/m2/move",
                GraphError(404, "ErrorItemNotFound", "The specified folder could not be found."));
  request.memo = applied->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m2")->folder_id, inbox_);
  EXPECT_THAT(reverted->details, HasSubstr(R"("moved_to_inbox":1)"));
}

TEST_F(GraphMailActionsTest, RevertWithoutMemoIsFailedPrecondition) {
  EXPECT_EQ(Revert(EmailRequest("quarantine_email", kImid)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(GraphMailActionsTest, FollowsNextLinks) {
  graph_.set_page_size(1);
  graph_.AddMessage(kMailbox, {"m3", kImid, inbox_, "again"});
  absl::StatusOr<ActionResult> applied = Apply(EmailRequest("move_to_junk", kImid));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_THAT(applied->details, HasSubstr(R"("moved":3)"));
  for (const auto& m : graph_.FindMessages(kMailbox, kImid)) EXPECT_EQ(m.folder_id, junk_);
}

TEST_F(GraphMailActionsTest, MoveToJunkAndBack) {
  ActionRequest request = EmailRequest("move_to_junk", kImid);
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome, Outcome::kApplied);
  std::vector<std::string> calls = GraphCalls();
  EXPECT_EQ(calls[0], "GET /users/bob@contoso.example/mailFolders/junkemail?$select=id");
  EXPECT_EQ(Requests().back().body, R"({"destinationId":"junkemail"})");
  EXPECT_THAT(applied->memo, HasSubstr(R"("folder_id":"junk-bob@contoso.example")"));
  for (const auto& m : graph_.FindMessages(kMailbox, kImid)) EXPECT_EQ(m.folder_id, junk_);

  request.memo = applied->memo;
  absl::StatusOr<ActionResult> again = Apply(request);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, Outcome::kAlreadyApplied);

  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok());
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m1")->folder_id, inbox_);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m2")->folder_id, "folder-archive");

  absl::StatusOr<ActionResult> twice = Revert(request);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->outcome, Outcome::kAlreadyReverted);
}

TEST_F(GraphMailActionsTest, ByGraphMessageIdWhenThereIsNoInternetMessageId) {
  ActionRequest request = EmailRequest("move_to_junk", "");
  request.target.mutable_email()->set_graph_message_id("m2");
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m2")->folder_id, junk_);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m1")->folder_id, inbox_);
  EXPECT_THAT(GraphCalls()[1], HasSubstr("GET /users/bob@contoso.example/messages/m2?$select="));

  ActionRequest missing = EmailRequest("move_to_junk", "");
  missing.target.mutable_email()->set_graph_message_id("zzz");
  EXPECT_EQ(Apply(missing).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(GraphMailActionsTest, InvalidEmailTargets) {
  EXPECT_EQ(Apply(EmailRequest("quarantine_email", kImid, "")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Apply(EmailRequest("quarantine_email", "")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Apply(UserRequest("quarantine_email", "u1")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Requests().empty());
}

TEST_F(GraphMailActionsTest, UnavailableMoveCarriesAnHttpDateRetryAfter) {
  http::HttpResponse busy = GraphError(503, "ServiceUnavailable", "try later");
  busy.headers["Retry-After"] = "Wed, 01 May 2024 10:00:05 GMT";
  graph_.Inject("POST", "/messages/m1/move", busy);
  absl::Status s = Apply(EmailRequest("move_to_junk", kImid)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(5));
  EXPECT_THAT(s.message(), HasSubstr("POST /v1.0/users/bob@contoso.example/messages/m1/move"));
}

}  // namespace
}  // namespace riposte::actions::graph

namespace riposte::actions::graph {
namespace {

using Outcome = ActionResult::Outcome;

class GraphMailCheckpointTest : public GraphAdapterTest {
 protected:
  GraphMailCheckpointTest() {
    inbox_ = absl::StrCat("inbox-", kMailbox);
    graph_.AddFolder(kMailbox, {"folder-archive", "Archive", ""});
    graph_.AddFolder(kMailbox, {"folder-q", "Riposte Quarantine", ""});
    graph_.AddMessage(kMailbox, {"m1", "<p@x>", inbox_, "s"});
    graph_.AddMessage(kMailbox, {"m2", "<p@x>", "folder-archive", "s"});
  }
  std::string inbox_;
};

TEST_F(GraphMailCheckpointTest, ACrashMidMoveStillReleasesToTheOriginalFolders) {
  // Ids change on a move and the first move's answer is lost: the retry
  // cannot know the moved copy's new id and must not orphan it.
  graph_.set_change_ids_on_move(true);
  ActionRequest request = WithCheckpoint(EmailRequest("quarantine_email", "<p@x>"));
  LoseAnswers("POST", "/messages/m1/move");
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kDeadlineExceeded);
  // The folder, then the plan, then the move about to be sent, each
  // recorded before the next step.
  ASSERT_EQ(checkpoints_.size(), 3);
  EXPECT_EQ(checkpoints_[0],
            R"({"v":1,"action":"quarantine_email","mailbox":"bob@contoso.example",)"
            R"("folder_id":"folder-q","messages":[]})");
  EXPECT_EQ(checkpoints_[1],
            R"({"v":1,"action":"quarantine_email","mailbox":"bob@contoso.example",)"
            R"("folder_id":"folder-q","planned":true,"messages":[)"
            R"({"id":"m1","from":"inbox-bob@contoso.example","moved":false},)"
            R"({"id":"m2","from":"folder-archive","moved":false}]})");
  EXPECT_EQ(checkpoints_[2],
            R"({"v":1,"action":"quarantine_email","mailbox":"bob@contoso.example",)"
            R"("folder_id":"folder-q","planned":true,"messages":[)"
            R"({"id":"m1","from":"inbox-bob@contoso.example","moved":false,"sent":"maybe"},)"
            R"({"id":"m2","from":"folder-archive","moved":false}]})");

  RestoreAnswers();
  request.memo = checkpoints_.back();
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->outcome, Outcome::kApplied);  // m2 moved now
  for (const auto& m : graph_.FindMessages(kMailbox, "<p@x>")) EXPECT_EQ(m.folder_id, "folder-q");

  request.memo = retried->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  std::vector<std::string> folders;
  for (const auto& m : graph_.FindMessages(kMailbox, "<p@x>")) folders.push_back(m.folder_id);
  EXPECT_THAT(folders, ::testing::UnorderedElementsAre(inbox_, "folder-archive"));
}

TEST_F(GraphMailCheckpointTest, AMoveWhoseAnswerWasLostIsNotRepeated) {
  // Immutable ids: the copy keeps its id in quarantine. The first move
  // happened but its answer (and so its checkpoint) was lost, as when
  // riposted is killed between the call and the checkpoint. The retry
  // must see the copy is already there and not move it a second time.
  ActionRequest request = WithCheckpoint(EmailRequest("quarantine_email", "<p@x>"));
  LoseAnswers("POST", "/messages/m1/move");
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_EQ(graph_.GetMessage(kMailbox, "m1")->folder_id, "folder-q");

  RestoreAnswers();
  request.memo = checkpoints_.back();
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  int m1_moves = 0;
  for (const std::string& call : GraphCalls()) {
    if (call == "POST /users/bob@contoso.example/messages/m1/move") ++m1_moves;
  }
  EXPECT_EQ(m1_moves, 1);
  for (const auto& m : graph_.FindMessages(kMailbox, "<p@x>")) EXPECT_EQ(m.folder_id, "folder-q");

  // Revert still knows where m1 came from.
  request.memo = retried->memo;
  absl::StatusOr<ActionResult> reverted = Revert(request);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m1")->folder_id, inbox_);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m2")->folder_id, "folder-archive");
}

TEST_F(GraphMailCheckpointTest, AReleaseWhoseAnswerWasLostAfterThrottlingIsNotRepeated) {
  ActionRequest request = WithCheckpoint(EmailRequest("quarantine_email", "<p@x>"));
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok()) << applied.status();
  request.memo = applied->memo;
  checkpoints_.clear();
  // The move back of m1 is throttled once, then carried out with its
  // answer lost, then answered normally.
  int answers = 0;
  int moved_back = 0;
  http_.SetHandler([&](const http::HttpRequest& r) -> absl::StatusOr<http::HttpResponse> {
    const bool release = r.method == "POST" && absl::StrContains(r.url, "/messages/m1/move");
    if (release && answers++ == 0) {
      http::HttpResponse throttled = GraphError(429, "TooManyRequests", "slow down");
      throttled.headers["Retry-After"] = "1";
      return throttled;
    }
    absl::StatusOr<http::HttpResponse> answer = graph_.Handle(r);
    if (release && answer.ok() && answer->status == 201) ++moved_back;
    if (release && answers == 2) return absl::DeadlineExceededError("no answer in time");
    return answer;
  });
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<ActionResult> r = Revert(request);
    if (r.ok()) break;
    ASSERT_FALSE(checkpoints_.empty()) << r.status();
    request.memo = checkpoints_.back();
    clock_.Advance(absl::Minutes(5));
  }
  EXPECT_EQ(moved_back, 1);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m1")->folder_id, inbox_);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m2")->folder_id, "folder-archive");
}

// Every Nth Graph request fails (429 or 503, with or without Retry-After),
// as the executor would meet it: each attempt resumes from the last
// checkpoint once the hold has passed. Progress only moves forward, and
// each copy is moved into quarantine and back exactly once.
struct PeriodicFault {
  int every;
  int status;
  bool retry_after;
};

class GraphMailPeriodicFaultTest
    : public GraphAdapterTest,
      public ::testing::WithParamInterface<PeriodicFault> {};

TEST_P(GraphMailPeriodicFaultTest, ProgressOnlyMovesForwardAndEachMoveHappensOnce) {
  const PeriodicFault fault = GetParam();
  const std::string inbox = absl::StrCat("inbox-", kMailbox);
  graph_.AddFolder(kMailbox, {"folder-archive", "Archive", ""});
  graph_.AddMessage(kMailbox, {"m1", "<p@x>", inbox, "s"});
  graph_.AddMessage(kMailbox, {"m2", "<p@x>", "folder-archive", "s"});
  int seen = 0;
  std::map<std::string, int> moves;  // move URL -> moves that happened
  http_.SetHandler([&](const http::HttpRequest& r) -> absl::StatusOr<http::HttpResponse> {
    if (absl::StrContains(r.url, "/oauth2/")) return graph_.Handle(r);
    if (++seen % fault.every == 0) {
      http::HttpResponse answer = GraphError(fault.status, "TooManyRequests", "slow down");
      if (fault.retry_after) answer.headers["Retry-After"] = "2";
      return answer;
    }
    absl::StatusOr<http::HttpResponse> answer = graph_.Handle(r);
    if (answer.ok() && answer->status == 201 && absl::EndsWith(r.url, "/move")) {
      ++moves[r.url];
    }
    return answer;
  });
  ActionRequest request = WithCheckpoint(EmailRequest("quarantine_email", "<p@x>"));
  auto run = [&](bool revert) -> absl::StatusOr<ActionResult> {
    for (int attempt = 0; attempt < 40; ++attempt) {
      absl::StatusOr<ActionResult> r = revert ? Revert(request) : Apply(request);
      if (r.ok() || !IsThrottled(r.status())) return r;
      if (!checkpoints_.empty()) request.memo = checkpoints_.back();
      clock_.Advance(absl::Minutes(5));  // past any hold
    }
    return absl::DeadlineExceededError("no progress in 40 attempts");
  };
  absl::StatusOr<ActionResult> applied = run(false);
  ASSERT_TRUE(applied.ok()) << applied.status();
  const std::string quarantine = graph_.FindFolderByName(kMailbox, "Riposte Quarantine")->id;
  for (const auto& m : graph_.FindMessages(kMailbox, "<p@x>")) {
    EXPECT_EQ(m.folder_id, quarantine);
  }
  request.memo = applied->memo;
  checkpoints_.clear();
  absl::StatusOr<ActionResult> reverted = run(true);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  std::vector<std::string> folders;
  for (const auto& m : graph_.FindMessages(kMailbox, "<p@x>")) folders.push_back(m.folder_id);
  EXPECT_THAT(folders, ::testing::UnorderedElementsAre(inbox, "folder-archive"));
  // Ids survive moves (immutable ids), so each message's move URL was
  // carried out exactly twice: into quarantine and back.
  EXPECT_EQ(moves.size(), 2);
  for (const auto& [url, count] : moves) EXPECT_EQ(count, 2) << url;
}

std::vector<PeriodicFault> AllPeriodicFaults() {
  std::vector<PeriodicFault> out;
  for (int every = 2; every <= 5; ++every) {
    for (int status : {429, 503}) {
      for (bool retry_after : {false, true}) out.push_back({every, status, retry_after});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    EveryNthRequest, GraphMailPeriodicFaultTest, ::testing::ValuesIn(AllPeriodicFaults()),
    [](const ::testing::TestParamInfo<PeriodicFault>& info) {
      return absl::StrCat("Every", info.param.every, "th", info.param.status,
                          info.param.retry_after ? "WithRetryAfter" : "");
    });

TEST_F(GraphMailCheckpointTest, ALostLeaseMovesNothing) {
  lose_lease_ = true;
  absl::Status s = Apply(WithCheckpoint(EmailRequest("move_to_junk", "<p@x>"))).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m1")->folder_id, inbox_);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m2")->folder_id, "folder-archive");
}

}  // namespace
}  // namespace riposte::actions::graph
