// The intake API as a detector sees it, against the real riposted: health
// checking, reflection, bad input refused with the field named and nothing
// stored, and the server still standing afterwards.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <limits>

#include "common/testing/malformed_proto.h"
#include "common/testing/raw_grpc.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/riposted_process.h"
#include "riposte/v1/intake.grpc.pb.h"

namespace riposte::integration {
namespace {

using ::testing::HasSubstr;

class IntakeApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    config_path_ = dir_->File("riposted.yaml");
    WriteFile(config_path_, TestConfig(dir_->File("data")));
    auto server = RiposteServer::Start(config_path_, dir_->path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }

  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::Intake::NewStub(channel_);
  }

  grpc::Status Submit(const v1::Breach& breach, v1::SubmitResponse* resp) {
    v1::SubmitRequest req;
    *req.mutable_breach() = breach;
    grpc::ClientContext ctx;
    return stub_->Submit(&ctx, req, resp);
  }

  // Submits and expects INVALID_ARGUMENT naming `field`.
  void ExpectRefused(const v1::Breach& breach, const std::string& field) {
    v1::SubmitResponse resp;
    grpc::Status s = Submit(breach, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), ::testing::StartsWith(field + ": "));
    // Nothing was stored under that key: a good breach with the same ids is
    // new, not a duplicate. (Only meaningful when the ids themselves are ok.)
  }

  static testing::TempDir* dir_;
  static std::string config_path_;
  static RiposteServer* server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Intake::Stub> stub_;
};

testing::TempDir* IntakeApiTest::dir_ = nullptr;
std::string IntakeApiTest::config_path_;
RiposteServer* IntakeApiTest::server_ = nullptr;

// Bytes that are not protobuf, as a broken or hostile client sends them:
// INVALID_ARGUMENT saying so, on Intake and Operator alike, never
// UNIMPLEMENTED, and the server keeps serving.
TEST_F(IntakeApiTest, UnreadableRequestsAreInvalidArgumentOnEveryService) {
  for (const char* method :
       {"/riposte.v1.Intake/Submit", "/riposte.v1.Operator/ListIncidents",
        "/riposte.v1.Operator/Approve", "/grpc.health.v1.Health/Check"}) {
    for (const auto& m : testing::MalformedEncodings()) {
      SCOPED_TRACE(std::string(method) + ": " + m.name);
      grpc::ClientContext ctx;
      grpc::Status s =
          testing::RawUnaryCall(channel_, method, m.bytes, nullptr, &ctx);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      // gRPC's own health service says "could not parse request".
      EXPECT_THAT(s.error_message(), ::testing::ContainsRegex("could not (be )?parse"));
    }
  }
  v1::SubmitResponse resp;
  EXPECT_TRUE(Submit(UserBreach("det-raw", "after-garbage", "eve@contoso.com"), &resp).ok());
}

TEST_F(IntakeApiTest, AnUnreadableMessageMidStreamDoesNotEndTheStreamOk) {
  auto encoded = [](const v1::Breach& b) {
    v1::SubmitRequest r;
    *r.mutable_breach() = b;
    return r.SerializeAsString();
  };
  std::vector<std::string> requests = {encoded(UserBreach("det-raw", "mid-1", "eve@contoso.com")),
                                       "\x0a\x10\x01",  // length past the end
                                       encoded(UserBreach("det-raw", "mid-2", "eve@contoso.com"))};
  grpc::ClientContext ctx;
  testing::RawStreamResult r = testing::RawBidiStream(
      channel_, "/riposte.v1.Intake/SubmitStream", requests, &ctx);
  ASSERT_EQ(r.replies.size(), 3u) << r.status.error_message();
  v1::StreamSubmitResponse second;
  ASSERT_TRUE(second.ParseFromString(r.replies[1]));
  ASSERT_TRUE(second.has_error());
  EXPECT_THAT(second.error().message(), HasSubstr("message 2 of the stream"));
  v1::StreamSubmitResponse third;
  ASSERT_TRUE(third.ParseFromString(r.replies[2]));
  EXPECT_EQ(third.accepted().breach_id(), "mid-2");
}

TEST_F(IntakeApiTest, HealthCheckingReportsServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const char* service : {"", "riposte.v1.Intake"}) {
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(health->Check(&ctx, req, &resp).ok()) << service;
    EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
}

