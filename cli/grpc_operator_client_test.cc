// The gRPC OperatorClient against an in-process server on loopback port 0:
// metadata, status mapping, streams, deadlines, and the whole CLI wired to
// it.

#include "cli/grpc_operator_client.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "cli/app.h"
#include "cli/watch.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riposte/v1/intake.grpc.pb.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string AuthorizationOf(grpc::ServerContext* context) {
  auto range = context->client_metadata().equal_range("authorization");
  if (range.first == range.second) return "";
  return std::string(range.first->second.data(), range.first->second.size());
}

class TestOperator final : public v1::Operator::Service {
 public:
  grpc::Status Approve(grpc::ServerContext* context, const v1::RunCommand* request,
                       v1::ActionRun* response) override {
    Record(context);
    if (request->run_id() == 404) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "run 404 not found");
    }
    response->set_run_id(request->run_id());
    response->set_state("queued");
    response->set_action("disable_user");
    response->set_target_key("user:alice@contoso.com");
    return grpc::Status::OK;
  }

  grpc::Status WhoAmI(grpc::ServerContext* context, const v1::WhoAmIRequest*,
                      v1::WhoAmIResponse* response) override {
    Record(context);
    if (AuthorizationOf(context).empty()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing bearer token");
    }
    response->set_identity("alice");
    response->set_role("operator");
    return grpc::Status::OK;
  }

  grpc::Status GetPause(grpc::ServerContext* context, const v1::GetPauseRequest*,
                        v1::PauseState*) override {
    Record(context);
    // Holds the call until the test releases it (or the client gives up).
    release_.WaitForNotificationWithTimeout(absl::Seconds(30));
    return grpc::Status::OK;
  }

  grpc::Status StreamAudit(grpc::ServerContext* context,
                           const v1::StreamAuditRequest* request,
                           grpc::ServerWriter<v1::AuditEntry>* writer) override {
    Record(context);
    for (int64_t seq = request->after_seq() + 1; seq <= request->after_seq() + 3; ++seq) {
      v1::AuditEntry e;
      e.set_seq(seq);
      e.set_event("test.event");
      if (!writer->Write(e)) break;
    }
    return grpc::Status::OK;
  }

  grpc::Status Submit(grpc::ServerContext* context, const v1::SubmitRequest* request,
                      v1::SubmitResponse* response) {
    Record(context);
    response->set_detector_id(request->breach().detector_id());
    response->set_breach_id(request->breach().breach_id());
    response->set_stored_breach_id(1);
    return grpc::Status::OK;
  }

  std::vector<std::string> authorizations() {
    absl::MutexLock lock(&mu_);
    return authorizations_;
  }
  void Release() { release_.Notify(); }

 private:
  void Record(grpc::ServerContext* context) {
    absl::MutexLock lock(&mu_);
    authorizations_.push_back(AuthorizationOf(context));
  }

  absl::Mutex mu_;
  std::vector<std::string> authorizations_ ABSL_GUARDED_BY(mu_);
  absl::Notification release_;
};

class TestIntake final : public v1::Intake::Service {
 public:
  explicit TestIntake(TestOperator* op) : op_(op) {}
  grpc::Status Submit(grpc::ServerContext* context, const v1::SubmitRequest* request,
                      v1::SubmitResponse* response) override {
    return op_->Submit(context, request, response);
  }

 private:
  TestOperator* op_;
};

class GrpcOperatorClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&operator_);
    builder.RegisterService(&intake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }

  void TearDown() override {
    operator_.Release();
    server_->Shutdown();
  }

  ConnectionSettings Settings() {
    ConnectionSettings s;
    s.addr = absl::StrCat("127.0.0.1:", port_);
    s.timeout = absl::Seconds(10);
    return s;
  }

  TestOperator operator_;
  TestIntake intake_{&operator_};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(GrpcOperatorClientTest, SendsTheBearerTokenOnEveryCall) {
  ConnectionSettings s = Settings();
  s.token = "tok-123";
  std::unique_ptr<OperatorClient> client = NewGrpcOperatorClient(s);
  v1::RunCommand approve;
  approve.set_run_id(5);
  ASSERT_TRUE(client->Approve(approve).ok());
  absl::StatusOr<v1::WhoAmIResponse> who = client->WhoAmI({});
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->identity(), "alice");
  v1::SubmitRequest submit;
  submit.mutable_breach()->set_detector_id("d");
  ASSERT_TRUE(client->Submit(submit).ok());
  std::vector<int64_t> seqs;
  ASSERT_TRUE(client
                  ->StreamAudit({}, [&](const v1::AuditEntry& e) {
                    seqs.push_back(e.seq());
                    return true;
                  })
                  .ok());
  EXPECT_THAT(seqs, ElementsAre(1, 2, 3));
  EXPECT_THAT(operator_.authorizations(),
              ElementsAre("Bearer tok-123", "Bearer tok-123", "Bearer tok-123",
                          "Bearer tok-123"));
}

