// A full disk, simulated without root by a file size limit on riposted
// (writes past it fail with EFBIG, as they fail with ENOSPC on a full disk):
// Submit answers UNAVAILABLE and loses nothing acknowledged, gRPC health
// reports riposte.v1.Intake NOT_SERVING while Operator reads go on, /readyz
// fails naming the reason, the metrics say disk_full; riposted restarts
// after a crash on the full disk; and once there is room again it recovers
// by itself and records its start in the audit trail.

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/testing/file_size_limit.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.pb.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/grpc_health.h"
#include "integration_tests/testing/riposted_process.h"
#include "integration_tests/testing/store_query.h"
#include "metrics/exporter/testing/http_client.h"
#include "riposte/v1/intake.grpc.pb.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::integration {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::riposte::metrics::testing::HttpGet;
using ::testing::HasSubstr;

constexpr absl::Duration kDeadline = absl::Seconds(30);

class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A child started under a file size limit inherits this.
    signal(SIGXFSZ, SIG_IGN);
    config_ = dir_.File("riposted.yaml");
    WriteFile(config_, TestConfig(dir_.File("data")) +
                           "metrics:\n  listen: 127.0.0.1:0\n"
                           "execution:\n  workers: 0\n");
  }

  void Connect() {
    auto channel = grpc::CreateChannel(server_->address(),
                                       grpc::InsecureChannelCredentials());
    intake_ = v1::Intake::NewStub(channel);
    operator_ = v1::Operator::NewStub(channel);
  }

  void StartServer() {
    auto server = RiposteServer::Start(config_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    Connect();
  }

  // The store's files cannot grow: as if the disk were full.
  int64_t FullSize() {
    const std::string db = dir_.File("data/riposte.db");
    return std::max(riposte::testing::FileSize(db.c_str()),
                    riposte::testing::FileSize((db + "-wal").c_str()));
  }

  grpc::Status Submit(int i) {
    v1::SubmitRequest req;
    *req.mutable_breach() =
        UserBreach("det-1", absl::StrCat("b", i),
                   absl::StrCat("user", i % 3, "@contoso.com"));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    v1::SubmitResponse resp;
    grpc::Status s = intake_->Submit(&ctx, req, &resp);
    if (s.ok()) acked_[req.breach().breach_id()] = resp.incident_id();
    return s;
  }

  HealthCheckResponse::ServingStatus Health(const std::string& service) {
    return HealthCheck(server_->address(), service);
  }

  int ReadyzStatus(std::string* body = nullptr) {
    auto response = HttpGet(server_->metrics_address(), "/readyz");
    if (!response.ok()) return -1;
    if (body != nullptr) *body = response->body;
    return response->status;
  }

  std::string Metrics() {
    auto response = HttpGet(server_->metrics_address(), "/metrics");
    return response.ok() ? response->body : "";
  }

  // Reads through the Operator API: an acknowledged incident, the audit.
  void ExpectReadsServed() {
    ASSERT_FALSE(acked_.empty());
    v1::GetIncidentRequest get;
    get.set_incident_id(acked_.begin()->second);
    grpc::ClientContext ctx;
    v1::IncidentDetail incident;
    grpc::Status s = operator_->GetIncident(&ctx, get, &incident);
    EXPECT_TRUE(s.ok()) << s.error_message();
    grpc::ClientContext vctx;
    v1::VerifyAuditResponse verified;
    s = operator_->VerifyAudit(&vctx, v1::VerifyAuditRequest(), &verified);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(verified.ok());
  }

  void ExpectNotWritable() {
    EXPECT_TRUE(WaitFor(
        [&] { return Health("riposte.v1.Intake") == HealthCheckResponse::NOT_SERVING; },
        kDeadline));
    EXPECT_EQ(Health("riposte.v1.Operator"), HealthCheckResponse::SERVING);
    std::string body;
    EXPECT_EQ(ReadyzStatus(&body), 503);
    EXPECT_THAT(body, HasSubstr("disk_full"));
    auto healthz = HttpGet(server_->metrics_address(), "/healthz");
    ASSERT_TRUE(healthz.ok());
    EXPECT_EQ(healthz->status, 200) << "liveness does not depend on the disk";
    const std::string metrics = Metrics();
    EXPECT_THAT(metrics, HasSubstr("\nriposte_store_writable 0\n"));
    EXPECT_THAT(metrics, ::testing::Not(HasSubstr(
                             "riposte_store_write_failures_total{reason=\"disk_full\"} 0\n")));
    EXPECT_THAT(metrics,
                HasSubstr("riposte_store_write_failures_total{reason=\"io_error\"} 0\n"));
    ExpectReadsServed();
  }

  testing::TempDir dir_;
  std::string config_;
  std::unique_ptr<RiposteServer> server_;
  std::unique_ptr<v1::Intake::Stub> intake_;
  std::unique_ptr<v1::Operator::Stub> operator_;
  std::map<std::string, int64_t> acked_;  // breach id -> incident id
};

