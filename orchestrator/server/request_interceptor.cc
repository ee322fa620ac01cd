#include "orchestrator/server/request_interceptor.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr char kIntakePrefix[] = "/riposte.v1.Intake/";

// "/riposte.v1.Operator/GetRun" -> "riposte.v1.GetRunRequest".
std::string RequestType(absl::string_view method) {
  std::string full(method.substr(method.empty() ? 0 : 1));
  absl::StrReplaceAll({{"/", "."}}, &full);
  const auto* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full);
  return descriptor == nullptr ? "the method's request message"
                               : descriptor->input_type()->full_name();
}

class RequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  RequestInterceptor(std::string method, metrics::CounterFamily* invalid)
      : method_(std::move(method)), invalid_(invalid) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      // gRPC could not deserialize the request: its handler will answer
      // UNIMPLEMENTED without running ours.
      unparseable_ = true;
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status sent = methods->GetSendStatus();
      if (unparseable_ && sent.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("request: the request could not be parsed as ",
                         RequestType(method_),
                         ": not a valid protobuf encoding")));
        Count("unparseable");
      } else if (sent.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
        Count("invalid_argument");
      }
    }
    methods->Proceed();
  }

 private:
  void Count(const char* reason) {
    auto counter = invalid_->WithLabels({method_, reason});
    if (counter.ok()) (*counter)->Increment();
  }

  const std::string method_;
  metrics::CounterFamily* const invalid_;
  bool unparseable_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RequestInterceptorFactory>>
RequestInterceptorFactory::Create(metrics::Registry& registry) {
  RIPOSTE_ASSIGN_OR_RETURN(
      metrics::CounterFamily * invalid,
      registry.AddCounter("riposte_operator_requests_invalid_total",
                          "Requests answered INVALID_ARGUMENT, by method and "
                          "reason (unparseable, invalid_argument).",
                          {"method", "reason"}));
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          v1::Operator::service_full_name());
  if (service == nullptr) return absl::InternalError("no Operator descriptor");
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string method =
        absl::StrCat("/", service->full_name(), "/", service->method(i)->name());
    for (const char* reason : {"unparseable", "invalid_argument"}) {
      RIPOSTE_RETURN_IF_ERROR(invalid->WithLabels({method, reason}).status());
    }
  }
  return std::unique_ptr<RequestInterceptorFactory>(
      new RequestInterceptorFactory(invalid));
}

grpc::experimental::Interceptor*
RequestInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (absl::StartsWith(info->method(), kIntakePrefix)) return nullptr;
  return new RequestInterceptor(info->method(), invalid_);
}

double RequestInterceptorFactory::Count(const std::string& method,
                                        const std::string& reason) const {
  auto counter = invalid_->WithLabels({method, reason});
  return counter.ok() ? (*counter)->Value() : -1;
}

}  // namespace riposte::server
