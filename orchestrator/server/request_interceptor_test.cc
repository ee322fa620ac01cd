#include "orchestrator/server/request_interceptor.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "common/testing/malformed_proto.h"
#include "common/testing/raw_grpc.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::server {
namespace {

using ::testing::HasSubstr;

// Two methods answered, the rest left to gRPC's UNIMPLEMENTED.
class Operator final : public v1::Operator::CallbackService {
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* ctx,
                                   const v1::WhoAmIRequest*,
                                   v1::WhoAmIResponse* resp) override {
    resp->set_identity("me");
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
  grpc::ServerUnaryReactor* GetRun(grpc::CallbackServerContext* ctx,
                                   const v1::GetRunRequest*,
                                   v1::ActionRun*) override {
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "id: required"));
    return r;
  }
};

class RequestInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto factory = RequestInterceptorFactory::Create(registry_);
    ASSERT_TRUE(factory.ok()) << factory.status();
    factory_ = factory->get();
    std::vector<std::unique_ptr<
        grpc::experimental::ServerInterceptorFactoryInterface>>
        creators;
    creators.push_back(*std::move(factory));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Call(const std::string& method, const std::string& bytes) {
    grpc::ClientContext ctx;
    return testing::RawUnaryCall(channel_, method, bytes, nullptr, &ctx);
  }

  metrics::Registry registry_;
  RequestInterceptorFactory* factory_ = nullptr;
  Operator service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(RequestInterceptorTest, AnUnparseableRequestIsInvalidArgumentNamingItsType) {
  for (const auto& m : testing::MalformedEncodings()) {
    SCOPED_TRACE(m.name);
    grpc::Status s = Call("/riposte.v1.Operator/GetRun", m.bytes);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(),
                HasSubstr("could not be parsed as riposte.v1.GetRunRequest"));
  }
  const double n = testing::MalformedEncodings().size();
  EXPECT_EQ(factory_->Count("/riposte.v1.Operator/GetRun", "unparseable"), n);
  // Even a method the server leaves unimplemented: the request is at fault.
  EXPECT_EQ(Call("/riposte.v1.Operator/ListRuns", "\x0e\x00").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RequestInterceptorTest, WellFormedCallsAreUntouched) {
  EXPECT_TRUE(Call("/riposte.v1.Operator/WhoAmI", "").ok());
  EXPECT_EQ(Call("/riposte.v1.Operator/ListRuns", "").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(Call("/riposte.v1.Operator/NoSuchMethod", "").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  grpc::Status s = Call("/riposte.v1.Operator/GetRun", "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "id: required");
  EXPECT_EQ(factory_->Count("/riposte.v1.Operator/GetRun", "invalid_argument"),
            1);
  EXPECT_EQ(factory_->Count("/riposte.v1.Operator/GetRun", "unparseable"), 0);
}

TEST_F(RequestInterceptorTest, EveryOperatorMethodIsExportedAtZero) {
  const std::string text = registry_.RenderText();
  EXPECT_THAT(text, HasSubstr("riposte_operator_requests_invalid_total{method="
                              "\"/riposte.v1.Operator/Approve\",reason="
                              "\"unparseable\"} 0"));
}

}  // namespace
}  // namespace riposte::server
