#ifndef RIPOSTE_ORCHESTRATOR_OPERATOR_OPERATOR_SERVICE_H_
#define RIPOSTE_ORCHESTRATOR_OPERATOR_OPERATOR_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/worker_pool.h"
#include "orchestrator/decide/decide.h"
#include "orchestrator/decide/policy_holder.h"
#include "orchestrator/intake/breach_validator.h"
#include "orchestrator/operator/run_commands.h"
#include "riposte/v1/operator.grpc.pb.h"
#include "store/store.h"

namespace riposte::operator_api {

// Which role a call needs.
enum class Need { kOperator, kAdmin };

// Who is calling, as authentication established it.
struct CallerInfo {
  std::string identity;
  std::string role;
};

// Authenticates a call and checks it has the role `need`: the caller, or
// UNAUTHENTICATED / PERMISSION_DENIED.
using Authorizer = std::function<absl::StatusOr<CallerInfo>(
    grpc::CallbackServerContext* context, Need need)>;

// Everything the operator service reaches, owned elsewhere.
struct OperatorDeps {
  store::Store* store = nullptr;
  RunCommands* commands = nullptr;
  const decide::PolicyHolder* policies = nullptr;
  const intake::BreachValidator* validator = nullptr;
  Clock* clock = nullptr;
  absl::Duration correlation_window = absl::Hours(24);
  // For Simulate, as for the intake (see decide::UndoCheck).
  decide::UndoCheck can_undo;
  std::string policy_path;
  // Re-reads the policy (audited by the caller's identity); returns the new
  // version or the errors.
  std::function<absl::StatusOr<std::string>(const std::string& actor,
                                            const std::string& reason)>
      reload_policy;
  Authorizer authorize;
  // Threads that do the calls' store and disk work, so that no gRPC
  // callback thread ever waits on the store; and how many calls may wait
  // for one of them (beyond that a call is RESOURCE_EXHAUSTED).
  int workers = 4;
  size_t max_queued_calls = 1024;
};

// The operator-facing gRPC service: thin handlers that authorize, validate,
// call the store or RunCommands, and map absl::Status onto the wire. Reads
// use the store's reader connection; commands are single units of work.
//
// A reactor never waits: a call is authorized on gRPC's thread, then its
// store (and policy file) work runs on the service's own worker threads,
// which finish the reactor; audit streams read each batch there too. A slow
// or stalled store therefore holds up only the calls that need it. Only
// WhoAmI and GetPolicy, which touch nothing but memory, answer inline.
//
// Thread-safe. Destroy it after the gRPC server has shut down: the
// destructor runs the work still queued, then joins its threads.
class OperatorService final : public v1::Operator::CallbackService {
 public:
  static constexpr int kMaxSimulatedBreaches = 1000;
  static constexpr size_t kMaxPolicyBytes = 4 * 1024 * 1024;

  explicit OperatorService(OperatorDeps deps);

