// End to end through the mail gateway: riposted routes quarantine_email to
// the Mimecast-style fake. A message the gateway already held is never
// released when the quarantine expires, and a delivered message is pulled
// back by one remediation incident that every recipient's run shares and
// that Riposte does not (cannot) restore.

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/fake_cloud.h"
#include "integration_tests/testing/riposted_process.h"
#include "riposte/v1/intake.grpc.pb.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kModel[] = "Email / Link / Credential Phishing Link";

// One rule: quarantine phishing for 2 seconds.
constexpr char kPolicy[] = R"(rules:
  - name: gateway-phish
    match:
      models: ["Email / Link / Credential Phishing Link"]
      subject: email
      min_score: 50
    ladder: [quarantine_email]
    mode: autonomous
    duration: 2s
)";

class GatewayExecutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cloud = FakeCloud::Start();
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = std::move(*cloud);
    WriteFile(dir_.File("gateway-secret"), std::string(kFakeGatewaySecret) + "\n");
    chmod(dir_.File("gateway-secret").c_str(), 0600);
    std::filesystem::create_directories(dir_.File("policies"));
    WriteFile(dir_.File("policies/gateway.yaml"), kPolicy);
    config_ = dir_.File("riposted.yaml");
    WriteFile(config_,
              absl::StrCat("grpc:\n  listen: 127.0.0.1:0\n"
                           "data_dir: ", dir_.File("data"), "\n"
                           "tenants:\n"
                           "  - id: contoso\n"
                           "    gateway:\n"
                           "      base_url: ", cloud_->gateway_base_url(), "\n"
                           "      client_id: ", kFakeGatewayClientId, "\n"
                           "      client_secret_file: ", dir_.File("gateway-secret"), "\n"
                           "    routes:\n"
                           "      quarantine_email: gateway\n"
                           "policy:\n  path: ", dir_.File("policies"), "\n"
                           "execution:\n"
                           "  workers: 2\n"
                           "  call_timeout: 5s\n"
                           "  backoff: {initial: 100ms, max: 1s}\n"));
    auto server = RiposteServer::Start(config_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto channel = grpc::CreateChannel(server_->address(),
                                       grpc::InsecureChannelCredentials());
    intake_ = v1::Intake::NewStub(channel);
    operator_ = v1::Operator::NewStub(channel);
  }

  void Submit(const std::string& breach_id, const std::string& mailbox,
              const std::string& message_id, bool in_transit) {
    v1::SubmitRequest req;
    v1::Breach* b = req.mutable_breach();
    b->set_detector_id("mail-detector");
    b->set_breach_id(breach_id);
    b->set_tenant_id("contoso");
    b->set_model_name(kModel);
    b->set_score(90);
    v1::EmailEntity* email = b->mutable_subject()->mutable_email();
    email->set_mailbox(mailbox);
    email->set_internet_message_id(message_id);
    email->set_in_transit(in_transit);
    grpc::ClientContext ctx;
    v1::SubmitResponse resp;
    grpc::Status s = intake_->Submit(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::vector<v1::ActionRun> Runs() {
    v1::ListRunsRequest req;
    req.set_action("quarantine_email");
    grpc::ClientContext ctx;
    v1::ListRunsResponse resp;
    grpc::Status s = operator_->ListRuns(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.runs().begin(), resp.runs().end()};
  }

  // Whether `n` runs exist and all are in `state`.
  bool AllRuns(size_t n, const std::string& state) {
    std::vector<v1::ActionRun> runs = Runs();
    if (runs.size() != n) return false;
    for (const v1::ActionRun& r : runs) {
      EXPECT_NE(r.state(), "failed") << r.last_error();
      if (r.state() != state) return false;
    }
    return true;
  }

  // Every run records that Riposte cannot undo it, and why, and has no
  // expiry; its decision's narrative says so too.
  void ExpectNotReversible(const std::string& note_says) {
    for (const v1::ActionRun& r : Runs()) {
      EXPECT_FALSE(r.reversible()) << r.run_id();
      EXPECT_FALSE(r.has_expires_time()) << r.run_id();
      EXPECT_THAT(r.outcome_note(), HasSubstr(note_says)) << r.run_id();
      EXPECT_THAT(r.narrative(), HasSubstr("Riposte cannot undo it here")) << r.run_id();
    }
  }

  std::string RunsText() {
    std::string out;
    for (const v1::ActionRun& r : Runs()) {
      absl::StrAppend(&out, r.run_id(), " ", r.state(), " ", r.last_error(), "\n");
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<FakeCloud> cloud_;
  std::string config_;
  std::unique_ptr<RiposteServer> server_;
  std::unique_ptr<v1::Intake::Stub> intake_;
  std::unique_ptr<v1::Operator::Stub> operator_;
};

TEST_F(GatewayExecutionTest, AMessageTheGatewayHeldIsNotReleasedAtExpiry) {
  HttpReply held = cloud_->AddHeld(
      R"({"messageId":"<held-1@evil.example>","subject":"Invoice",)"
      R"("to":["carol@contoso.com"]})");
  ASSERT_EQ(held.status, 201);
  const std::string hold_id = JsonField(held.body, "id");
  Submit("b-held", "carol@contoso.com", "<held-1@evil.example>", true);

  // Riposte cannot undo anything at the gateway: the run is done, with no
  // expiry, and says so.
  ASSERT_TRUE(WaitFor([&] { return AllRuns(1, "done"); }, absl::Seconds(60)))
      << RunsText();
  ExpectNotReversible("Riposte keeps it held and will not release it");
  const std::string gateway = cloud_->Gateway().body;
  EXPECT_THAT(JsonField(gateway, "held"), HasSubstr(hold_id));
  EXPECT_EQ(JsonField(gateway, "released"), "[]");
  const std::string log = cloud_->Requests("gateway").body;
  EXPECT_THAT(log, HasSubstr("get-hold-message-list"));
  EXPECT_THAT(log, Not(HasSubstr("hold-release")));
  EXPECT_THAT(log, Not(HasSubstr(kFakeGatewaySecret)));
}

TEST_F(GatewayExecutionTest, CheckConfigSaysTheDurationDoesNotApply) {
  CommandResult check = RunCommand({RunfilePath("orchestrator/server/riposted"),
                                    "--check-config", "--config", config_},
                                   dir_.File("check"));
  EXPECT_EQ(check.exit_code, 0) << check.stderr_text;
  EXPECT_THAT(check.stdout_text,
              HasSubstr("riposted: warning: tenants[0].routes.quarantine_email: the "
                        "gateway cannot undo quarantine_email, so rule gateway-phish ("));
  EXPECT_THAT(check.stdout_text, HasSubstr("gateway.yaml:2) has no expiry in tenant "
                                           "contoso: its duration 2s does not apply"));
}

TEST_F(GatewayExecutionTest, OneRemediationServesEveryRecipientAndStays) {
  for (const char* box : {"carol@contoso.com", "dave@contoso.com"}) {
    ASSERT_EQ(cloud_->AddMessage(absl::StrCat(
                  R"({"mailbox":")", box,
                  R"(","internetMessageId":"<phish-2@evil.example>",)"
                  R"("subject":"Reset your password","folder":"inbox",)"
                  R"("to":["carol@contoso.com","dave@contoso.com"]})"))
                  .status,
              201);
  }
  Submit("b-carol", "carol@contoso.com", "<phish-2@evil.example>", false);
  Submit("b-dave", "dave@contoso.com", "<phish-2@evil.example>", false);

  // Both runs are done, neither fails, and the copies stay out of the
  // mailboxes: Riposte cannot restore an incident, so nothing expires.
  ASSERT_TRUE(WaitFor([&] { return AllRuns(2, "done"); }, absl::Seconds(60)))
      << RunsText();
  ExpectNotReversible("Riposte cannot undo this: to restore the message, in the "
                      "Mimecast Administration Console");
  const std::string incidents = JsonField(cloud_->Gateway().body, "incidents");
  EXPECT_EQ(JsonFields(incidents, "code").size(), 1u) << incidents;
  EXPECT_EQ(JsonField(incidents, "successful"), "2");
  EXPECT_EQ(JsonField(incidents, "type"), "manual");
  for (const char* box : {"carol@contoso.com", "dave@contoso.com"}) {
    EXPECT_EQ(JsonField(cloud_->Mailbox(box).body, "quarantinedByGateway"), "true")
        << box;
  }
  // The two runs may race to create (two workers); the gateway refuses the
  // second ("no messages found") and that run adopts the first's incident.
  const std::string log = cloud_->Requests("gateway").body;
  for (const std::string& path : JsonFields(log, "path")) {
    EXPECT_EQ(path.find("restore"), std::string::npos) << path;
  }
  EXPECT_THAT(log, HasSubstr("remediation/create"));
}

}  // namespace
}  // namespace riposte::integration
