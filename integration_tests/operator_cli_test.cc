// The operator's day, with the real riposte CLI against the real riposted
// over TLS with bearer tokens, acting on the Graph fake: a confirm-mode
// action waits, `riposte pending` shows it with its narrative, a detector
// cannot approve, an operator's approval executes it, another operator
// reverts it, an operator cannot reload the policy, the audit chain
// verifies, and the JSON export holds every step with the operators'
// identities and no token.

#include <signal.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/fake_cloud.h"
#include "integration_tests/testing/riposted_process.h"
#include "orchestrator/auth/test_certificates.h"

namespace riposte::integration {
namespace {

using ::testing::HasSubstr;

constexpr char kDetectorToken[] = "det-token-6f0c2a91d3";
constexpr char kAliceToken[] = "alice-token-93b1e7c450";
constexpr char kBobToken[] = "bob-token-1d8a6e2f77";

constexpr char kPolicy[] = R"yaml(
rules:
  - name: takeover-confirm
    match: {models: ["SaaS / Compromise / Login From Rare Following Suspicious Login Attempt(s)"], subject: user}
    ladder: [disable_user]
    mode: confirm
    duration: 1h
    approval: {deadline: 2h, on_expiry: reject}
)yaml";

class OperatorCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cloud = FakeCloud::Start();
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = std::move(*cloud);
    ASSERT_EQ(cloud_->AddUser("victim@contoso.com").status, 201);

    const std::string pki = dir_.File("pki");
    mkdir(pki.c_str(), 0700);
    ASSERT_TRUE(auth::testing::MakeCa(pki, "ca", "Riposte Test CA").ok());
    ASSERT_TRUE(auth::testing::IssueCertificate(
                    pki, "ca", "server", "riposted",
                    {"DNS:localhost", "IP:127.0.0.1"}, true)
                    .ok());
    WriteFile(dir_.File("tokens.yaml"),
              absl::StrCat("tokens:\n"
                           "  - {identity: detector-1, role: detector, sha256: ",
                           Sha256Hex(kDetectorToken), "}\n"
                           "  - {identity: soc-alice, role: operator, sha256: ",
                           Sha256Hex(kAliceToken), "}\n"
                           "  - {identity: soc-bob, role: operator, sha256: ",
                           Sha256Hex(kBobToken), "}\n"));
    for (auto [name, token] : {std::pair{"detector", kDetectorToken},
                               std::pair{"alice", kAliceToken},
                               std::pair{"bob", kBobToken}}) {
      WriteFile(dir_.File(absl::StrCat(name, ".token")), token);
      chmod(dir_.File(absl::StrCat(name, ".token")).c_str(), 0600);
    }
    WriteFile(dir_.File("policy.yaml"), kPolicy);
    config_ = dir_.File("riposted.yaml");
    WriteFile(config_, absl::StrCat(
        "grpc:\n  listen: 127.0.0.1:0\n  tls:\n"
        "    cert_file: ", pki, "/server.crt\n"
        "    key_file: ", pki, "/server.key\n"
        "auth:\n  tokens_file: ", dir_.File("tokens.yaml"), "\n"
        "data_dir: ", dir_.File("data"), "\n",
        cloud_->GraphTenantYaml(dir_.File("graph-secret")),
        "policy:\n  path: ", dir_.File("policy.yaml"), "\n"
        "execution:\n  workers: 2\n  call_timeout: 5s\n  lease: 20s\n"
        "  expiry_scan_interval: 200ms\n"));
    auto server = RiposteServer::Start(config_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    WriteFile(dir_.File("breach.json"), R"json({
      "detectorId": "detector-1", "breachId": "b-900", "tenantId": "contoso",
      "modelName": "SaaS / Compromise / Login From Rare Following Suspicious Login Attempt(s)",
      "score": 81,
      "subject": {"user": {"userPrincipalName": "victim@contoso.com"}}
    })json");
  }

  // Runs the CLI as `who` ("" = no credentials).
  CommandResult Cli(const std::string& who, std::vector<std::string> args) {
    std::vector<std::string> argv = {RunfilePath("cli/riposte"), "--addr",
                                     server_->address(), "--ca-file",
                                     dir_.File("pki/ca.crt")};
    if (!who.empty()) {
      argv.push_back("--token-file");
      argv.push_back(dir_.File(who + ".token"));
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, dir_.File(absl::StrCat("cli-", ++calls_)));
  }

  std::string Enabled() {
    return JsonField(cloud_->User("victim@contoso.com").body, "accountEnabled");
  }

  testing::TempDir dir_;
  std::unique_ptr<FakeCloud> cloud_;
  std::unique_ptr<RiposteServer> server_;
  std::string config_;
  int calls_ = 0;
};

