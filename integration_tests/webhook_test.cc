// End to end: riposted calls a webhook receiver that verifies what
// docs/CONNECTING.md promises. A receiver that reads each request and then
// drops the connection sees exactly as many POSTs as the run records
// attempts, every one signed (timestamp, Idempotency-Key and body) and
// carrying the same ASCII Idempotency-Key, even for a non-ASCII target.

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/fake_cloud.h"
#include "integration_tests/testing/riposted_process.h"
#include "riposte/v1/intake.grpc.pb.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::integration {
namespace {

namespace fs = std::filesystem;
using ::testing::Each;
using ::testing::SizeIs;

constexpr char kSecret[] = "whsec_integration_0123456789";

class WebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cloud = FakeCloud::Start();
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = std::move(*cloud);
    Receiver(/*drop=*/false);
    WriteFile(dir_.File("hmac"), std::string(kSecret) + "\n");
    chmod(dir_.File("hmac").c_str(), 0600);
    fs::create_directories(dir_.File("policies"));
    WriteFile(dir_.File("policies/rules.yaml"),
              "rules:\n"
              "  - name: logout-on-suspicious-login\n"
              "    mode: autonomous\n"
              "    match:\n"
              "      models: [\"SaaS / Access / Suspicious Login Attempt\"]\n"
              "      subject: user\n"
              "    ladder: [force_logout]\n");
    const std::string config = dir_.File("riposted.yaml");
    WriteFile(config, absl::StrCat(
        "grpc:\n  listen: 127.0.0.1:0\n"
        "data_dir: ", dir_.File("data"), "\n"
        "tenants:\n"
        "  - id: contoso\n"
        "    webhooks:\n"
        "      - name: soar\n"
        "        url: ", cloud_->webhook_url("soar"), "\n"
        "        body_template: '{\"action\":\"{{action}}\",\"target\":\"{{target}}\","
        "\"narrative\":\"{{narrative}}\",\"key\":\"{{idempotency_key}}\"}'\n"
        "        hmac_secret_file: ", dir_.File("hmac"), "\n"
        "    routes:\n"
        "      force_logout: webhook:soar\n"
        "correlation:\n  window: 1h\n"
        "policy:\n  path: ", dir_.File("policies"), "\n"
        "execution:\n"
        "  workers: 1\n"
        "  max_attempts: 4\n"
        "  call_timeout: 5s\n"
        "  backoff: {initial: 100ms, max: 200ms}\n"
        "  circuit_breaker: {failures: 50, open_for: 1s}\n"));
    auto server = RiposteServer::Start(config, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto channel = grpc::CreateChannel(server_->address(),
                                       grpc::InsecureChannelCredentials());
    intake_ = v1::Intake::NewStub(channel);
    operator_ = v1::Operator::NewStub(channel);
  }

  void Receiver(bool drop) {
    ASSERT_EQ(cloud_->Post("/_fake/webhooks/soar",
                           absl::StrCat(R"({"hmac_secret":")", kSecret,
                                        R"(","drop":)", drop ? "true" : "false",
                                        "}"))
                  .status,
              200);
  }

  void Submit(const v1::Breach& b) {
    v1::SubmitRequest req;
    *req.mutable_breach() = b;
    grpc::ClientContext ctx;
    v1::SubmitResponse resp;
    grpc::Status s = intake_->Submit(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // The force_logout run on `upn` once it is in `state`.
  std::optional<v1::ActionRun> RunIn(const std::string& upn, const std::string& state) {
    v1::ListRunsRequest req;
    req.set_tenant_id("contoso");
    grpc::ClientContext ctx;
    v1::ListRunsResponse resp;
    if (!operator_->ListRuns(&ctx, req, &resp).ok()) return std::nullopt;
    for (const v1::ActionRun& run : resp.runs()) {
      if (run.target_key() == "user:" + upn && run.state() == state) return run;
    }
    return std::nullopt;
  }

  // The sequence numbers of the requests the receiver recorded.
  std::vector<std::string> Requests() {
    return JsonFields(cloud_->Webhook("soar").body, "seq");
  }

  testing::TempDir dir_;
  std::unique_ptr<FakeCloud> cloud_;
  std::unique_ptr<RiposteServer> server_;
  std::unique_ptr<v1::Intake::Stub> intake_;
  std::unique_ptr<v1::Operator::Stub> operator_;
};

TEST_F(WebhookTest, EveryDeliveryIsACountedSignedAttempt) {
  // A first run succeeds, leaving a keep-alive connection to the receiver
  // in riposted's HTTP client.
  Submit(UserBreach("det", "b-1", "alice@contoso.com"));
  std::optional<v1::ActionRun> done;
  ASSERT_TRUE(WaitFor([&] { return (done = RunIn("alice@contoso.com", "done")).has_value(); },
                      absl::Seconds(60)));
  ASSERT_THAT(Requests(), SizeIs(1));

  // Now the receiver reads each request, then drops the connection: from
  // Riposte's side each may have been acted on.
  Receiver(/*drop=*/true);
  const std::string upn = "j\xC3\xB6rg@m\xC3\xBCller.example";
  Submit(UserBreach("det", "b-2", upn));
  std::optional<v1::ActionRun> failed;
  ASSERT_TRUE(WaitFor([&] { return (failed = RunIn(upn, "failed")).has_value(); },
                      absl::Seconds(60)));
  EXPECT_EQ(failed->attempts(), 4);

  const std::string state = cloud_->Webhook("soar").body;
  const std::vector<std::string> keys = JsonFields(state, "idempotency-key");
  const std::vector<std::string> verified = JsonFields(state, "verified");
  ASSERT_THAT(keys, SizeIs(1 + failed->attempts()));
  EXPECT_THAT(verified, SizeIs(keys.size()));
  EXPECT_THAT(verified, Each(std::string("true")));
  // The failed run's attempts share one key, ASCII and not the target.
  const std::vector<std::string> retried(keys.begin() + 1, keys.end());
  EXPECT_THAT(retried, Each(retried[0]));
  EXPECT_NE(retried[0], keys[0]);
  for (char c : retried[0]) {
    EXPECT_TRUE(c > 0x20 && c < 0x7f) << retried[0];
  }
  EXPECT_THAT(retried[0], ::testing::Not(::testing::HasSubstr("rg@")));
  // Every body carries the decision's narrative, JSON-escaped.
  const std::vector<std::string> bodies = JsonFields(JsonField(state, "requests"), "body");
  EXPECT_THAT(bodies, SizeIs(keys.size()));
  for (const std::string& body : bodies) {
    const std::string narrative = JsonField(body, "narrative");
    EXPECT_THAT(narrative, ::testing::HasSubstr("Riposte will")) << body;
  }
}

}  // namespace
}  // namespace riposte::integration
