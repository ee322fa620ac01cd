#ifndef RIPOSTE_INTEGRATION_TESTS_TESTING_GRPC_HEALTH_H_
#define RIPOSTE_INTEGRATION_TESTS_TESTING_GRPC_HEALTH_H_

#include <string>

#include "grpc/health/v1/health.pb.h"

namespace riposte::integration {

// What riposted at `address` answers to the standard gRPC health check for
// `service` ("riposte.v1.Intake", or "" for the whole server); UNKNOWN if
// it does not answer within 5 seconds.
grpc::health::v1::HealthCheckResponse::ServingStatus HealthCheck(
    const std::string& address, const std::string& service);

}  // namespace riposte::integration

#endif  // RIPOSTE_INTEGRATION_TESTS_TESTING_GRPC_HEALTH_H_