TEST_F(IntakeApiTest, ReflectionListsTheIntakeService) {
  auto reflection =
      grpc::reflection::v1alpha::ServerReflection::NewStub(channel_);
  grpc::ClientContext ctx;
  auto stream = reflection->ServerReflectionInfo(&ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest req;
  req.set_list_services("");
  ASSERT_TRUE(stream->Write(req));
  grpc::reflection::v1alpha::ServerReflectionResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  std::vector<std::string> names;
  for (const auto& s : resp.list_services_response().service()) {
    names.push_back(s.name());
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf(
                         {"riposte.v1.Intake", "grpc.health.v1.Health"}));
  req.set_file_containing_symbol("riposte.v1.Breach");
  ASSERT_TRUE(stream->Write(req));
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_GT(resp.file_descriptor_response().file_descriptor_proto_size(), 0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(IntakeApiTest, EveryKindOfBadInputNamesItsFieldAndStoresNothing) {
  const v1::Breach good = UserBreach("det-bad", "bad-1", "eve@contoso.com");
  v1::Breach b;

  b = good;
  b.clear_breach_id();
  ExpectRefused(b, "breach.breach_id");
  b = good;
  b.clear_detector_id();
  ExpectRefused(b, "breach.detector_id");
  b = good;
  b.set_breach_id(std::string(500, 'x'));
  ExpectRefused(b, "breach.breach_id");
  b = good;
  b.set_score(std::numeric_limits<double>::quiet_NaN());
  ExpectRefused(b, "breach.score");
  b = good;
  b.set_score(std::numeric_limits<double>::infinity());
  ExpectRefused(b, "breach.score");
  b = good;
  b.set_score(101);
  ExpectRefused(b, "breach.score");
  b = good;
  b.set_score(-1);
  ExpectRefused(b, "breach.score");
  b = good;
  b.clear_subject();
  ExpectRefused(b, "breach.subject");
  b = good;
  b.set_tenant_id("fabrikam");
  ExpectRefused(b, "breach.tenant_id");
  b = good;
  for (int i = 0; i < 100; ++i) b.add_evidence()->set_key("k");
  ExpectRefused(b, "breach.evidence");
  b = good;
  b.mutable_evidence(0)->set_value(std::string(300 * 1024, 'v'));
  ExpectRefused(b, "breach");  // over intake.max_breach_bytes

  v1::SubmitRequest empty;
  grpc::ClientContext ctx;
  v1::SubmitResponse resp;
  grpc::Status s = stub_->Submit(&ctx, empty, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("breach: is required"));

  // The good breach with the very same ids was never stored.
  ASSERT_TRUE(Submit(good, &resp).ok());
  EXPECT_FALSE(resp.duplicate());
}

TEST_F(IntakeApiTest, MessagesBeyondTheTransportLimitAreRefusedAndServerStaysUp) {
  v1::Breach b = UserBreach("det-huge", "huge-1", "eve@contoso.com");
  b.mutable_evidence(0)->set_value(std::string(8 * 1024 * 1024, 'v'));
  v1::SubmitResponse resp;
  grpc::Status s = Submit(b, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << s.error_message();
  ASSERT_TRUE(Submit(UserBreach("det-huge", "ok-1", "eve@contoso.com"), &resp)
                  .ok());
}

TEST_F(IntakeApiTest, StreamRepliesInOrderWithPerItemErrors) {
  grpc::ClientContext ctx;
  auto stream = stub_->SubmitStream(&ctx);
  std::vector<std::string> expect;  // "ok" or the field
  for (int i = 0; i < 50; ++i) {
    v1::SubmitRequest req;
    *req.mutable_breach() = UserBreach("det-stream", "s" + std::to_string(i),
                                       "frank@contoso.com");
    if (i % 7 == 3) {
      req.mutable_breach()->set_score(-5);
      expect.push_back("breach.score");
    } else if (i % 11 == 5) {
      req.mutable_breach()->set_tenant_id("nobody");
      expect.push_back("breach.tenant_id");
    } else {
      expect.push_back("ok");
    }
    ASSERT_TRUE(stream->Write(req));
  }
  stream->WritesDone();
  v1::StreamSubmitResponse resp;
  int64_t incident = 0;
  for (size_t i = 0; i < expect.size(); ++i) {
    ASSERT_TRUE(stream->Read(&resp)) << i;
    if (expect[i] == "ok") {
      ASSERT_TRUE(resp.has_accepted()) << i << " " << resp.DebugString();
      EXPECT_EQ(resp.accepted().breach_id(), "s" + std::to_string(i));
      if (incident == 0) incident = resp.accepted().incident_id();
      EXPECT_EQ(resp.accepted().incident_id(), incident);
    } else {
      ASSERT_TRUE(resp.has_error()) << i;
      EXPECT_EQ(resp.error().field(), expect[i]);
      EXPECT_EQ(resp.error().breach_id(), "s" + std::to_string(i));
      EXPECT_EQ(resp.error().code(), 3);
    }
  }
  EXPECT_FALSE(stream->Read(&resp));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(IntakeApiTest, CheckConfigRejectsABadFileNamingKeyAndLine) {
  const std::string bad = dir_->File("bad.yaml");
  WriteFile(bad,
            "grpc:\n  listen: 127.0.0.1:0\ndata_dir: x\ntenants:\n  - id: a\n"
            "correlation:\n  windw: 1h\n");
  auto r = RunCommand({RunfilePath("orchestrator/server/riposted"),
                       "--check-config", "--config", bad},
                      dir_->File("check"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.stderr_text, HasSubstr("bad.yaml:7"));
  EXPECT_THAT(r.stderr_text, HasSubstr("windw"));
  auto ok = RunCommand({RunfilePath("orchestrator/server/riposted"),
                        "--check-config", "--config", config_path_},
                       dir_->File("check-ok"));
  EXPECT_EQ(ok.exit_code, 0) << ok.stderr_text;
}

}  // namespace
}  // namespace riposte::integration
