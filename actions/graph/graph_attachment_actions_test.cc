// strip_attachment against the fake Graph.

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "actions/action_executor.h"
#include "actions/common/json_value.h"
#include "actions/graph/fake_graph.h"
#include "actions/graph/graph_test_util.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::actions::graph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Outcome = ActionResult::Outcome;

constexpr char kImid[] = "<spam-7@evil.example>";
constexpr char kPayload[] = "<html><script>location='https://phish.example'</script></html>";

class GraphAttachmentActionsTest : public GraphAdapterTest {
 protected:
  GraphAttachmentActionsTest() {
    FakeGraph::Message m{"m1", kImid, absl::StrCat("inbox-", kMailbox), "Payment"};
    m.attachments.push_back({"a1", "Credit Transfer Copy.html", "text/html",
                             "#microsoft.graph.fileAttachment", kPayload});
    m.attachments.push_back({"a2", "invoice.pdf", "application/pdf",
                             "#microsoft.graph.fileAttachment", "%PDF-1.7 harmless"});
    m.attachments.push_back({"a3", "logo.png", "image/png",
                             "#microsoft.graph.fileAttachment", "PNGDATA", true});
    m.attachments.push_back({"a4", "Fwd: earlier", "message/rfc822",
                             "#microsoft.graph.itemAttachment", ""});
    graph_.AddMessage(kMailbox, m);
  }

  std::vector<std::string> RemainingNames(const std::string& id = "m1") {
    std::vector<std::string> out;
    const std::optional<FakeGraph::Message> message = graph_.GetMessage(kMailbox, id);
    for (const auto& a : message->attachments) out.push_back(a.name);
    return out;
  }
};

TEST_F(GraphAttachmentActionsTest, StripsEveryFileAttachmentWhenNoneAreListed) {
  absl::StatusOr<ActionResult> r = Apply(EmailRequest("strip_attachment", kImid));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, Outcome::kApplied);
  EXPECT_THAT(RemainingNames(), ElementsAre("logo.png", "Fwd: earlier"));

  absl::StatusOr<common::JsonValue> details = common::JsonValue::Parse(r->details);
  ASSERT_TRUE(details.ok());
  const auto& removed = details->GetArray("removed");
  ASSERT_EQ(removed.size(), 2);
  EXPECT_EQ(removed[0].GetString("name"), "Credit Transfer Copy.html");
  EXPECT_EQ(removed[0].GetString("content_type"), "text/html");
  EXPECT_EQ(removed[0].GetInt64("size"), static_cast<int64_t>(strlen(kPayload)));
  EXPECT_EQ(removed[0].GetString("sha256"), Sha256Hex(kPayload));
  EXPECT_EQ(removed[1].GetString("sha256"), Sha256Hex("%PDF-1.7 harmless"));
  EXPECT_EQ(details->GetArray("kept").size(), 2);
  // The record names what was removed, never its content.
  EXPECT_THAT(r->details, Not(HasSubstr("phish.example")));
  EXPECT_THAT(r->details, Not(HasSubstr(absl::Base64Escape(kPayload))));
  EXPECT_THAT(r->memo, Not(HasSubstr("phish.example")));
  EXPECT_THAT(r->memo, HasSubstr(Sha256Hex(kPayload)));

  std::vector<std::string> calls = GraphCalls();
  EXPECT_EQ(calls[1],
            "GET /users/bob@contoso.example/messages/m1/attachments"
            "?$select=id,name,contentType,size,isInline");
  EXPECT_EQ(calls[2], "GET /users/bob@contoso.example/messages/m1/attachments/a1");
  EXPECT_EQ(calls[3], "GET /users/bob@contoso.example/messages/m1/attachments/a2");
  // Deletes come after the record of what will go was checkpointed.
  EXPECT_EQ(calls[4], "DELETE /users/bob@contoso.example/messages/m1/attachments/a1");
  EXPECT_EQ(calls[5], "DELETE /users/bob@contoso.example/messages/m1/attachments/a2");
}

TEST_F(GraphAttachmentActionsTest, StripsOnlyTheListedHash) {
  ActionRequest request = EmailRequest("strip_attachment", kImid);
  v1::Attachment* wanted = request.target.mutable_email()->add_attachments();
  wanted->set_name("renamed-by-detector.html");
  wanted->set_sha256(absl::AsciiStrToUpper(Sha256Hex(kPayload)));
  absl::StatusOr<ActionResult> r = Apply(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, Outcome::kApplied);
  EXPECT_THAT(RemainingNames(), ElementsAre("invoice.pdf", "logo.png", "Fwd: earlier"));
}

TEST_F(GraphAttachmentActionsTest, StripsOnlyTheListedName) {
  ActionRequest request = EmailRequest("strip_attachment", kImid);
  request.target.mutable_email()->add_attachments()->set_name("invoice.pdf");
  absl::StatusOr<ActionResult> r = Apply(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(RemainingNames(), ElementsAre("Credit Transfer Copy.html", "logo.png", "Fwd: earlier"));
  // Only the selected attachment was downloaded for its hash.
  int downloads = 0;
  for (const std::string& call : GraphCalls()) {
    if (absl::StrContains(call, "GET") && absl::StrContains(call, "/attachments/")) ++downloads;
  }
  EXPECT_EQ(downloads, 1);
}

TEST_F(GraphAttachmentActionsTest, ARepeatedStripIsAlreadyApplied) {
  ActionRequest request = EmailRequest("strip_attachment", kImid);
  request.target.mutable_email()->add_attachments()->set_name("Credit Transfer Copy.html");
  absl::StatusOr<ActionResult> first = Apply(request);
  ASSERT_TRUE(first.ok());
  request.memo = first->memo;
  absl::StatusOr<ActionResult> second = Apply(request);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->outcome, Outcome::kAlreadyApplied);
  // The memo still records what the first attempt removed.
  EXPECT_THAT(second->memo, HasSubstr(Sha256Hex(kPayload)));
}

