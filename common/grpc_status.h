#ifndef RIPOSTE_COMMON_GRPC_STATUS_H_
#define RIPOSTE_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace riposte {

// Maps an absl::Status onto the wire: the codes are the same numbers. The
// one place services do this.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace riposte

#endif  // RIPOSTE_COMMON_GRPC_STATUS_H_
