#include "integration_tests/testing/grpc_health.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "grpc/health/v1/health.grpc.pb.h"

namespace riposte::integration {

using ::grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus HealthCheck(const std::string& address,
                                               const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckResponse resp;
  if (!stub->Check(&ctx, req, &resp).ok()) return HealthCheckResponse::UNKNOWN;
  return resp.status();
}

}  // namespace riposte::integration
