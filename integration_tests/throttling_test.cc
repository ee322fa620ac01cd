// Throttling as real tenants meet it, end to end: the real riposted acts
// on the Graph fake while every Nth Graph request is answered 429 or 503
// (with and without Retry-After, and a mix of both). Every action, and the
// undo of the reversible ones, must still complete, each effect exactly
// once, although max_attempts is far below the number of throttled answers:
// waiting out throttling is not a failed attempt. And a revoke whose answer
// is lost to a SIGKILL is not repeated after the restart.

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/fake_cloud.h"
#include "integration_tests/testing/riposted_process.h"
#include "integration_tests/testing/store_query.h"
#include "riposte/v1/intake.grpc.pb.h"

namespace riposte::integration {
namespace {

constexpr char kPolicy[] = R"(
rules:
  - name: logout
    match: {models: ["Test / Logout"], subject: user}
    ladder: [force_logout]
    mode: autonomous
  - name: disable
    match: {models: ["Test / Disable"], subject: user}
    ladder: [disable_user]
    mode: autonomous
    duration: 2s
  - name: quarantine
    match: {models: ["Test / Quarantine"]}
    target: related_emails
    ladder: [quarantine_email]
    mode: autonomous
    duration: 2s
  - name: junk
    match: {models: ["Test / Junk"]}
    target: related_emails
    ladder: [move_to_junk]
    mode: autonomous
    duration: 2s
  - name: strip
    match: {models: ["Test / Strip"]}
    target: related_emails
    ladder: [strip_attachment]
    mode: autonomous
)";

// Fault rules for the fake (see fake_faults.py), and a name for the test.
struct FaultPattern {
  std::string name;
  std::vector<std::string> faults;
};

std::vector<FaultPattern> Patterns() {
  return {
      {"Every2nd429RetryAfter",
       {R"({"service":"graph","every":2,"status":429,"retry_after":"1"})"}},
      {"Every3rd503", {R"({"service":"graph","every":3,"status":503})"}},
      {"Every4th429", {R"({"service":"graph","every":4,"status":429})"}},
      {"Every5th503RetryAfter",
       {R"({"service":"graph","every":5,"status":503,"retry_after":"1"})"}},
      {"Every3rd429AndEvery4th503",
       {R"({"service":"graph","every":3,"status":429,"retry_after":"1"})",
        R"({"service":"graph","every":4,"status":503})"}},
  };
}

class ThrottlingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cloud = FakeCloud::Start();
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = std::move(*cloud);
    WriteFile(dir_.File("policy.yaml"), kPolicy);
    config_ = dir_.File("riposted.yaml");
    WriteFile(config_, absl::StrCat(
        "grpc:\n  listen: 127.0.0.1:0\n"
        "data_dir: ", dir_.File("data"), "\n",
        cloud_->GraphTenantYaml(dir_.File("graph-secret")),
        "policy:\n  path: ", dir_.File("policy.yaml"), "\n"
        // Far fewer attempts than throttled answers: only max_age may end
        // a throttled run.
        "execution:\n  workers: 4\n  call_timeout: 20s\n  lease: 60s\n"
        "  max_attempts: 2\n  max_age: 1h\n"
        "  backoff: {initial: 100ms, max: 1s}\n"
        "  expiry_scan_interval: 200ms\n"));
  }

  std::string Db() const { return dir_.File("data/riposte.db"); }

  int64_t Count(const std::string& sql) const { return StoreCount(Db(), sql); }

  void Submit(v1::Intake::Stub& stub, const std::string& id,
              const std::string& model, const std::string& user,
              const std::string& mailbox = "", const std::string& msgid = "") {
    v1::SubmitRequest req;
    v1::Breach* b = req.mutable_breach();
    b->set_detector_id("dt");
    b->set_breach_id(id);
    b->set_tenant_id("contoso");
    b->set_model_name(model);
    b->set_score(90);
    b->mutable_subject()->mutable_user()->set_user_principal_name(user);
    if (!mailbox.empty()) {
      v1::EmailEntity* e = b->add_related_entities()->mutable_email();
      e->set_mailbox(mailbox);
      e->set_internet_message_id(msgid);
    }
    grpc::ClientContext ctx;
    v1::SubmitResponse resp;
    grpc::Status s = stub.Submit(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.decision().actions_size(), 1) << resp.DebugString();
  }

  testing::TempDir dir_;
  std::unique_ptr<FakeCloud> cloud_;
  std::string config_;
};