TEST_F(OperatorCliTest, TheOperatorsDay) {
  // A detector reports; the rule wants confirmation.
  auto submit = Cli("detector", {"submit", "-f", dir_.File("breach.json")});
  ASSERT_EQ(submit.exit_code, 0) << submit.stdout_text << submit.stderr_text;
  EXPECT_THAT(submit.stdout_text, HasSubstr("awaiting_approval"));

  // A detector reports as itself only.
  WriteFile(dir_.File("spoofed.json"),
            absl::StrCat(R"json({"detectorId": "someone-else", "breachId": "b-1",
              "tenantId": "contoso", "modelName": "X", "score": 10,
              "subject": {"user": {"userPrincipalName": "victim@contoso.com"}}})json"));
  auto spoofed = Cli("detector", {"submit", "-f", dir_.File("spoofed.json")});
  EXPECT_EQ(spoofed.exit_code, 3) << spoofed.stdout_text << spoofed.stderr_text;
  EXPECT_THAT(spoofed.stderr_text, HasSubstr("may only submit breaches as itself"));

  // It waits, with its narrative.
  auto pending = Cli("alice", {"pending"});
  ASSERT_EQ(pending.exit_code, 0) << pending.stderr_text;
  EXPECT_THAT(pending.stdout_text, HasSubstr("disable_user"));
  EXPECT_THAT(pending.stdout_text, HasSubstr("victim@contoso.com"));
  EXPECT_THAT(pending.stdout_text, HasSubstr("rule takeover-confirm asks for confirmation"));
  auto pending_json = Cli("alice", {"--json", "pending"});
  ASSERT_EQ(pending_json.exit_code, 0) << pending_json.stderr_text;
  const std::string run_id = JsonField(pending_json.stdout_text, "runId");
  ASSERT_FALSE(run_id.empty()) << pending_json.stdout_text;
  EXPECT_EQ(Enabled(), "true");

  // Nobody but an operator may approve, and only with a reason.
  auto no_creds = Cli("", {"pending"});
  EXPECT_EQ(no_creds.exit_code, 3) << no_creds.stderr_text;
  auto detector = Cli("detector", {"approve", run_id, "--reason", "trust me"});
  EXPECT_EQ(detector.exit_code, 3) << detector.stderr_text;
  auto no_reason = Cli("alice", {"approve", run_id});
  EXPECT_EQ(no_reason.exit_code, 2) << no_reason.stderr_text;

  // Approval executes it against Graph.
  auto approve = Cli("alice", {"approve", run_id, "--reason",
                               "user confirms they are not in Lagos"});
  ASSERT_EQ(approve.exit_code, 0) << approve.stderr_text;
  ASSERT_TRUE(WaitFor([&] { return Enabled() == "false"; }, absl::Seconds(30)));
  auto twice = Cli("bob", {"approve", run_id, "--reason", "me too"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_THAT(twice.stderr_text, HasSubstr("FAILED_PRECONDITION"));

  // Another operator undoes it.
  ASSERT_TRUE(WaitFor([&] {
    auto runs = Cli("bob", {"--json", "actions", "--state", "active"});
    return runs.stdout_text.find(run_id) != std::string::npos;
  }, absl::Seconds(30)));
  auto revert = Cli("bob", {"revert", run_id, "--reason", "false positive: VPN"});
  ASSERT_EQ(revert.exit_code, 0) << revert.stderr_text;
  ASSERT_TRUE(WaitFor([&] { return Enabled() == "true"; }, absl::Seconds(30)));

  // Operators cannot reload the policy or pause autonomy.
  EXPECT_EQ(Cli("alice", {"policy", "reload", "--reason", "x"}).exit_code, 3);
  EXPECT_EQ(Cli("alice", {"pause", "--reason", "x"}).exit_code, 3);

  // The incident tells the story.
  auto incident_id = JsonField(pending_json.stdout_text, "incidentId");
  auto incident = Cli("alice", {"incident", incident_id});
  ASSERT_EQ(incident.exit_code, 0) << incident.stderr_text;
  EXPECT_THAT(incident.stdout_text, HasSubstr("reverted"));

  // The chain verifies, and the export holds every step and who did it.
  auto verify = Cli("alice", {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.stdout_text << verify.stderr_text;
  const std::string export_path = dir_.File("audit.jsonl");
  auto exported = Cli("alice", {"audit", "export", "-o", export_path});
  ASSERT_EQ(exported.exit_code, 0) << exported.stderr_text;
  const std::string jsonl = ReadFile(export_path);
  for (const char* step :
       {"\"event\":\"breach.received\"", "\"event\":\"decision.made\"",
        "\"event\":\"action.awaiting_approval\"", "\"event\":\"action.approved\"",
        "\"event\":\"action.running\"", "\"event\":\"action.active\"",
        "\"event\":\"action.revert_requested\"", "\"event\":\"action.reverting\"",
        "\"event\":\"action.reverted\"", "\"actor\":\"operator:soc-alice\"",
        "\"actor\":\"operator:soc-bob\"", "\"actor\":\"detector:detector-1\""}) {
    EXPECT_THAT(jsonl, HasSubstr(step));
  }
  // No token anywhere: not in the trail, not in the server's logs.
  server_->process().Signal(SIGTERM);
  ASSERT_EQ(server_->process().Wait(), 0);
  const std::string logs = server_->process().Stderr();
  for (const char* token : {kDetectorToken, kAliceToken, kBobToken}) {
    EXPECT_THAT(jsonl, ::testing::Not(HasSubstr(token)));
    EXPECT_THAT(logs, ::testing::Not(HasSubstr(token)));
  }
}

}  // namespace
}  // namespace riposte::integration
