// strip_attachment against the fake Graph.

#include "absl/status/status.h"
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
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

  // The memo's attachments in `state` (planned, deleting, deleted, gone).
  static std::vector<common::JsonValue> InState(const common::JsonValue& memo,
                                                const std::string& state) {
    std::vector<common::JsonValue> out;
    for (const common::JsonValue& a : memo.GetArray("attachments")) {
      if (a.GetString("state") == state) out.push_back(a);
    }
    return out;
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
  // Content is read (for its hash) only for what may be removed.
  EXPECT_TRUE(absl::StartsWith(calls[2], "GET /users/bob@contoso.example/messages/m1/attachments/a1"))
      << calls[2];
  EXPECT_TRUE(absl::StartsWith(calls[3], "GET /users/bob@contoso.example/messages/m1/attachments/a2"))
      << calls[3];
  EXPECT_EQ(calls.size(), 6);
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

TEST_F(GraphAttachmentActionsTest, TheRecordSurvivesACrashAfterTheDelete) {
  ActionRequest request = WithCheckpoint(EmailRequest("strip_attachment", kImid));
  request.target.mutable_email()->add_attachments()->set_name("Credit Transfer Copy.html");
  LoseAnswers("DELETE", "/attachments/a1");
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kDeadlineExceeded);
  // The last checkpoint, stored before the DELETE, says it was going.
  ASSERT_FALSE(checkpoints_.empty());
  EXPECT_THAT(checkpoints_.back(), HasSubstr(Sha256Hex(kPayload)));
  EXPECT_THAT(checkpoints_.back(), HasSubstr(R"("state":"deleting")"));

  RestoreAnswers();
  request.memo = checkpoints_.back();
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->outcome, Outcome::kAlreadyApplied);
  absl::StatusOr<common::JsonValue> memo = common::JsonValue::Parse(retried->memo);
  ASSERT_TRUE(memo.ok());
  std::vector<common::JsonValue> gone = InState(*memo, "gone");
  ASSERT_EQ(gone.size(), 1);
  EXPECT_EQ(gone[0].GetString("sha256"), Sha256Hex(kPayload));
  // The retry neither searched nor listed nor read again: only the DELETE.
  EXPECT_EQ(GraphCalls().back(), "DELETE /users/bob@contoso.example/messages/m1/attachments/a1");
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
  EXPECT_EQ(InState(*memo, "deleted").size(), 1);
  EXPECT_EQ(common::JsonValue::Parse(retried->details)->GetArray("removed").size(), 1);
}

TEST_F(GraphAttachmentActionsTest, AMemoOfTheFirstVersionIsContinued) {
  // Version 1 checkpointed an attachment right before its DELETE.
  ActionRequest request = EmailRequest("strip_attachment", kImid);
  request.target.mutable_email()->add_attachments()->set_name("invoice.pdf");
  request.memo = absl::StrCat(
      R"({"v":1,"action":"strip_attachment","mailbox":"bob@contoso.example",)",
      R"("removed":[{"message_id":"m1","attachment_id":"a2","name":"invoice.pdf",)",
      R"("content_type":"application/pdf","size":17,"sha256":")",
      Sha256Hex("%PDF-1.7 harmless"), R"("}]})");
  absl::StatusOr<ActionResult> r = Apply(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, Outcome::kApplied);
  EXPECT_THAT(RemainingNames(), ElementsAre("Credit Transfer Copy.html", "logo.png", "Fwd: earlier"));
  absl::StatusOr<common::JsonValue> memo = common::JsonValue::Parse(r->memo);
  ASSERT_TRUE(memo.ok());
  EXPECT_EQ(memo->GetInt64("v"), 2);
  ASSERT_EQ(InState(*memo, "deleted").size(), 1);
  EXPECT_EQ(InState(*memo, "deleted")[0].GetString("sha256"), Sha256Hex("%PDF-1.7 harmless"));
}

