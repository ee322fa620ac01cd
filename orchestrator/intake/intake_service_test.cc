#include "orchestrator/intake/intake_service.h"

#include <grpcpp/grpcpp.h>

#include <limits>
#include <memory>
#include <thread>

#include "common/clock.h"
#include "common/testing/malformed_proto.h"
#include "common/testing/raw_grpc.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/metrics.h"
#include "orchestrator/intake/intake_metrics.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::intake {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::Breach Breach(const std::string& id, double score = 80) {
  v1::Breach b;
  b.set_detector_id("det");
  b.set_breach_id(id);
  b.set_tenant_id("contoso");
  b.set_model_name("SaaS / Compromise / Login From Rare Following Suspicious Login Attempt(s)");
  b.set_score(score);
  b.mutable_subject()->mutable_user()->set_user_principal_name(
      "alice@contoso.com");
  return b;
}

class IntakeServiceTest : public ::testing::Test {
 protected:
  void StartServer(int64_t stream_max_in_flight = 256) {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    store_ = std::move(
        store::sqlite::SqliteStore::Open(options, Clock::Real()).value());
    config::IntakeLimits limits;
    limits.stream_max_in_flight = stream_max_in_flight;
    config::TenantConfig tenant;
    tenant.id = "contoso";
    validator_ = std::make_unique<BreachValidator>(
        limits, std::vector<config::TenantConfig>{tenant});
    recorder_ = std::make_unique<BreachRecorder>(store_.get(), Clock::Real(),
                                                 absl::Hours(1));
    metrics_ = std::make_unique<IntakeMetrics>(registry_);
    service_ = std::make_unique<IntakeService>(
        validator_.get(), recorder_.get(), Clock::Real(), metrics_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::Intake::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
    if (store_) store_->Close();
  }

  grpc::Status Submit(const v1::Breach& b, v1::SubmitResponse* resp) {
    v1::SubmitRequest req;
    *req.mutable_breach() = b;
    grpc::ClientContext ctx;
    return stub_->Submit(&ctx, req, resp);
  }

  testing::TempDir dir_;
  metrics::Registry registry_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<BreachValidator> validator_;
  std::unique_ptr<BreachRecorder> recorder_;
  std::unique_ptr<IntakeMetrics> metrics_;
  std::unique_ptr<IntakeService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Intake::Stub> stub_;
};

TEST_F(IntakeServiceTest, SubmitStoresAndCounts) {
  StartServer();
  v1::SubmitResponse resp;
  ASSERT_TRUE(Submit(Breach("b1"), &resp).ok());
  EXPECT_GT(resp.stored_breach_id(), 0);
  ASSERT_TRUE(Submit(Breach("b1"), &resp).ok());
  EXPECT_TRUE(resp.duplicate());
  EXPECT_EQ(metrics_->Count("accepted"), 1);
  EXPECT_EQ(metrics_->Count("duplicate"), 1);
  const std::string text = registry_.RenderText();
  EXPECT_THAT(text,
              HasSubstr("riposte_breaches_received_total{outcome=\"accepted\"} 1"));
  EXPECT_THAT(text, HasSubstr("riposte_breaches_by_source_total{detector=\"det\","
                              "category=\"SaaS\",outcome=\"duplicate\"} 1"));
}

TEST_F(IntakeServiceTest, InvalidInputIsCountedByField) {
  StartServer();
  v1::SubmitResponse resp;
  grpc::Status s = Submit(Breach("b1", std::numeric_limits<double>::quiet_NaN()), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("breach.score"));
  auto b = Breach("b2");
  b.add_evidence();  // empty key
  EXPECT_EQ(Submit(b, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(metrics_->Count("invalid"), 2);
  EXPECT_EQ(metrics_->InvalidCount("breach.score"), 1);
  EXPECT_EQ(metrics_->InvalidCount("breach.evidence[].key"), 1);
  EXPECT_EQ(store_->Stats().value().breaches, 0);
}

TEST_F(IntakeServiceTest, StreamHonoursOrderUnderBackpressure) {
  StartServer(/*stream_max_in_flight=*/4);
  grpc::ClientContext ctx;
  auto stream = stub_->SubmitStream(&ctx);
  constexpr int kCount = 200;
  std::thread writer([&] {
    for (int i = 0; i < kCount; ++i) {
      v1::SubmitRequest req;
      *req.mutable_breach() = Breach("s" + std::to_string(i), i % 10 == 0 ? 500 : 50);
      if (!stream->Write(req)) break;
    }
    stream->WritesDone();
  });
  v1::StreamSubmitResponse resp;
  int n = 0;
  while (stream->Read(&resp)) {
    if (n % 10 == 0) {
      EXPECT_TRUE(resp.has_error());
      EXPECT_EQ(resp.error().field(), "breach.score");
      EXPECT_EQ(resp.error().breach_id(), "s" + std::to_string(n));
    } else {
      EXPECT_EQ(resp.accepted().breach_id(), "s" + std::to_string(n));
    }
    ++n;
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(n, kCount);
  EXPECT_EQ(store_->Stats().value().breaches, kCount - kCount / 10);
}

TEST_F(IntakeServiceTest, ClientCancellingMidStreamLeavesServerHealthy) {
  StartServer(/*stream_max_in_flight=*/8);
  for (int round = 0; round < 5; ++round) {
    grpc::ClientContext ctx;
    auto stream = stub_->SubmitStream(&ctx);
    for (int i = 0; i < 30; ++i) {
      v1::SubmitRequest req;
      *req.mutable_breach() =
          Breach("c" + std::to_string(round) + "-" + std::to_string(i));
      if (!stream->Write(req)) break;
    }
    ctx.TryCancel();
    stream->Finish().IgnoreError();
  }
  v1::SubmitResponse resp;
  EXPECT_TRUE(Submit(Breach("after"), &resp).ok());
}

std::string Encoded(const v1::Breach& b) {
  v1::SubmitRequest req;
  *req.mutable_breach() = b;
  return req.SerializeAsString();
}

TEST_F(IntakeServiceTest, AnUnparseableSubmitIsInvalidArgumentAndCounted) {
  StartServer();
  int refused = 0;
  for (const auto& m : testing::MalformedEncodings()) {
    SCOPED_TRACE(m.name);
    grpc::ClientContext ctx;
    grpc::Status s = testing::RawUnaryCall(
        channel_, "/riposte.v1.Intake/Submit", m.bytes, nullptr, &ctx);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(),
                HasSubstr("could not be parsed as riposte.v1.SubmitRequest"));
    ++refused;
  }
  // Invalid UTF-8 in a string field: the message names the field.
  v1::Breach b = Breach("utf8");
  b.set_model_name("SaaS / \xc3\x28 / X");
  grpc::ClientContext ctx;
  grpc::Status s = testing::RawUnaryCall(channel_, "/riposte.v1.Intake/Submit",
                                         Encoded(b), nullptr, &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("breach.model_name: "));
  ++refused;
  EXPECT_EQ(metrics_->Count("invalid"), refused);
  EXPECT_EQ(metrics_->InvalidCount("breach.model_name"), 1);
  EXPECT_EQ(store_->Stats().value().breaches, 0);

  // A well-formed request still works on the raw path.
  std::string reply;
  grpc::ClientContext ok_ctx;
  ASSERT_TRUE(testing::RawUnaryCall(channel_, "/riposte.v1.Intake/Submit",
                                    Encoded(Breach("fine")), &reply, &ok_ctx)
                  .ok());
  v1::SubmitResponse resp;
  ASSERT_TRUE(resp.ParseFromString(reply));
  EXPECT_EQ(resp.breach_id(), "fine");
}

TEST_F(IntakeServiceTest, AnUnparseableMessageMidStreamIsAnsweredAndTheRestGoOn) {
  StartServer();
  v1::Breach bad_utf8 = Breach("s-utf8");
  bad_utf8.mutable_subject()->mutable_user()->set_user_principal_name(
      "bob\xff@contoso.com");
  std::vector<std::string> requests = {
      Encoded(Breach("s1")),
      testing::MalformedEncodings()[0].bytes,  // truncated varint
      Encoded(Breach("s2")),
      Encoded(bad_utf8),
      Encoded(Breach("s3")),
  };
  grpc::ClientContext ctx;
  testing::RawStreamResult r = testing::RawBidiStream(
      channel_, "/riposte.v1.Intake/SubmitStream", requests, &ctx);
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  ASSERT_EQ(r.replies.size(), requests.size());
  std::vector<v1::StreamSubmitResponse> replies(r.replies.size());
  for (size_t i = 0; i < r.replies.size(); ++i) {
    ASSERT_TRUE(replies[i].ParseFromString(r.replies[i]));
  }
  EXPECT_EQ(replies[0].accepted().breach_id(), "s1");
  ASSERT_TRUE(replies[1].has_error());
  EXPECT_EQ(replies[1].error().code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(replies[1].error().message(), HasSubstr("message 2 of the stream"));
  EXPECT_THAT(replies[1].error().message(), HasSubstr("could not be parsed"));
  EXPECT_EQ(replies[2].accepted().breach_id(), "s2");
  ASSERT_TRUE(replies[3].has_error());
  EXPECT_EQ(replies[3].error().field(),
            "breach.subject.user.user_principal_name");
  EXPECT_THAT(replies[3].error().message(), HasSubstr("message 4 of the stream"));
  EXPECT_EQ(replies[4].accepted().breach_id(), "s3");
  EXPECT_EQ(store_->Stats().value().breaches, 3);
  EXPECT_EQ(metrics_->Count("invalid"), 2);
}

TEST(FoldIndicesTest, FoldsEveryIndex) {
  EXPECT_EQ(FoldIndices("breach.related_entities[12].email.attachments[0].sha256"),
            "breach.related_entities[].email.attachments[].sha256");
  EXPECT_EQ(FoldIndices("breach.score"), "breach.score");
}

}  // namespace
}  // namespace riposte::intake
