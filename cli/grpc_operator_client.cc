#include "cli/grpc_operator_client.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/interrupt.h"
#include "riposte/v1/intake.grpc.pb.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::cli {
namespace {

// Incident timelines and policy files can be large; riposted's own limit
// applies on its side.
constexpr int kMaxReceiveBytes = 64 * 1024 * 1024;

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

class GrpcOperatorClient final : public OperatorClient {
 public:
  explicit GrpcOperatorClient(const ConnectionSettings& settings)
      : settings_(settings) {
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (settings.use_tls) {
      grpc::SslCredentialsOptions options;
      options.pem_root_certs = settings.ca_pem;  // empty: the default roots
      options.pem_private_key = settings.key_pem;
      options.pem_cert_chain = settings.cert_pem;
      credentials = grpc::SslCredentials(options);
    } else {
      credentials = grpc::InsecureChannelCredentials();
    }
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxReceiveBytes);
    args.SetUserAgentPrefix("riposte-cli");
    channel_ = grpc::CreateCustomChannel(settings.addr, credentials, args);
    operator_ = v1::Operator::NewStub(channel_);
    intake_ = v1::Intake::NewStub(channel_);
  }

  absl::StatusOr<v1::SimulateResponse> Simulate(
      const v1::SimulateRequest& request) override {
    return Unary<v1::SimulateResponse>(&v1::Operator::Stub::Simulate, request);
  }
  absl::StatusOr<v1::ListIncidentsResponse> ListIncidents(
      const v1::ListIncidentsRequest& request) override {
    return Unary<v1::ListIncidentsResponse>(&v1::Operator::Stub::ListIncidents,
                                            request);
  }
  absl::StatusOr<v1::IncidentDetail> GetIncident(
      const v1::GetIncidentRequest& request) override {
    return Unary<v1::IncidentDetail>(&v1::Operator::Stub::GetIncident, request);
  }
  absl::StatusOr<v1::ListRunsResponse> ListRuns(
      const v1::ListRunsRequest& request) override {
    return Unary<v1::ListRunsResponse>(&v1::Operator::Stub::ListRuns, request);
  }
  absl::StatusOr<v1::ActionRun> GetRun(const v1::GetRunRequest& request) override {
    return Unary<v1::ActionRun>(&v1::Operator::Stub::GetRun, request);
  }
  absl::StatusOr<v1::ActionRun> Approve(const v1::RunCommand& request) override {
    return Unary<v1::ActionRun>(&v1::Operator::Stub::Approve, request);
  }
  absl::StatusOr<v1::ActionRun> Reject(const v1::RunCommand& request) override {
    return Unary<v1::ActionRun>(&v1::Operator::Stub::Reject, request);
  }
  absl::StatusOr<v1::ActionRun> Extend(const v1::ExtendRequest& request) override {
    return Unary<v1::ActionRun>(&v1::Operator::Stub::Extend, request);
  }
  absl::StatusOr<v1::ActionRun> Revert(const v1::RunCommand& request) override {
    return Unary<v1::ActionRun>(&v1::Operator::Stub::Revert, request);
  }
  absl::StatusOr<v1::ActionRun> Retry(const v1::RunCommand& request) override {
    return Unary<v1::ActionRun>(&v1::Operator::Stub::Retry, request);
  }
  absl::StatusOr<v1::PolicyInfo> GetPolicy(
      const v1::GetPolicyRequest& request) override {
    return Unary<v1::PolicyInfo>(&v1::Operator::Stub::GetPolicy, request);
  }
  absl::StatusOr<v1::ValidatePolicyResponse> ValidatePolicy(
      const v1::ValidatePolicyRequest& request) override {
    return Unary<v1::ValidatePolicyResponse>(&v1::Operator::Stub::ValidatePolicy,
                                             request);
  }
  absl::StatusOr<v1::PolicyInfo> ReloadPolicy(
      const v1::ReloadPolicyRequest& request) override {
    return Unary<v1::PolicyInfo>(&v1::Operator::Stub::ReloadPolicy, request);
  }
  absl::StatusOr<v1::PauseState> SetPaused(
      const v1::SetPausedRequest& request) override {
    return Unary<v1::PauseState>(&v1::Operator::Stub::SetPaused, request);
  }
  absl::StatusOr<v1::PauseState> GetPause(
      const v1::GetPauseRequest& request) override {
    return Unary<v1::PauseState>(&v1::Operator::Stub::GetPause, request);
  }
  absl::StatusOr<v1::VerifyAuditResponse> VerifyAudit(
      const v1::VerifyAuditRequest& request) override {
    return Unary<v1::VerifyAuditResponse>(&v1::Operator::Stub::VerifyAudit,
                                          request);
  }
  absl::StatusOr<v1::WhoAmIResponse> WhoAmI(
      const v1::WhoAmIRequest& request) override {
    return Unary<v1::WhoAmIResponse>(&v1::Operator::Stub::WhoAmI, request);
  }