  grpc::ServerUnaryReactor* Simulate(grpc::CallbackServerContext* ctx,
                                     const v1::SimulateRequest* req,
                                     v1::SimulateResponse* resp) override;
  grpc::ServerUnaryReactor* ListIncidents(grpc::CallbackServerContext* ctx,
                                          const v1::ListIncidentsRequest* req,
                                          v1::ListIncidentsResponse* resp) override;
  grpc::ServerUnaryReactor* GetIncident(grpc::CallbackServerContext* ctx,
                                        const v1::GetIncidentRequest* req,
                                        v1::IncidentDetail* resp) override;
  grpc::ServerUnaryReactor* ListRuns(grpc::CallbackServerContext* ctx,
                                     const v1::ListRunsRequest* req,
                                     v1::ListRunsResponse* resp) override;
  grpc::ServerUnaryReactor* GetRun(grpc::CallbackServerContext* ctx,
                                   const v1::GetRunRequest* req,
                                   v1::ActionRun* resp) override;
  grpc::ServerUnaryReactor* Approve(grpc::CallbackServerContext* ctx,
                                    const v1::RunCommand* req,
                                    v1::ActionRun* resp) override;
  grpc::ServerUnaryReactor* Reject(grpc::CallbackServerContext* ctx,
                                   const v1::RunCommand* req,
                                   v1::ActionRun* resp) override;
  grpc::ServerUnaryReactor* Extend(grpc::CallbackServerContext* ctx,
                                   const v1::ExtendRequest* req,
                                   v1::ActionRun* resp) override;
  grpc::ServerUnaryReactor* Revert(grpc::CallbackServerContext* ctx,
                                   const v1::RunCommand* req,
                                   v1::ActionRun* resp) override;
  grpc::ServerUnaryReactor* Retry(grpc::CallbackServerContext* ctx,
                                  const v1::RunCommand* req,
                                  v1::ActionRun* resp) override;
  grpc::ServerUnaryReactor* GetPolicy(grpc::CallbackServerContext* ctx,
                                      const v1::GetPolicyRequest* req,
                                      v1::PolicyInfo* resp) override;
  grpc::ServerUnaryReactor* ValidatePolicy(
      grpc::CallbackServerContext* ctx, const v1::ValidatePolicyRequest* req,
      v1::ValidatePolicyResponse* resp) override;
  grpc::ServerUnaryReactor* ReloadPolicy(grpc::CallbackServerContext* ctx,
                                         const v1::ReloadPolicyRequest* req,
                                         v1::PolicyInfo* resp) override;
  grpc::ServerUnaryReactor* SetPaused(grpc::CallbackServerContext* ctx,
                                      const v1::SetPausedRequest* req,
                                      v1::PauseState* resp) override;
  grpc::ServerUnaryReactor* GetPause(grpc::CallbackServerContext* ctx,
                                     const v1::GetPauseRequest* req,
                                     v1::PauseState* resp) override;
  grpc::ServerWriteReactor<v1::AuditEntry>* StreamAudit(
      grpc::CallbackServerContext* ctx,
      const v1::StreamAuditRequest* req) override;
  grpc::ServerUnaryReactor* VerifyAudit(grpc::CallbackServerContext* ctx,
                                        const v1::VerifyAuditRequest* req,
                                        v1::VerifyAuditResponse* resp) override;
  grpc::ServerWriteReactor<v1::AuditExportChunk>* ExportAudit(
      grpc::CallbackServerContext* ctx,
      const v1::ExportAuditRequest* req) override;
  grpc::ServerWriteReactor<v1::OcsfExportChunk>* ExportOcsf(
      grpc::CallbackServerContext* ctx,
      const v1::ExportOcsfRequest* req) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* ctx,
                                   const v1::WhoAmIRequest* req,
                                   v1::WhoAmIResponse* resp) override;

 private:
  // The caller, checked for `need`; the local admin when no authorizer is
  // configured.
  absl::StatusOr<CallerInfo> Authorize(grpc::CallbackServerContext* ctx,
                                       Need need) const;
  // Authorizes the call, then runs `fn(caller)` on a worker, which finishes
  // the call with its status.
  template <typename Fn>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, Need need,
                                  Fn fn);
  // The same, run on the calling thread: only for work in memory.
  template <typename Fn>
  grpc::ServerUnaryReactor* UnaryInline(grpc::CallbackServerContext* ctx,
                                        Need need, Fn fn);
  absl::Status DoSimulate(const v1::SimulateRequest& request,
                          v1::SimulateResponse* response);
  absl::StatusOr<v1::PolicyInfo> PolicyInfo() const;

  class AuditStreamReactor;

  OperatorDeps deps_;
  // Declared last, so it is stopped (its queue run) before the rest goes.
  std::unique_ptr<WorkerPool> workers_;
};

// Row to wire form.
v1::ActionRun ToProto(const store::ActionRunRow& row);

}  // namespace riposte::operator_api

#endif  // RIPOSTE_ORCHESTRATOR_OPERATOR_OPERATOR_SERVICE_H_
