#ifndef RIPOSTE_CLI_OPERATOR_CLIENT_H_
#define RIPOSTE_CLI_OPERATOR_CLIENT_H_

// What the CLI's commands need from riposted: one method per RPC of
// riposte.v1.Operator, plus Intake/Submit. A thin seam over the generated
// stubs so commands can be tested with a fake (see fake_operator_client.h).
//
// Every method returns the gRPC status as an absl::Status with the same
// code and message (UNAVAILABLE when the server cannot be reached,
// DEADLINE_EXCEEDED when the call timed out, whatever the server chose
// otherwise). Implementations need not be thread-safe.

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "riposte/v1/intake.pb.h"
#include "riposte/v1/operator.pb.h"

namespace riposte::cli {

class OperatorClient {
 public:
  virtual ~OperatorClient() = default;

  virtual absl::StatusOr<v1::SimulateResponse> Simulate(
      const v1::SimulateRequest& request) = 0;
  virtual absl::StatusOr<v1::ListIncidentsResponse> ListIncidents(
      const v1::ListIncidentsRequest& request) = 0;
  virtual absl::StatusOr<v1::IncidentDetail> GetIncident(
      const v1::GetIncidentRequest& request) = 0;
  virtual absl::StatusOr<v1::ListRunsResponse> ListRuns(
      const v1::ListRunsRequest& request) = 0;
  virtual absl::StatusOr<v1::ActionRun> GetRun(const v1::GetRunRequest& request) = 0;
  virtual absl::StatusOr<v1::ActionRun> Approve(const v1::RunCommand& request) = 0;
  virtual absl::StatusOr<v1::ActionRun> Reject(const v1::RunCommand& request) = 0;
  virtual absl::StatusOr<v1::ActionRun> Extend(const v1::ExtendRequest& request) = 0;
  virtual absl::StatusOr<v1::ActionRun> Revert(const v1::RunCommand& request) = 0;
  virtual absl::StatusOr<v1::ActionRun> Retry(const v1::RunCommand& request) = 0;
  virtual absl::StatusOr<v1::PolicyInfo> GetPolicy(
      const v1::GetPolicyRequest& request) = 0;
  virtual absl::StatusOr<v1::ValidatePolicyResponse> ValidatePolicy(
      const v1::ValidatePolicyRequest& request) = 0;
  virtual absl::StatusOr<v1::PolicyInfo> ReloadPolicy(
      const v1::ReloadPolicyRequest& request) = 0;
  virtual absl::StatusOr<v1::PauseState> SetPaused(
      const v1::SetPausedRequest& request) = 0;
  virtual absl::StatusOr<v1::PauseState> GetPause(
      const v1::GetPauseRequest& request) = 0;
  virtual absl::StatusOr<v1::VerifyAuditResponse> VerifyAudit(
      const v1::VerifyAuditRequest& request) = 0;
  virtual absl::StatusOr<v1::WhoAmIResponse> WhoAmI(
      const v1::WhoAmIRequest& request) = 0;

  // Server streams: `on_message` is called for each message, in order,
  // until the stream ends (OK), fails, or `on_message` returns false (then
  // the call is cancelled and OK returned). A stream the user interrupts
  // (Ctrl-C during `audit tail --follow`) also ends with OK.
  virtual absl::Status StreamAudit(
      const v1::StreamAuditRequest& request,
      absl::FunctionRef<bool(const v1::AuditEntry&)> on_message) = 0;
  virtual absl::Status ExportAudit(
      const v1::ExportAuditRequest& request,
      absl::FunctionRef<bool(const v1::AuditExportChunk&)> on_message) = 0;
  virtual absl::Status ExportOcsf(
      const v1::ExportOcsfRequest& request,
      absl::FunctionRef<bool(const v1::OcsfExportChunk&)> on_message) = 0;

  // riposte.v1.Intake/Submit, for `riposte submit`.
  virtual absl::StatusOr<v1::SubmitResponse> Submit(
      const v1::SubmitRequest& request) = 0;
};

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_OPERATOR_CLIENT_H_