TEST_F(FullDiskTest, RefusesWritesServesReadsRestartsAndRecoversByItself) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  int next = 0;
  for (; next < 5; ++next) ASSERT_TRUE(Submit(next).ok());
  EXPECT_EQ(Health("riposte.v1.Intake"), HealthCheckResponse::SERVING);
  EXPECT_EQ(ReadyzStatus(), 200);

  // The disk fills up: some submits may still fit, then every one is
  // refused as UNAVAILABLE (retry later), never lost once acknowledged.
  ASSERT_TRUE(riposte::testing::SetFileSizeLimit(server_->process().pid(),
                                                 FullSize()));
  grpc::Status refused;
  for (int tries = 0; tries < 200; ++tries, ++next) {
    refused = Submit(next);
    if (!refused.ok()) break;
  }
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
      << refused.error_message();
  ASSERT_NO_FATAL_FAILURE(ExpectNotWritable());
  EXPECT_EQ(Submit(next++).error_code(), grpc::StatusCode::UNAVAILABLE);

  // A crash, and a start on the still-full disk.
  server_->process().Signal(SIGKILL);
  server_->process().Wait();
  {
    riposte::testing::ScopedFileSizeLimit full(FullSize());
    ASSERT_NO_FATAL_FAILURE(StartServer());
  }
  ASSERT_NO_FATAL_FAILURE(ExpectNotWritable());
  EXPECT_EQ(Submit(next++).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(server_->process().Stderr(), HasSubstr("store is not writable"));

  // Space returns: riposted notices by itself.
  ASSERT_TRUE(riposte::testing::SetFileSizeLimit(server_->process().pid(),
                                                 RLIM_INFINITY));
  EXPECT_TRUE(WaitFor(
      [&] { return Health("riposte.v1.Intake") == HealthCheckResponse::SERVING; },
      kDeadline));
  EXPECT_EQ(ReadyzStatus(), 200);
  EXPECT_THAT(Metrics(), HasSubstr("\nriposte_store_writable 1\n"));
  EXPECT_TRUE(Submit(next++).ok());
  EXPECT_THAT(server_->process().Stderr(), HasSubstr("store is writable again"));

  const std::string db = dir_.File("data/riposte.db");
  // Both starts are in the audit trail: the second once it could write.
  EXPECT_TRUE(WaitFor(
      [&] {
        return StoreCount(db, "SELECT COUNT(*) FROM audit_log WHERE event = "
                              "'server.started'") == 2;
      },
      kDeadline));
  for (const auto& [breach_id, incident] : acked_) {
    EXPECT_EQ(StoreCount(db, absl::StrCat("SELECT COUNT(*) FROM breaches WHERE "
                                          "detector_id = 'det-1' AND breach_id = '",
                                          breach_id, "'")),
              1)
        << breach_id;
  }
  ExpectReadsServed();
}

}  // namespace
}  // namespace riposte::integration