TEST_F(GraphAttachmentActionsTest, A404OnDeleteMeansAlreadyRemoved) {
  graph_.Inject("DELETE", "/attachments/a1",
                GraphError(404, "ErrorItemNotFound", "The attachment was not found."));
  ActionRequest request = EmailRequest("strip_attachment", kImid);
  request.target.mutable_email()->add_attachments()->set_name("Credit Transfer Copy.html");
  absl::StatusOr<ActionResult> r = Apply(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, Outcome::kAlreadyApplied);
  EXPECT_THAT(r->details, HasSubstr(R"("already_removed":1)"));
}

TEST_F(GraphAttachmentActionsTest, StripsEveryCopy) {
  FakeGraph::Message copy{"m2", kImid, "folder-x", "Payment"};
  copy.attachments.push_back({"b1", "Credit Transfer Copy.html", "text/html",
                              "#microsoft.graph.fileAttachment", kPayload});
  graph_.AddMessage(kMailbox, copy);
  ActionRequest request = EmailRequest("strip_attachment", kImid);
  request.target.mutable_email()->add_attachments()->set_sha256(Sha256Hex(kPayload));
  absl::StatusOr<ActionResult> r = Apply(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(graph_.GetMessage(kMailbox, "m2")->attachments.empty());
  EXPECT_THAT(RemainingNames(), ElementsAre("invoice.pdf", "logo.png", "Fwd: earlier"));
  EXPECT_THAT(r->details, HasSubstr(R"("copies":2)"));
}

TEST_F(GraphAttachmentActionsTest, LargeAttachmentsAreRemovedWithoutAHash) {
  GraphOptions options = Options();
  options.max_attachment_hash_bytes = 10;
  MakeAdapter(options);
  ActionRequest request = EmailRequest("strip_attachment", kImid);
  request.target.mutable_email()->add_attachments()->set_name("Credit Transfer Copy.html");
  absl::StatusOr<ActionResult> r = Apply(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->details, HasSubstr(R"("sha256":null)"));
  for (const std::string& call : GraphCalls()) {
    EXPECT_FALSE(absl::StartsWith(call, "GET") && absl::StrContains(call, "/attachments/a1"));
  }
}

TEST_F(GraphAttachmentActionsTest, CannotBeReverted) {
  EXPECT_EQ(Revert(EmailRequest("strip_attachment", kImid)).status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST_F(GraphAttachmentActionsTest, MissingMessageIsNotFound) {
  EXPECT_EQ(Apply(EmailRequest("strip_attachment", "<gone@x>")).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace riposte::actions::graph

namespace riposte::actions::graph {
namespace {

using Outcome = ActionResult::Outcome;

TEST_F(GraphAttachmentActionsTest, TheRecordSurvivesACrashAfterTheDelete) {
  ActionRequest request = WithCheckpoint(EmailRequest("strip_attachment", kImid));
  request.target.mutable_email()->add_attachments()->set_name("Credit Transfer Copy.html");
  LoseAnswers("DELETE", "/attachments/a1");
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_EQ(checkpoints_.size(), 1);
  EXPECT_THAT(checkpoints_[0], HasSubstr(Sha256Hex(kPayload)));

  RestoreAnswers();
  request.memo = checkpoints_.back();
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->outcome, Outcome::kAlreadyApplied);
  absl::StatusOr<common::JsonValue> memo = common::JsonValue::Parse(retried->memo);
  ASSERT_TRUE(memo.ok());
  ASSERT_EQ(memo->GetArray("removed").size(), 1);
  EXPECT_EQ(memo->GetArray("removed")[0].GetString("sha256"), Sha256Hex(kPayload));
}

TEST_F(GraphAttachmentActionsTest, ARetryThatDeletesAPlannedAttachmentRecordsItOnce) {
  ActionRequest request = WithCheckpoint(EmailRequest("strip_attachment", kImid));
  request.target.mutable_email()->add_attachments()->set_name("invoice.pdf");
  // The checkpoint was stored, then the process died before the DELETE.
  graph_.Inject("DELETE", "/attachments/a2", GraphError(503, "ServiceUnavailable", "busy"));
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kUnavailable);
  request.memo = checkpoints_.back();
  clock_.Advance(Options().throttle_initial);  // the mailbox's hold
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->outcome, Outcome::kApplied);
  absl::StatusOr<common::JsonValue> memo = common::JsonValue::Parse(retried->memo);
  ASSERT_TRUE(memo.ok());
  EXPECT_EQ(memo->GetArray("removed").size(), 1);
}

TEST_F(GraphAttachmentActionsTest, ALostLeaseDeletesNothing) {
  lose_lease_ = true;
  EXPECT_EQ(Apply(WithCheckpoint(EmailRequest("strip_attachment", kImid))).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m1")->attachments.size(), 4);
}

}  // namespace
}  // namespace riposte::actions::graph
