// Hostile strings against the real riposted: NUL, escape sequences, other
// controls, bidi controls and bytes that are not UTF-8, in every kind of
// field a detector or an operator sends, are refused with INVALID_ARGUMENT
// naming the field (also bytes protobuf itself cannot parse as a string),
// a stream goes on after them, and nothing of them reaches the store: no breach, no
// incident, no audit record. Hashes in upper case are stored lower-case.

#include <grpcpp/grpcpp.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/riposted_process.h"
#include "integration_tests/testing/store_query.h"
#include "riposte/v1/intake.grpc.pb.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kNul(1, '\0');
const std::string kSha256Lower(64, 'c');
const std::string kSha256Upper(64, 'C');

// A breach about message <m1> in bob's mailbox, with one attachment.
v1::Breach EmailBreach(const std::string& breach_id) {
  v1::Breach b = UserBreach("dt-1", breach_id, "alice@contoso.com");
  auto* email = b.add_related_entities()->mutable_email();
  email->set_mailbox("bob@contoso.com");
  email->set_internet_message_id("<m1@contoso.com>");
  email->set_subject("Credit Transfer Copy");
  auto* a = email->add_attachments();
  a->set_name("Credit Transfer Copy.html");
  a->set_sha256(kSha256Lower);
  return b;
}

// One hostile breach: how it was made and the field the error must name.
struct Hostile {
  std::string field;
  std::string why;
  v1::Breach breach;
};

std::vector<Hostile> HostileBreaches() {
  std::vector<Hostile> out;
  auto add = [&](std::string field, std::string why, auto mutate) {
    v1::Breach b = EmailBreach(absl::StrCat("h-", out.size()));
    mutate(b);
    out.push_back({std::move(field), std::move(why), std::move(b)});
  };
  auto email = [](v1::Breach& b) {
    return b.mutable_related_entities(0)->mutable_email();
  };
  add("breach.subject.ip.address", "must not contain NUL", [&](v1::Breach& b) {
    b.mutable_subject()->mutable_ip()->set_address("10.0.0.1" + kNul +
                                                   "\x1b[31mowned");
  });
  add("breach.breach_id", "must not contain NUL",
      [&](v1::Breach& b) { b.set_breach_id("b-1" + kNul + "x"); });
  add("breach.detector_id", "escape sequences",
      [&](v1::Breach& b) { b.set_detector_id("dt-1\x1b]0;owned\x07"); });
  add("breach.subject.user.user_principal_name", "bidirectional",
      [&](v1::Breach& b) {
        b.mutable_subject()->mutable_user()->set_user_principal_name(
            "alice\xE2\x80\xAE@contoso.com");
      });
  add("breach.model_name", "control characters", [&](v1::Breach& b) {
    b.set_model_name("SaaS / Access\xC2\x85Suspicious");
  });
  add("breach.related_entities[0].email.internet_message_id",
      "must not contain NUL", [&](v1::Breach& b) {
        email(b)->set_internet_message_id("<m1@contoso.com>" + kNul);
      });
  add("breach.related_entities[0].email.attachments[0].sha256",
      "must not contain NUL", [&](v1::Breach& b) {
        email(b)->mutable_attachments(0)->set_sha256(kSha256Lower.substr(1) +
                                                     kNul);
      });
  add("breach.related_entities[0].email.subject", "escape sequences",
      [&](v1::Breach& b) { email(b)->set_subject("Invoice\x1b[8m hidden"); });
  add("breach.related_entities[0].email.subject", "invalid UTF-8",
      [&](v1::Breach& b) { email(b)->set_subject("Rechnung f\xfcr Sie"); });
  add("breach.related_entities[0].email.attachments[0].name", "invalid UTF-8",
      [&](v1::Breach& b) {
        email(b)->mutable_attachments(0)->set_name("\xff\xfe.html");
      });
  add("breach.evidence[0].value", "control characters", [&](v1::Breach& b) {
    b.mutable_evidence(0)->set_value("203.0.113.7\r\nforged: yes");
  });
  add("breach.evidence[0].key", "invisible format characters",
      [&](v1::Breach& b) {
        b.mutable_evidence(0)->set_key("source_ip\xE2\x80\x8B");
      });
  return out;
}

class HostileStringsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(config_path(), TestConfig(dir_.File("data")));
    auto server = RiposteServer::Start(config_path(), dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto channel = grpc::CreateChannel(server_->address(),
                                       grpc::InsecureChannelCredentials());
    intake_ = v1::Intake::NewStub(channel);
    operator_ = v1::Operator::NewStub(channel);
  }

  std::string config_path() { return dir_.File("riposted.yaml"); }
  std::string db() { return dir_.File("data/riposte.db"); }

  grpc::Status Submit(const v1::Breach& breach, v1::SubmitResponse* resp) {
    v1::SubmitRequest req;
    *req.mutable_breach() = breach;
    grpc::ClientContext ctx;
    return intake_->Submit(&ctx, req, resp);
  }

  // Rows in the tables hostile input must never reach.
  std::string Counts() {
    return absl::StrCat(
        StoreCount(db(), "SELECT count(*) FROM breaches"), " breaches, ",
        StoreCount(db(), "SELECT count(*) FROM incidents"), " incidents, ",
        StoreCount(db(), "SELECT count(*) FROM audit_log"), " audit records");
  }

  static void ExpectRefused(const grpc::Status& s, const std::string& field,
                            const std::string& why) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), StartsWith(field + ": "));
    EXPECT_THAT(s.error_message(), HasSubstr(why)) << field;
  }

  testing::TempDir dir_;
  std::unique_ptr<RiposteServer> server_;
  std::unique_ptr<v1::Intake::Stub> intake_;
  std::unique_ptr<v1::Operator::Stub> operator_;
};