TEST_F(GraphAttachmentActionsTest, ALostLeaseDeletesNothing) {
  lose_lease_ = true;
  EXPECT_EQ(Apply(WithCheckpoint(EmailRequest("strip_attachment", kImid))).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(graph_.GetMessage(kMailbox, "m1")->attachments.size(), 4);
}

// A message with each kind of attachment Exchange has.
class AttachmentKindsTest : public GraphAttachmentActionsTest {
 protected:
  AttachmentKindsTest() : big_(FakeGraph::kListedContentLimit + 12345, 'Z') {
    big_[0] = 'M';  // differs from a run of one byte
    FakeGraph::Message m{"k1", "<kinds@evil.example>", absl::StrCat("inbox-", kMailbox), "Kinds"};
    m.attachments.push_back({"f1", "Credit Transfer Copy.html", "text/html",
                             FakeGraph::kFileAttachment, kPayload});
    FakeGraph::Attachment image{"i1", "image001.png", "image/png",
                                FakeGraph::kFileAttachment, "PNGDATA", true};
    image.content_id = "image001.png@01DA9B2C.5E1F0A30";
    m.attachments.push_back(image);
    m.attachments.push_back({"t1", "Fwd: invoice", "", FakeGraph::kItemAttachment,
                             "From: a@b\r\nSubject: invoice\r\n\r\nhello"});
    FakeGraph::Attachment link{"r1", "Shared statement.docx", "",
                               FakeGraph::kReferenceAttachment, ""};
    link.size = 412;
    m.attachments.push_back(link);
    m.attachments.push_back({"b1", "archive.zip", "application/zip",
                             FakeGraph::kFileAttachment, big_});
    graph_.AddMessage(kMailbox, m);
  }

  ActionRequest Request(std::vector<std::string> names = {}) {
    ActionRequest r = EmailRequest("strip_attachment", "<kinds@evil.example>");
    for (const std::string& n : names) r.target.mutable_email()->add_attachments()->set_name(n);
    return r;
  }

  static const common::JsonValue* Named(const std::vector<common::JsonValue>& list,
                                        const std::string& name) {
    for (const common::JsonValue& v : list) {
      if (v.GetString("name") == name) return &v;
    }
    return nullptr;
  }

  std::string big_;
};

TEST_F(AttachmentKindsTest, StrippingAllRemovesFilesAndSaysWhyTheRestStays) {
  absl::StatusOr<ActionResult> r = Apply(Request());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, Outcome::kApplied);
  EXPECT_THAT(RemainingNames("k1"),
              ElementsAre("image001.png", "Fwd: invoice", "Shared statement.docx"));
  absl::StatusOr<common::JsonValue> details = common::JsonValue::Parse(r->details);
  ASSERT_TRUE(details.ok());
  const auto& removed = details->GetArray("removed");
  ASSERT_EQ(removed.size(), 2);
  // Over 3 MB: the listing has no contentBytes, and the hash is still read.
  const common::JsonValue* zip = Named(removed, "archive.zip");
  ASSERT_NE(zip, nullptr);
  EXPECT_EQ(zip->GetString("sha256"), Sha256Hex(big_));
  EXPECT_EQ(zip->GetString("kind"), "file");
  const auto& kept = details->GetArray("kept");
  ASSERT_EQ(kept.size(), 3);
  EXPECT_THAT(Named(kept, "image001.png")->GetString("reason").value_or(""),
              HasSubstr("inline"));
  EXPECT_THAT(Named(kept, "Fwd: invoice")->GetString("reason").value_or(""),
              HasSubstr("not a file attachment"));
  EXPECT_THAT(Named(kept, "Shared statement.docx")->GetString("reason").value_or(""),
              HasSubstr("link to a file in the cloud"));
  // Nothing that stays was downloaded.
  for (const std::string& call : GraphCalls()) {
    EXPECT_THAT(call, Not(HasSubstr("/attachments/i1"))) << call;
    EXPECT_THAT(call, Not(HasSubstr("/attachments/t1"))) << call;
    EXPECT_THAT(call, Not(HasSubstr("/attachments/r1"))) << call;
  }
  EXPECT_THAT(r->details, Not(HasSubstr(big_.substr(0, 64))));
}