TEST_F(ThrottlingTest, EveryActionCompletesOnceUnderPeriodicThrottling) {
  for (const FaultPattern& pattern : Patterns()) {
    SCOPED_TRACE(pattern.name);
    ASSERT_EQ(cloud_->Reset().status, 200);
    const std::string p = pattern.name;
    const std::string logout = absl::StrCat("logout-", p, "@contoso.com");
    const std::string disable = absl::StrCat("disable-", p, "@contoso.com");
    const std::string qbox = absl::StrCat("q-", p, "@contoso.com");
    const std::string jbox = absl::StrCat("j-", p, "@contoso.com");
    const std::string sbox = absl::StrCat("s-", p, "@contoso.com");
    for (const std::string& user : {logout, disable, qbox, jbox, sbox}) {
      ASSERT_EQ(cloud_->AddUser(user).status, 201);
    }
    for (const std::string& box : {qbox, jbox}) {
      ASSERT_EQ(cloud_->AddMessage(absl::StrCat(
                    R"({"mailbox":)", JsonQuote(box),
                    R"(,"internetMessageId":"<m@evil.example>","subject":"Invoice","folder":"inbox"})"))
                    .status,
                201);
    }
    ASSERT_EQ(cloud_->AddMessage(absl::StrCat(
                  R"({"mailbox":)", JsonQuote(sbox),
                  R"(,"internetMessageId":"<m@evil.example>","subject":"Invoice","folder":"inbox",)"
                  R"("attachments":[{"name":"Credit Transfer Copy.html","contentType":"text/html",)"
                  R"("content_base64":"PGh0bWw+cGhpc2g8L2h0bWw+"}]})"))
                  .status,
              201);
    for (const std::string& fault : pattern.faults) {
      ASSERT_EQ(cloud_->AddFault(fault).status, 201) << fault;
    }

    auto server = RiposteServer::Start(config_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = v1::Intake::NewStub(grpc::CreateChannel(
        (*server)->address(), grpc::InsecureChannelCredentials()));
    Submit(*stub, p + "-1", "Test / Logout", logout);
    Submit(*stub, p + "-2", "Test / Disable", disable);
    Submit(*stub, p + "-3", "Test / Quarantine", qbox, qbox, "<m@evil.example>");
    Submit(*stub, p + "-4", "Test / Junk", jbox, jbox, "<m@evil.example>");
    Submit(*stub, p + "-5", "Test / Strip", sbox, sbox, "<m@evil.example>");

    const std::string unfinished =
        "SELECT COUNT(*) FROM action_runs WHERE state NOT IN "
        "('done', 'reverted', 'failed')";
    ASSERT_TRUE(WaitFor([&] { return Count(unfinished) == 0; }, absl::Seconds(120)))
        << Count(unfinished) << " runs unfinished";
    (*server)->process().Signal(SIGTERM);
    ASSERT_EQ((*server)->process().Wait(), 0);

    EXPECT_EQ(Count("SELECT COUNT(*) FROM action_runs WHERE state = 'failed'"), 0)
        << StoreText(Db(), "SELECT group_concat(action || ': ' || last_error, '; ') "
                           "FROM action_runs WHERE state = 'failed'");
    // The faults did land, and throttled runs were waited out rather than
    // counted: some run met more throttled answers than max_attempts.
    EXPECT_GT(Count("SELECT COUNT(*) FROM audit_log WHERE details LIKE "
                    "'%\"throttled\":true%'"),
              2);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM action_runs WHERE attempts > 2"), 0);

    // Each effect exactly once.
    EXPECT_EQ(JsonField(cloud_->User(logout).body, "sessionsRevokedCount"), "1");
    const std::string d = cloud_->User(disable).body;
    EXPECT_EQ(JsonField(d, "accountEnabled"), "true") << d;
    EXPECT_EQ(JsonField(d, "accountEnabledChanges"), "2") << d;  // off, on
    for (const std::string& box : {qbox, jbox}) {
      const std::string m = cloud_->Mailbox(box).body;
      EXPECT_EQ(JsonField(m, "folder"), "inbox") << m;
      EXPECT_EQ(JsonField(m, "moveCount"), "2") << m;  // out, back
    }
    const std::string s = cloud_->Mailbox(sbox).body;
    EXPECT_THAT(JsonFields(s, "removedAttachments"), ::testing::SizeIs(1)) << s;
    EXPECT_THAT(JsonField(s, "removedAttachments"), ::testing::HasSubstr("Credit Transfer Copy.html"));
    ASSERT_EQ(cloud_->ClearFaults().status, 200);
  }
  auto verify = RunCommand({RunfilePath("orchestrator/server/riposted"),
                            "--verify-audit", "--config", config_},
                           dir_.File("verify"));
  EXPECT_EQ(verify.exit_code, 0) << verify.stdout_text;
}

TEST_F(ThrottlingTest, ARevokeWhoseAnswerWasLostToACrashIsNotRepeated) {
  const std::string user = "crash@contoso.com";
  ASSERT_EQ(cloud_->AddUser(user).status, 201);
  // Graph carries out the revoke, then the answer takes long enough for
  // the server to be killed before it records the outcome.
  ASSERT_EQ(cloud_->AddFault(R"({"service":"graph","method":"POST",)"
                             R"("path_regex":"/revokeSignInSessions$",)"
                             R"("delay_after_ms":30000,"count":1})")
                .status,
            201);
  {
    auto server = RiposteServer::Start(config_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = v1::Intake::NewStub(grpc::CreateChannel(
        (*server)->address(), grpc::InsecureChannelCredentials()));
    Submit(*stub, "crash-1", "Test / Logout", user);
    ASSERT_TRUE(WaitFor([&] {
      return JsonField(cloud_->User(user).body, "sessionsRevokedCount") == "1";
    }, absl::Seconds(30)));
    (*server)->process().Signal(SIGKILL);
    (*server)->process().Wait();
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM action_runs WHERE state = 'running'"), 1);
  // The user signs in again legitimately before the restart.
  auto server = RiposteServer::Start(config_, dir_.path());
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE(WaitFor([&] {
    return Count("SELECT COUNT(*) FROM action_runs WHERE state = 'done'") == 1;
  }, absl::Seconds(60)));
  (*server)->process().Signal(SIGTERM);
  ASSERT_EQ((*server)->process().Wait(), 0);
  // Read, not revoked again: the new session survives.
  EXPECT_EQ(JsonField(cloud_->User(user).body, "sessionsRevokedCount"), "1");
  EXPECT_EQ(StoreText(Db(), "SELECT outcome FROM action_runs"), "already_applied");
}

}  // namespace
}  // namespace riposte::integration