TEST_F(HostileStringsTest, SubmitRefusesThemNamingTheFieldAndStoresNothing) {
  // One good breach first, so the store and its tables exist.
  v1::SubmitResponse resp;
  ASSERT_TRUE(Submit(EmailBreach("good-1"), &resp).ok());
  const std::string before = Counts();
  for (const Hostile& h : HostileBreaches()) {
    ExpectRefused(Submit(h.breach, &resp), h.field, h.why);
  }
  EXPECT_EQ(Counts(), before);
  // Nothing that came in carries a NUL or an escape anywhere.
  EXPECT_EQ(StoreCount(db(),
                       "SELECT count(*) FROM audit_log WHERE "
                       "instr(details || subject || actor, char(27)) > 0"),
            0);
  // Printable text, in any script, with the bidi override of a spoofed
  // attachment name kept as the evidence it is.
  v1::Breach spoofed = EmailBreach("good-2");
  auto* email = spoofed.mutable_related_entities(0)->mutable_email();
  email->set_subject("Zahlung f\xC3\xBCr Rechnung \xE2\x84\x96 42");
  email->mutable_attachments(0)->set_name("invoice\xE2\x80\xAElmth.exe");
  EXPECT_TRUE(Submit(spoofed, &resp).ok());
}

TEST_F(HostileStringsTest, TheStreamRefusesThemOneByOneNamingTheField) {
  grpc::ClientContext ctx;
  auto stream = intake_->SubmitStream(&ctx);
  const std::vector<Hostile> hostile = HostileBreaches();
  // Each hostile breach followed by a good one: the stream goes on.
  for (size_t i = 0; i < hostile.size(); ++i) {
    for (const v1::Breach& b :
         {hostile[i].breach, EmailBreach(absl::StrCat("good-", i))}) {
      v1::SubmitRequest req;
      *req.mutable_breach() = b;
      ASSERT_TRUE(stream->Write(req));
    }
  }
  stream->WritesDone();
  for (size_t i = 0; i < hostile.size(); ++i) {
    const Hostile& h = hostile[i];
    v1::StreamSubmitResponse reply;
    ASSERT_TRUE(stream->Read(&reply));
    ASSERT_TRUE(reply.has_error()) << h.field;
    EXPECT_EQ(reply.error().field(), h.field);
    EXPECT_EQ(reply.error().code(), 3);
    EXPECT_THAT(reply.error().message(), StartsWith(h.field + ": "));
    EXPECT_THAT(reply.error().message(), HasSubstr(h.why));
    ASSERT_TRUE(stream->Read(&reply));
    ASSERT_TRUE(reply.has_accepted()) << reply.error().message();
    EXPECT_EQ(reply.accepted().breach_id(), absl::StrCat("good-", i));
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(StoreCount(db(), "SELECT count(*) FROM breaches"),
            static_cast<int64_t>(hostile.size()));
}

TEST_F(HostileStringsTest, UpperCaseSha256IsStoredLowerCase) {
  v1::Breach upper = EmailBreach("sha-1");
  upper.mutable_related_entities(0)
      ->mutable_email()
      ->mutable_attachments(0)
      ->set_sha256(kSha256Upper);
  v1::SubmitResponse first;
  ASSERT_TRUE(Submit(upper, &first).ok());
  EXPECT_FALSE(first.duplicate());
  const std::string has = "SELECT count(*) FROM breaches WHERE instr(payload, "
                          "CAST('";
  EXPECT_EQ(StoreCount(db(), has + kSha256Lower + "' AS BLOB)) > 0"), 1);
  EXPECT_EQ(StoreCount(db(), has + kSha256Upper + "' AS BLOB)) > 0"), 0);
  // Sent again in lower case, it is the same breach, unchanged.
  v1::SubmitResponse again;
  ASSERT_TRUE(Submit(EmailBreach("sha-1"), &again).ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_FALSE(again.duplicate_differs());
  EXPECT_EQ(again.stored_breach_id(), first.stored_breach_id());
}

TEST_F(HostileStringsTest, OperatorCallsRefuseThemNamingTheField) {
  v1::SubmitResponse resp;
  ASSERT_TRUE(Submit(EmailBreach("good-1"), &resp).ok());
  const std::string before = Counts();
  {
    v1::ListIncidentsRequest req;
    req.set_subject_key("user:alice@contoso.com" + kNul);
    v1::ListIncidentsResponse out;
    grpc::ClientContext ctx;
    ExpectRefused(operator_->ListIncidents(&ctx, req, &out), "subject_key",
                  "must not contain NUL");
  }
  {
    v1::RunCommand cmd;
    cmd.set_run_id(1);
    cmd.set_reason("looks fine\x1b[1A\x1b[2Kapproved by the CISO");
    v1::ActionRun out;
    grpc::ClientContext ctx;
    ExpectRefused(operator_->Approve(&ctx, cmd, &out), "reason",
                  "escape sequences");
  }
  {
    v1::SetPausedRequest req;
    req.set_paused(true);
    req.set_reason("incident \xE2\x80\xAE" "detaler");
    v1::PauseState out;
    grpc::ClientContext ctx;
    ExpectRefused(operator_->SetPaused(&ctx, req, &out), "reason",
                  "bidirectional");
  }
  {
    v1::SimulateRequest req;
    *req.add_breaches() = HostileBreaches()[0].breach;
    v1::SimulateResponse out;
    grpc::ClientContext ctx;
    ExpectRefused(operator_->Simulate(&ctx, req, &out),
                  "breaches[0].subject.ip.address", "must not contain NUL");
  }
  EXPECT_EQ(Counts(), before);
}

}  // namespace
}  // namespace riposte::integration
