// End to end: the reference account takeover submitted over gRPC by
// concurrent clients (one per compromised user) against the real riposted,
// acting on the faithful Graph fake while it throttles: sessions revoked,
// then the account disabled, re-enabled when the (short, test) duration
// expires, disabled again when the activity goes on, the phishing copies
// quarantined; the audit chain verifies.

#include <grpcpp/grpcpp.h>
#include <google/protobuf/util/json_util.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/fake_cloud.h"
#include "integration_tests/testing/riposted_process.h"
#include "integration_tests/testing/store_query.h"
#include "riposte/v1/intake.grpc.pb.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::integration {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The library, with the account disable shortened to 3 seconds and a
// budget that lets every test user be disabled.
void WriteTestPolicy(const std::string& dir) {
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(RunfilePath("policies/library"))) {
    std::string text = ReadFile(e.path().string());
    text = absl::StrReplaceAll(text, {{"duration: 4h", "duration: 3s"},
                                      {"max: 5", "max: 50"}});
    WriteFile(dir + "/" + e.path().filename().string(), text);
  }
}

std::string Config(const testing::TempDir& dir, const FakeCloud& cloud,
                   const std::string& policy_dir) {
  return absl::StrCat(
      "grpc:\n  listen: 127.0.0.1:0\n"
      "data_dir: ", dir.File("data"), "\n",
      cloud.GraphTenantYaml(dir.File("graph-secret")),
      "correlation:\n  window: 72h\n"
      "policy:\n  path: ", policy_dir, "\n"
      "execution:\n"
      "  workers: 4\n"
      "  call_timeout: 5s\n"
      "  lease: 30s\n"
      "  backoff: {initial: 100ms, max: 1s}\n"
      "  circuit_breaker: {failures: 50, open_for: 1s}\n");
}

class ExecutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cloud = FakeCloud::Start();
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = std::move(*cloud);
    WriteTestPolicy(dir_.File("policies"));
    config_ = dir_.File("riposted.yaml");
    WriteFile(config_, Config(dir_, *cloud_, dir_.File("policies")));
  }

  // The reference case for `upn`, with its spam copies in three mailboxes.
  std::vector<v1::Breach> ReferenceCase(const std::string& upn) {
    v1::SimulateRequest req;
    auto s = google::protobuf::util::JsonStringToMessage(
        ReadFile(RunfilePath("policies/testdata/decisions/reference_case.json")),
        &req);
    EXPECT_TRUE(s.ok());
    const std::string msgid = absl::StrCat("<ctc-", upn, ">");
    std::vector<v1::Breach> out;
    for (auto b : req.breaches()) {
      b.set_breach_id(absl::StrCat(upn, "/", b.breach_id()));
      b.clear_observed_time();  // live: observed when received
      b.mutable_subject()->mutable_user()->set_user_principal_name(upn);
      for (auto& e : *b.mutable_related_entities()) {
        e.mutable_email()->set_internet_message_id(msgid);
      }
      out.push_back(b);
    }
    return out;
  }

  void Submit(v1::Intake::Stub& stub, const v1::Breach& b) {
    v1::SubmitRequest req;
    *req.mutable_breach() = b;
    for (int attempt = 0; attempt < 5; ++attempt) {
      grpc::ClientContext ctx;
      v1::SubmitResponse resp;
      grpc::Status s = stub.Submit(&ctx, req, &resp);
      if (s.ok()) return;
      ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    }
    FAIL() << "submit kept failing";
  }

  std::string UserField(const std::string& upn, const std::string& field) {
    return JsonField(cloud_->User(upn).body, field);
  }

  testing::TempDir dir_;
  std::unique_ptr<FakeCloud> cloud_;
  std::string config_;
};