  absl::Status StreamAudit(
      const v1::StreamAuditRequest& request,
      absl::FunctionRef<bool(const v1::AuditEntry&)> on_message) override {
    return Stream<v1::AuditEntry>(&v1::Operator::Stub::StreamAudit, request,
                                  request.follow(), on_message);
  }
  absl::Status ExportAudit(
      const v1::ExportAuditRequest& request,
      absl::FunctionRef<bool(const v1::AuditExportChunk&)> on_message) override {
    return Stream<v1::AuditExportChunk>(&v1::Operator::Stub::ExportAudit,
                                        request, false, on_message);
  }
  absl::Status ExportOcsf(
      const v1::ExportOcsfRequest& request,
      absl::FunctionRef<bool(const v1::OcsfExportChunk&)> on_message) override {
    return Stream<v1::OcsfExportChunk>(&v1::Operator::Stub::ExportOcsf,
                                       request, false, on_message);
  }

  absl::StatusOr<v1::SubmitResponse> Submit(
      const v1::SubmitRequest& request) override {
    grpc::ClientContext context;
    Prepare(&context, true);
    v1::SubmitResponse response;
    absl::Status status = FromGrpc(intake_->Submit(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

 private:
  void Prepare(grpc::ClientContext* context, bool with_deadline) {
    if (with_deadline) {
      context->set_deadline(absl::ToChronoTime(absl::Now() + settings_.timeout));
    }
    if (!settings_.token.empty()) {
      context->AddMetadata("authorization", absl::StrCat("Bearer ", settings_.token));
    }
  }

  template <typename Response, typename Method, typename Request>
  absl::StatusOr<Response> Unary(Method method, const Request& request) {
    grpc::ClientContext context;
    Prepare(&context, true);
    Response response;
    absl::Status status =
        FromGrpc(((*operator_).*method)(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  // Waits until the channel is connected or has failed to connect (a call
  // then fails at once with gRPC's own explanation), at most the timeout.
  absl::Status AwaitConnection() {
    const auto deadline = absl::ToChronoTime(absl::Now() + settings_.timeout);
    grpc_connectivity_state state = channel_->GetState(true);
    while (state != GRPC_CHANNEL_READY && state != GRPC_CHANNEL_TRANSIENT_FAILURE &&
           state != GRPC_CHANNEL_SHUTDOWN) {
      if (!channel_->WaitForStateChange(state, deadline)) {
        return absl::DeadlineExceededError(
            absl::StrCat("no connection to ", settings_.addr, " within ",
                         absl::FormatDuration(settings_.timeout)));
      }
      state = channel_->GetState(true);
    }
    return absl::OkStatus();
  }

  template <typename Message, typename Method, typename Request>
  absl::Status Stream(Method method, const Request& request, bool follow,
                      absl::FunctionRef<bool(const Message&)> on_message) {
    if (absl::Status s = AwaitConnection(); !s.ok()) return s;
    grpc::ClientContext context;
    Prepare(&context, false);
    std::unique_ptr<grpc::ClientReader<Message>> reader =
        ((*operator_).*method)(&context, request);
    // Ctrl-C cancels the call, so the stream ends in order.
    std::atomic<bool> done{false};
    std::atomic<bool> interrupted{false};
    std::thread watcher([&] {
      while (!done.load()) {
        if (WaitForInterrupt(absl::Milliseconds(100))) {
          interrupted.store(true);
          context.TryCancel();
          return;
        }
      }
    });
    bool stopped = false;
    Message message;
    while (reader->Read(&message)) {
      if (!on_message(message)) {
        stopped = true;
        context.TryCancel();
        break;
      }
    }
    const grpc::Status status = reader->Finish();
    done.store(true);
    watcher.join();
    if (stopped) return absl::OkStatus();
    if (interrupted.load()) {
      return follow ? absl::OkStatus() : absl::CancelledError("interrupted");
    }
    return FromGrpc(status);
  }

  const ConnectionSettings settings_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Operator::Stub> operator_;
  std::unique_ptr<v1::Intake::Stub> intake_;
};

}  // namespace

std::unique_ptr<OperatorClient> NewGrpcOperatorClient(
    const ConnectionSettings& settings) {
  return std::make_unique<GrpcOperatorClient>(settings);
}

}  // namespace riposte::cli
