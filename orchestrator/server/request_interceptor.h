#ifndef RIPOSTE_ORCHESTRATOR_SERVER_REQUEST_INTERCEPTOR_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_REQUEST_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "metrics/metrics.h"

namespace riposte::server {

// Installs on the gRPC server an interceptor for every service that parses
// its requests with gRPC's own handlers (the Operator API, health,
// reflection; not Intake, which parses its own):
//  - a request that does not parse is answered INVALID_ARGUMENT, "request:
//    the request could not be parsed as riposte.v1.GetRunRequest", where
//    gRPC itself would answer UNIMPLEMENTED with an empty message;
//  - every INVALID_ARGUMENT answer is counted:
//      riposte_operator_requests_invalid_total{method, reason}
//    with reason "unparseable" or "invalid_argument"; every Operator method
//    is exported at 0 from the start.
class RequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  static absl::StatusOr<std::unique_ptr<RequestInterceptorFactory>> Create(
      metrics::Registry& registry);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // For tests.
  double Count(const std::string& method, const std::string& reason) const;

 private:
  explicit RequestInterceptorFactory(metrics::CounterFamily* invalid)
      : invalid_(invalid) {}

  metrics::CounterFamily* const invalid_;
};

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_REQUEST_INTERCEPTOR_H_
