#ifndef RIPOSTE_ORCHESTRATOR_OPERATOR_OPERATOR_SERVICE_H_
#define RIPOSTE_ORCHESTRATOR_OPERATOR_OPERATOR_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "common/clock.h"
#include "orchestrator/decide/policy_holder.h"
#include "orchestrator/intake/breach_validator.h"
#include "riposte/v1/operator.grpc.pb.h"

namespace riposte::operator_api {

// The operator-facing gRPC service. For now: Simulate, which decides
// breaches against the running policy (or a supplied one) without storing
// or touching anything. Thin: validates, simulates in memory, replies.
class OperatorService final : public v1::Operator::CallbackService {
 public:
  // Most breaches one Simulate call may carry.
  static constexpr int kMaxSimulatedBreaches = 1000;
  // Most bytes of supplied policy text.
  static constexpr size_t kMaxPolicyBytes = 4 * 1024 * 1024;

  // Pointers must outlive the service.
  OperatorService(const decide::PolicyHolder* policies,
                  const intake::BreachValidator* validator,
                  absl::Duration correlation_window, Clock* clock)
      : policies_(policies),
        validator_(validator),
        window_(correlation_window),
        clock_(clock) {}

  grpc::ServerUnaryReactor* Simulate(grpc::CallbackServerContext* context,
                                     const v1::SimulateRequest* request,
                                     v1::SimulateResponse* response) override;

 private:
  absl::Status DoSimulate(const v1::SimulateRequest& request,
                          v1::SimulateResponse* response);

  const decide::PolicyHolder* const policies_;
  const intake::BreachValidator* const validator_;
  const absl::Duration window_;
  Clock* const clock_;
};

}  // namespace riposte::operator_api

#endif  // RIPOSTE_ORCHESTRATOR_OPERATOR_OPERATOR_SERVICE_H_
