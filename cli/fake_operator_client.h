#ifndef RIPOSTE_CLI_FAKE_OPERATOR_CLIENT_H_
#define RIPOSTE_CLI_FAKE_OPERATOR_CLIENT_H_

// An OperatorClient for tests: each RPC calls the handler the test set, or
// returns UNIMPLEMENTED. Streams take a vector of messages (or a status).
// Every request is recorded, in order, in `calls` ("ListRuns", ...) and in
// the typed `last_*` fields.
//
//   FakeOperatorClient fake;
//   fake.list_runs = [](const v1::ListRunsRequest& r) { ... };

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/operator_client.h"

namespace riposte::cli {

class FakeOperatorClient : public OperatorClient {
 public:
#define RIPOSTE_FAKE_UNARY(Method, field, Request, Response)              \
  std::function<absl::StatusOr<Response>(const Request&)> field;          \
  std::vector<Request> field##_requests;                                  \
  absl::StatusOr<Response> Method(const Request& request) override {      \
    calls.push_back(#Method);                                             \
    field##_requests.push_back(request);                                  \
    if (!field) return absl::UnimplementedError(#Method " not faked");    \
    return field(request);                                                \
  }

  RIPOSTE_FAKE_UNARY(Simulate, simulate, v1::SimulateRequest, v1::SimulateResponse)
  RIPOSTE_FAKE_UNARY(ListIncidents, list_incidents, v1::ListIncidentsRequest,
                     v1::ListIncidentsResponse)
  RIPOSTE_FAKE_UNARY(GetIncident, get_incident, v1::GetIncidentRequest,
                     v1::IncidentDetail)
  RIPOSTE_FAKE_UNARY(ListRuns, list_runs, v1::ListRunsRequest, v1::ListRunsResponse)
  RIPOSTE_FAKE_UNARY(GetRun, get_run, v1::GetRunRequest, v1::ActionRun)
  RIPOSTE_FAKE_UNARY(Approve, approve, v1::RunCommand, v1::ActionRun)
  RIPOSTE_FAKE_UNARY(Reject, reject, v1::RunCommand, v1::ActionRun)
  RIPOSTE_FAKE_UNARY(Extend, extend, v1::ExtendRequest, v1::ActionRun)
  RIPOSTE_FAKE_UNARY(Revert, revert, v1::RunCommand, v1::ActionRun)
  RIPOSTE_FAKE_UNARY(Retry, retry, v1::RunCommand, v1::ActionRun)
  RIPOSTE_FAKE_UNARY(GetPolicy, get_policy, v1::GetPolicyRequest, v1::PolicyInfo)
  RIPOSTE_FAKE_UNARY(ValidatePolicy, validate_policy, v1::ValidatePolicyRequest,
                     v1::ValidatePolicyResponse)
  RIPOSTE_FAKE_UNARY(ReloadPolicy, reload_policy, v1::ReloadPolicyRequest,
                     v1::PolicyInfo)
  RIPOSTE_FAKE_UNARY(SetPaused, set_paused, v1::SetPausedRequest, v1::PauseState)
  RIPOSTE_FAKE_UNARY(GetPause, get_pause, v1::GetPauseRequest, v1::PauseState)
  RIPOSTE_FAKE_UNARY(VerifyAudit, verify_audit, v1::VerifyAuditRequest,
                     v1::VerifyAuditResponse)
  RIPOSTE_FAKE_UNARY(WhoAmI, who_am_i, v1::WhoAmIRequest, v1::WhoAmIResponse)
  RIPOSTE_FAKE_UNARY(Submit, submit, v1::SubmitRequest, v1::SubmitResponse)
#undef RIPOSTE_FAKE_UNARY

  // Streams: the messages sent, then `*_status` ends the stream.
  std::vector<v1::AuditEntry> audit_entries;
  absl::Status stream_audit_status;
  std::vector<v1::StreamAuditRequest> stream_audit_requests;
  absl::Status StreamAudit(
      const v1::StreamAuditRequest& request,
      absl::FunctionRef<bool(const v1::AuditEntry&)> on_message) override {
    calls.push_back("StreamAudit");
    stream_audit_requests.push_back(request);
    for (const v1::AuditEntry& e : audit_entries) {
      if (!on_message(e)) return absl::OkStatus();
    }
    return stream_audit_status;
  }

  std::vector<v1::AuditExportChunk> export_chunks;
  absl::Status export_audit_status;
  std::vector<v1::ExportAuditRequest> export_audit_requests;
  absl::Status ExportAudit(
      const v1::ExportAuditRequest& request,
      absl::FunctionRef<bool(const v1::AuditExportChunk&)> on_message) override {
    calls.push_back("ExportAudit");
    export_audit_requests.push_back(request);
    for (const v1::AuditExportChunk& c : export_chunks) {
      if (!on_message(c)) return absl::OkStatus();
    }
    return export_audit_status;
  }
  std::vector<v1::OcsfExportChunk> ocsf_chunks;
  std::vector<v1::ExportOcsfRequest> export_ocsf_requests;
  absl::Status ExportOcsf(
      const v1::ExportOcsfRequest& request,
      absl::FunctionRef<bool(const v1::OcsfExportChunk&)> on_message) override {
    calls.push_back("ExportOcsf");
    export_ocsf_requests.push_back(request);
    for (const v1::OcsfExportChunk& c : ocsf_chunks) {
      if (!on_message(c)) return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  std::vector<std::string> calls;
};

// Forwards every call to a client it does not own, so a test can hand the
// CLI a client (which the CLI then destroys) and still inspect the fake.
class BorrowedOperatorClient : public OperatorClient {
 public:
  explicit BorrowedOperatorClient(OperatorClient* target) : target_(target) {}

#define RIPOSTE_FORWARD(Method, Request, Response)                   \
  absl::StatusOr<Response> Method(const Request& request) override { \
    return target_->Method(request);                                 \
  }
  RIPOSTE_FORWARD(Simulate, v1::SimulateRequest, v1::SimulateResponse)
  RIPOSTE_FORWARD(ListIncidents, v1::ListIncidentsRequest, v1::ListIncidentsResponse)
  RIPOSTE_FORWARD(GetIncident, v1::GetIncidentRequest, v1::IncidentDetail)
  RIPOSTE_FORWARD(ListRuns, v1::ListRunsRequest, v1::ListRunsResponse)
  RIPOSTE_FORWARD(GetRun, v1::GetRunRequest, v1::ActionRun)
  RIPOSTE_FORWARD(Approve, v1::RunCommand, v1::ActionRun)
  RIPOSTE_FORWARD(Reject, v1::RunCommand, v1::ActionRun)
  RIPOSTE_FORWARD(Extend, v1::ExtendRequest, v1::ActionRun)
  RIPOSTE_FORWARD(Revert, v1::RunCommand, v1::ActionRun)
  RIPOSTE_FORWARD(Retry, v1::RunCommand, v1::ActionRun)
  RIPOSTE_FORWARD(GetPolicy, v1::GetPolicyRequest, v1::PolicyInfo)
  RIPOSTE_FORWARD(ValidatePolicy, v1::ValidatePolicyRequest, v1::ValidatePolicyResponse)
  RIPOSTE_FORWARD(ReloadPolicy, v1::ReloadPolicyRequest, v1::PolicyInfo)
  RIPOSTE_FORWARD(SetPaused, v1::SetPausedRequest, v1::PauseState)
  RIPOSTE_FORWARD(GetPause, v1::GetPauseRequest, v1::PauseState)
  RIPOSTE_FORWARD(VerifyAudit, v1::VerifyAuditRequest, v1::VerifyAuditResponse)
  RIPOSTE_FORWARD(WhoAmI, v1::WhoAmIRequest, v1::WhoAmIResponse)
  RIPOSTE_FORWARD(Submit, v1::SubmitRequest, v1::SubmitResponse)
#undef RIPOSTE_FORWARD

  absl::Status StreamAudit(
      const v1::StreamAuditRequest& request,
      absl::FunctionRef<bool(const v1::AuditEntry&)> on_message) override {
    return target_->StreamAudit(request, on_message);
  }
  absl::Status ExportAudit(
      const v1::ExportAuditRequest& request,
      absl::FunctionRef<bool(const v1::AuditExportChunk&)> on_message) override {
    return target_->ExportAudit(request, on_message);
  }
  absl::Status ExportOcsf(
      const v1::ExportOcsfRequest& request,
      absl::FunctionRef<bool(const v1::OcsfExportChunk&)> on_message) override {
    return target_->ExportOcsf(request, on_message);
  }

 private:
  OperatorClient* target_;
};

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_FAKE_OPERATOR_CLIENT_H_