TEST_F(ExecutionTest, ReferenceCaseActsOnGraphThroughThrottling) {
  const std::vector<std::string> users = {"alice@contoso.com",
                                          "erin@contoso.com",
                                          "frank@contoso.com"};
  for (const auto& u : users) {
    ASSERT_EQ(cloud_->AddUser(u).status, 201);
    for (const char* box : {"bob@contoso.com", "carol@contoso.com"}) {
      ASSERT_EQ(cloud_->AddMessage(absl::StrCat(
                    R"({"mailbox":")", box, R"(","internetMessageId":"<ctc-)",
                    u, R"(>","subject":"Credit Transfer Copy","folder":"inbox",)",
                    R"("attachments":[{"name":"Credit Transfer Copy.html",)",
                    R"("contentType":"text/html","content":"<a href=x>"}]})"))
                    .status,
                201);
    }
  }
  // Graph throttles every fourth call and fails two with 503 on top.
  ASSERT_EQ(cloud_->AddFault(R"({"service":"graph","status":429,"retry_after":"1","every":4})").status, 201);
  ASSERT_EQ(cloud_->AddFault(R"({"service":"graph","status":503,"count":2})").status, 201);

  auto server = RiposteServer::Start(config_, dir_.path());
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = v1::Intake::NewStub(grpc::CreateChannel(
      (*server)->address(), grpc::InsecureChannelCredentials()));

  // Steps 1 to 3 for every user at once: the login gets a logout.
  std::vector<std::thread> clients;
  for (const auto& u : users) {
    clients.emplace_back([&, u] {
      auto breaches = ReferenceCase(u);
      for (int i = 0; i < 3; ++i) Submit(*stub, breaches[i]);
    });
  }
  for (auto& c : clients) c.join();
  // Only activity observed after the logout took effect shows that it was
  // not enough: wait until Riposte has recorded every logout's effect.
  const std::string db = dir_.File("data/riposte.db");
  ASSERT_TRUE(WaitFor([&] {
    return StoreCount(db, "SELECT COUNT(*) FROM action_runs WHERE action = "
                          "'force_logout' AND effect_us IS NOT NULL") ==
           static_cast<int64_t>(users.size());
  }, absl::Seconds(60))) << cloud_->Requests("graph").body.substr(0, 2000);
  // Step 4: the new app and the inbox rule, after the logout.
  clients.clear();
  for (const auto& u : users) {
    clients.emplace_back([&, u] {
      auto breaches = ReferenceCase(u);
      for (int i = 3; i < 7; ++i) Submit(*stub, breaches[i]);
    });
  }
  for (auto& c : clients) c.join();

  // Sessions revoked, then the account disabled...
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& u : users) {
      if (UserField(u, "sessionsRevokedCount") == "0") return false;
      if (UserField(u, "accountEnabledChanges") == "0") return false;
    }
    return true;
  }, absl::Seconds(60))) << cloud_->Requests("graph").body.substr(0, 2000);
  // ...and re-enabled when its 3 seconds are up.
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& u : users) {
      if (UserField(u, "accountEnabled") != "true" ||
          UserField(u, "accountEnabledChanges") != "2") {
        return false;
      }
    }
    return true;
  }, absl::Seconds(60)));

  // Step 5: the account sends spam: disabled again, copies quarantined.
  clients.clear();
  for (const auto& u : users) {
    clients.emplace_back([&, u] {
      auto breaches = ReferenceCase(u);
      Submit(*stub, breaches[7]);
      Submit(*stub, breaches[8]);
    });
  }
  for (auto& c : clients) c.join();
  // Disabled a second time, and since the test's disable lasts 3 seconds,
  // re-enabled a second time: four changes, each made once.
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& u : users) {
      if (UserField(u, "accountEnabledChanges") != "4" ||
          UserField(u, "accountEnabled") != "true") {
        return false;
      }
    }
    for (const char* box : {"bob@contoso.com", "carol@contoso.com"}) {
      const std::string mb = cloud_->Mailbox(box).body;
      for (const auto& folder : JsonFields(mb, "folderDisplayName")) {
        if (folder != "Riposte Quarantine") return false;
      }
    }
    return true;
  }, absl::Seconds(60))) << cloud_->Mailbox("bob@contoso.com").body << "\n"
                          << cloud_->User(users[0]).body << "\n"
                          << cloud_->User(users[1]).body << "\n"
                          << cloud_->User(users[2]).body;
  for (const char* box : {"bob@contoso.com", "carol@contoso.com"}) {
    for (const auto& moves : JsonFields(cloud_->Mailbox(box).body, "moveCount")) {
      EXPECT_EQ(moves, "1") << box;
    }
  }

  // Every Graph call followed the documented contract.
  const std::string log = cloud_->Requests("graph").body;
  const std::vector<std::string> statuses = JsonFields(log, "status");
  EXPECT_THAT(statuses, ::testing::Contains("429"));
  EXPECT_THAT(statuses, ::testing::Contains("503"));
  // Every request asked for immutable ids and carried a client-request-id.
  const size_t requests = JsonFields(log, "seq").size();
  EXPECT_GT(requests, 30u);
  const std::vector<std::string> prefers = JsonFields(log, "prefer");
  EXPECT_EQ(prefers.size(), requests);
  for (const auto& prefer : prefers) {
    EXPECT_EQ(prefer, "IdType=\"ImmutableId\"");
  }
  // Sent by us and echoed by the service: twice per request.
  EXPECT_EQ(JsonFields(log, "client-request-id").size(), 2 * requests);
  EXPECT_THAT(log, ::testing::Not(HasSubstr(kFakeGraphSecret)));

  (*server)->process().Signal(SIGTERM);
  ASSERT_EQ((*server)->process().Wait(), 0);
  EXPECT_THAT((*server)->process().Stderr(),
              ::testing::Not(HasSubstr(kFakeGraphSecret)));
  auto verify = RunCommand({RunfilePath("orchestrator/server/riposted"),
                            "--verify-audit", "--config", config_},
                           dir_.File("verify"));
  EXPECT_EQ(verify.exit_code, 0) << verify.stdout_text;
}

}  // namespace
}  // namespace riposte::integration