TEST_F(GrpcOperatorClientTest, NoTokenNoHeader) {
  std::unique_ptr<OperatorClient> client = NewGrpcOperatorClient(Settings());
  absl::StatusOr<v1::WhoAmIResponse> who = client->WhoAmI({});
  EXPECT_EQ(who.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(who.status().message(), "missing bearer token");
}

TEST_F(GrpcOperatorClientTest, MapsStatusCodes) {
  std::unique_ptr<OperatorClient> client = NewGrpcOperatorClient(Settings());
  v1::RunCommand approve;
  approve.set_run_id(404);
  absl::StatusOr<v1::ActionRun> run = client->Approve(approve);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(run.status().message(), "run 404 not found");
  // Not implemented by this server.
  EXPECT_EQ(client->GetPolicy({}).status().code(), absl::StatusCode::kUnimplemented);
}

TEST_F(GrpcOperatorClientTest, StreamStopsWhenTheCallbackSaysSo) {
  std::unique_ptr<OperatorClient> client = NewGrpcOperatorClient(Settings());
  int seen = 0;
  v1::StreamAuditRequest request;
  request.set_after_seq(10);
  absl::Status status = client->StreamAudit(request, [&](const v1::AuditEntry& e) {
    EXPECT_EQ(e.seq(), 11);
    ++seen;
    return false;
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(seen, 1);
}

TEST_F(GrpcOperatorClientTest, DeadlineExceeded) {
  ConnectionSettings s = Settings();
  s.timeout = absl::Milliseconds(300);
  std::unique_ptr<OperatorClient> client = NewGrpcOperatorClient(s);
  absl::StatusOr<v1::PauseState> pause = client->GetPause({});
  EXPECT_EQ(pause.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(GrpcOperatorClientUnreachableTest, Unavailable) {
  // Bind a port without listening, so connections to it are refused.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  ConnectionSettings s;
  s.addr = absl::StrCat("127.0.0.1:", port);
  s.timeout = absl::Seconds(5);
  std::unique_ptr<OperatorClient> client = NewGrpcOperatorClient(s);
  EXPECT_EQ(client->WhoAmI({}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client->StreamAudit({}, [](const v1::AuditEntry&) { return true; }).code(),
            absl::StatusCode::kUnavailable);
  close(fd);
}

class NeverSleeper : public Sleeper {
 public:
  bool Sleep(absl::Duration) override { return false; }
};

TEST_F(GrpcOperatorClientTest, TheWholeCliOverGrpc) {
  std::ostringstream out, err;
  std::istringstream in;
  NeverSleeper sleeper;
  CliEnvironment env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "RIPOSTE_TOKEN") return "cli-token";
    return std::nullopt;
  };
  env.out = &out;
  env.err = &err;
  env.in = &in;
  env.clock = Clock::Real();
  env.sleeper = &sleeper;
  env.connect = [](const ConnectionSettings& settings)
      -> absl::StatusOr<std::unique_ptr<OperatorClient>> {
    return NewGrpcOperatorClient(settings);
  };
  const std::string addr = absl::StrCat("127.0.0.1:", port_);
  EXPECT_EQ(RunCli({"--addr", addr, "approve", "5", "--reason", "ok"}, env), 0);
  EXPECT_EQ(out.str(),
            "Approved run 5 (disable_user on user:alice@contoso.com); it is now queued.\n");
  EXPECT_EQ(RunCli({"--addr", addr, "approve", "404", "--reason", "ok"}, env), 1);
  EXPECT_EQ(err.str(), "riposte: NOT_FOUND: run 404 not found\n");
  EXPECT_THAT(operator_.authorizations(), ElementsAre("Bearer cli-token", "Bearer cli-token"));
}

}  // namespace
}  // namespace riposte::cli