TEST_F(AttachmentKindsTest, NamedItemLinkAndInlineImageAreRemovedAndRecorded) {
  absl::StatusOr<ActionResult> r =
      Apply(Request({"Fwd: invoice", "Shared statement.docx", "image001.png"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(RemainingNames("k1"), ElementsAre("Credit Transfer Copy.html", "archive.zip"));
  absl::StatusOr<common::JsonValue> details = common::JsonValue::Parse(r->details);
  ASSERT_TRUE(details.ok());
  const auto& removed = details->GetArray("removed");
  ASSERT_EQ(removed.size(), 3);
  const common::JsonValue* item = Named(removed, "Fwd: invoice");
  EXPECT_EQ(item->GetString("kind"), "item");
  EXPECT_TRUE(item->Find("sha256")->is_null());
  EXPECT_THAT(item->GetString("note").value_or(""), HasSubstr("without a SHA-256"));
  const common::JsonValue* link = Named(removed, "Shared statement.docx");
  EXPECT_EQ(link->GetString("kind"), "reference");
  EXPECT_EQ(link->GetInt64("size"), 412);
  EXPECT_THAT(link->GetString("note").value_or(""), HasSubstr("not touched"));
  const common::JsonValue* image = Named(removed, "image001.png");
  EXPECT_EQ(image->GetString("sha256"), Sha256Hex("PNGDATA"));
  EXPECT_EQ(image->GetBool("inline"), true);
}

TEST_F(AttachmentKindsTest, AHashCannotSelectWhatHasNoHash) {
  ActionRequest request = Request();
  request.target.mutable_email()->add_attachments()->set_sha256(Sha256Hex(kPayload));
  absl::StatusOr<ActionResult> r = Apply(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(RemainingNames("k1"), ElementsAre("image001.png", "Fwd: invoice",
                                                "Shared statement.docx", "archive.zip"));
  absl::StatusOr<common::JsonValue> details = common::JsonValue::Parse(r->details);
  const auto& kept = details->GetArray("kept");
  EXPECT_THAT(Named(kept, "Fwd: invoice")->GetString("reason").value_or(""),
              HasSubstr("no hash: an item attachment"));
  EXPECT_THAT(Named(kept, "Shared statement.docx")->GetString("reason").value_or(""),
              HasSubstr("no hash: a reference attachment"));
  EXPECT_EQ(Named(kept, "archive.zip")->GetString("reason"), "not listed in the breach");
}

// Graph fails every Nth request with 429 or 503; each Apply is retried
// with the memo of its last checkpoint until one succeeds.
TEST_F(GraphAttachmentActionsTest, ResumesUnderPeriodicThrottlingAndDeletesEachOnce) {
  for (int status : {429, 503}) {
    for (int n = 2; n <= 5; ++n) {
      SCOPED_TRACE(absl::StrCat("HTTP ", status, " every ", n, " requests"));
      graph_.DeleteMessage(kMailbox, "m1");
      graph_.DeleteMessage(kMailbox, "m2");
      FakeGraph::Message m{"m1", kImid, absl::StrCat("inbox-", kMailbox), "Payment"};
      m.attachments.push_back({"a1", "Credit Transfer Copy.html", "text/html",
                               FakeGraph::kFileAttachment, kPayload});
      m.attachments.push_back({"a2", "invoice.pdf", "application/pdf",
                               FakeGraph::kFileAttachment, "%PDF-1.7 harmless"});
      m.attachments.push_back({"a3", "logo.png", "image/png", FakeGraph::kFileAttachment,
                               "PNGDATA", true});
      graph_.AddMessage(kMailbox, m);
      FakeGraph::Message copy{"m2", kImid, "folder-x", "Payment"};
      copy.attachments.push_back({"b1", "Credit Transfer Copy.html", "text/html",
                                  FakeGraph::kFileAttachment, kPayload});
      graph_.AddMessage(kMailbox, copy);

      int sent = 0;
      std::map<std::string, std::vector<int>> delete_answers;
      http_.SetHandler([&](const http::HttpRequest& r) -> absl::StatusOr<http::HttpResponse> {
        if (absl::StartsWith(r.url, FakeGraph::kGraphBase) && ++sent % n == 0) {
          http::HttpResponse busy = GraphError(status, "TooManyRequests", "Slow down");
          busy.headers["Retry-After"] = "1";
          return busy;
        }
        absl::StatusOr<http::HttpResponse> answer = graph_.Handle(r);
        if (r.method == "DELETE" && answer.ok()) {
          delete_answers[r.url.substr(r.url.rfind('/') + 1)].push_back(answer->status);
        }
        return answer;
      });

      ActionRequest request = WithCheckpoint(EmailRequest("strip_attachment", kImid));
      checkpoints_.clear();
      absl::StatusOr<ActionResult> result;
      int calls = 0;
      for (; calls < 30; ++calls) {
        request.memo = checkpoints_.empty() ? "" : checkpoints_.back();
        result = Apply(request);
        if (result.ok()) break;
        EXPECT_TRUE(absl::IsUnavailable(result.status()) ||
                    absl::IsResourceExhausted(result.status()))
            << result.status();
        clock_.Advance(absl::Minutes(1));  // past any Retry-After hold
      }
      ASSERT_TRUE(result.ok()) << "no success in " << calls << " calls: " << result.status();
      EXPECT_THAT(RemainingNames(), ElementsAre("logo.png"));
      EXPECT_TRUE(graph_.GetMessage(kMailbox, "m2")->attachments.empty());
      // Each attachment got exactly one DELETE that reached the mailbox.
      EXPECT_EQ(delete_answers, (std::map<std::string, std::vector<int>>{
                                    {"a1", {204}}, {"a2", {204}}, {"b1", {204}}}));
      absl::StatusOr<common::JsonValue> memo = common::JsonValue::Parse(result->memo);
      ASSERT_TRUE(memo.ok());
      EXPECT_EQ(InState(*memo, "deleted").size(), 3);
      RestoreAnswers();
    }
  }
}

}  // namespace
}  // namespace riposte::actions::graph
