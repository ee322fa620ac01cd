// Crash safety of execution: riposted is killed with SIGKILL again and
// again while action runs are in flight against a slow Graph fake, then
// restarted. In the end every decided action ran exactly once in effect:
// each account was disabled once (never re-patched), each phishing copy
// moved to quarantine once, no run lost, none failed, and the audit chain
// verifies.

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/fake_cloud.h"
#include "integration_tests/testing/riposted_process.h"
#include "riposte/v1/intake.grpc.pb.h"

namespace riposte::integration {
namespace {

constexpr int kUsers = 24;

std::string Policy() {
  return "rules:\n" +
         AutonomousUserRule("takeover", "Test / Takeover", "disable_user",
                            "24h") +
         R"(  - name: copies
    match: {models: ["Test / Takeover"]}
    target: related_emails
    ladder: [quarantine_email]
    mode: autonomous
    duration: 24h
)";
}

std::string User(int i) { return absl::StrCat("victim", i, "@contoso.com"); }
std::string MessageId(int i) { return absl::StrCat("<phish-", i, "@evil.example>"); }

class ExecutionCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeCloud::Options o;
    o.delay_ms = 150;  // slow enough that kills land mid-call
    auto cloud = FakeCloud::Start(o);
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = std::move(*cloud);
    WriteFile(dir_.File("policy.yaml"), Policy());
    config_ = dir_.File("riposted.yaml");
    WriteFile(config_, absl::StrCat(
        "grpc:\n  listen: 127.0.0.1:0\n"
        "data_dir: ", dir_.File("data"), "\n",
        cloud_->GraphTenantYaml(dir_.File("graph-secret")),
        "policy:\n  path: ", dir_.File("policy.yaml"), "\n"
        "execution:\n  workers: 6\n  call_timeout: 5s\n  lease: 20s\n"
        "  backoff: {initial: 100ms, max: 1s}\n"));
    for (int i = 0; i < kUsers; ++i) {
      ASSERT_EQ(cloud_->AddUser(User(i)).status, 201);
      ASSERT_EQ(cloud_->AddMessage(absl::StrCat(
                    R"({"mailbox":"inbox)", i, R"(@contoso.com","internetMessageId":")",
                    MessageId(i), R"(","subject":"Invoice","folder":"inbox"})"))
                    .status,
                201);
    }
  }

  int64_t Count(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(dir_.File("data/riposte.db").c_str(), &db,
                    SQLITE_OPEN_READONLY, nullptr);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }

  int EffectsSeen() {
    int n = 0;
    for (int i = 0; i < kUsers; ++i) {
      if (JsonField(cloud_->User(User(i)).body, "accountEnabled") == "false") ++n;
    }
    return n;
  }

  testing::TempDir dir_;
  std::unique_ptr<FakeCloud> cloud_;
  std::string config_;
};

TEST_F(ExecutionCrashTest, SigkillMidFlightNeitherLosesNorDoublesAnAction) {
  // Submit every breach (acknowledged = durable, decision included).
  {
    auto server = RiposteServer::Start(config_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = v1::Intake::NewStub(grpc::CreateChannel(
        (*server)->address(), grpc::InsecureChannelCredentials()));
    for (int i = 0; i < kUsers; ++i) {
      v1::SubmitRequest req;
      auto* b = req.mutable_breach();
      b->set_detector_id("dt");
      b->set_breach_id(absl::StrCat("t", i));
      b->set_tenant_id("contoso");
      b->set_model_name("Test / Takeover");
      b->set_score(90);
      b->mutable_subject()->mutable_user()->set_user_principal_name(User(i));
      auto* e = b->add_related_entities()->mutable_email();
      e->set_mailbox(absl::StrCat("inbox", i, "@contoso.com"));
      e->set_internet_message_id(MessageId(i));
      grpc::ClientContext ctx;
      v1::SubmitResponse resp;
      ASSERT_TRUE(stub->Submit(&ctx, req, &resp).ok());
      ASSERT_EQ(resp.decision().actions_size(), 2);
    }
    // Kill it as soon as the first effects land, with most still in flight.
    ASSERT_TRUE(WaitFor([&] { return EffectsSeen() >= 2; }, absl::Seconds(60)));
    (*server)->process().Signal(SIGKILL);
    (*server)->process().Wait();
  }
  // Restart and kill again, mid-flight, a few times.
  for (int round = 0; round < 3; ++round) {
    const int before = EffectsSeen();
    auto server = RiposteServer::Start(config_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    WaitFor([&] { return EffectsSeen() > before || EffectsSeen() == kUsers; },
            absl::Seconds(60));
    (*server)->process().Signal(SIGKILL);
    (*server)->process().Wait();
  }
  // A last run finishes everything.
  auto server = RiposteServer::Start(config_, dir_.path());
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE(WaitFor([&] {
    return Count("SELECT COUNT(*) FROM action_runs WHERE state NOT IN "
                 "('active', 'done', 'failed')") == 0;
  }, absl::Seconds(120)));
  (*server)->process().Signal(SIGTERM);
  ASSERT_EQ((*server)->process().Wait(), 0);

  EXPECT_EQ(Count("SELECT COUNT(*) FROM action_runs"), 2 * kUsers);
  // The kills did land mid-call: runs were taken over from dead workers.
  const int64_t takeovers = Count(
      "SELECT COUNT(*) FROM audit_log WHERE details LIKE "
      "'%\"lease_taken_over\":true%'");
  EXPECT_GT(takeovers, 0);
  RecordProperty("runs_taken_over", static_cast<int>(takeovers));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM action_runs WHERE state = 'failed'"), 0);
  for (int i = 0; i < kUsers; ++i) {
    const std::string user = cloud_->User(User(i)).body;
    EXPECT_EQ(JsonField(user, "accountEnabled"), "false") << User(i);
    // Disabled exactly once: a retried run read the state and did not PATCH
    // again.
    EXPECT_EQ(JsonField(user, "accountEnabledChanges"), "1") << user;
    const std::string box =
        cloud_->Mailbox(absl::StrCat("inbox", i, "@contoso.com")).body;
    EXPECT_EQ(JsonField(box, "folderDisplayName"), "Riposte Quarantine") << box;
    EXPECT_EQ(JsonField(box, "moveCount"), "1") << box;
  }
  auto verify = RunCommand({RunfilePath("orchestrator/server/riposted"),
                            "--verify-audit", "--config", config_},
                           dir_.File("verify"));
  EXPECT_EQ(verify.exit_code, 0) << verify.stdout_text;
}

}  // namespace
}  // namespace riposte::integration
