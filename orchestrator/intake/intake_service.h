#ifndef RIPOSTE_ORCHESTRATOR_INTAKE_INTAKE_SERVICE_H_
#define RIPOSTE_ORCHESTRATOR_INTAKE_INTAKE_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "common/clock.h"
#include "common/grpc_status.h"
#include "orchestrator/intake/breach_recorder.h"
#include "orchestrator/intake/breach_validator.h"
#include "orchestrator/auth/authenticator.h"
#include "orchestrator/intake/intake_metrics.h"
#include "riposte/v1/intake.grpc.pb.h"

namespace riposte::intake {

// PermissionDenied unless a caller with the detector role submits under its
// own identity as detector_id. Other roles may submit for any detector.
absl::Status OwnDetectorId(const auth::Caller& caller,
                           const v1::SubmitRequest& request);

// The detector-facing gRPC service. Thin: it validates, hands the breach to
// the recorder, and replies when the recorder says the breach is durable.
// Reactor threads never wait for the disk. Requests arrive as bytes and are
// parsed here, so that one protobuf would refuse (a string that is not
// UTF-8) gets INVALID_ARGUMENT naming the field, and a stream goes on.
class IntakeService final
    : public v1::Intake::WithRawCallbackMethod_Submit<
          v1::Intake::WithRawCallbackMethod_SubmitStream<v1::Intake::Service>> {
 public:
  // All pointers must outlive the service.
  // `auth` checks every call's caller; null only in tests that run without
  // authentication.
  IntakeService(const BreachValidator* validator, BreachRecorder* recorder,
                Clock* clock, IntakeMetrics* metrics,
                const auth::Authenticator* auth = nullptr)
      : validator_(validator),
        recorder_(recorder),
        clock_(clock),
        metrics_(metrics),
        auth_(auth) {}

  // A SubmitRequest in, a SubmitResponse out.
  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

  // SubmitRequests in, StreamSubmitResponses out.
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* SubmitStream(
      grpc::CallbackServerContext* context) override;

 private:
  class StreamReactor;

  // Validates one request; on success `breach` is the breach to record.
  std::optional<FieldError> Check(const v1::SubmitRequest& request) const;

  const BreachValidator* const validator_;
  BreachRecorder* const recorder_;
  Clock* const clock_;
  IntakeMetrics* const metrics_;
  const auth::Authenticator* const auth_;
};

}  // namespace riposte::intake

#endif  // RIPOSTE_ORCHESTRATOR_INTAKE_INTAKE_SERVICE_H_
