#ifndef RIPOSTE_ORCHESTRATOR_SERVER_SERVER_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "config/server_config.h"
#include "metrics/metrics.h"
#include "orchestrator/intake/breach_recorder.h"
#include "orchestrator/intake/breach_validator.h"
#include "orchestrator/intake/intake_metrics.h"
#include "http/http_client.h"
#include "orchestrator/auth/authenticator.h"
#include "orchestrator/decide/policy_holder.h"
#include "orchestrator/execute/config_router.h"
#include "orchestrator/execute/executor.h"
#include "orchestrator/intake/intake_service.h"
#include "orchestrator/operator/operator_service.h"
#include "orchestrator/operator/run_commands.h"
#include "orchestrator/server/audit_checkpointer.h"
#include "orchestrator/server/prepare.h"
#include "orchestrator/server/retention_loop.h"
#include "ocsf/outbox/store_outbox_source.h"
#include "ocsf/sinks/sink_worker.h"
#include "orchestrator/server/singletons.h"
#include "orchestrator/server/server_metrics.h"
#include "orchestrator/server/store_health_monitor.h"
#include "store/store.h"

namespace riposte::server {

// Everything riposted runs, wired together: the store, the intake pipeline,
// and the gRPC server with health checking and reflection.
//
// Thread-safe.
class Server {
 public:
  // PrepareServer (which reads the policy and every file the config
  // names), then creates the data directory, opens the store and starts
  // listening. Errors: those of PrepareServer, FailedPrecondition (store in
  // use or too new), Unavailable (the data directory or the port cannot be
  // had).
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const config::ServerConfig& config, Clock* clock);

  ~Server();

  // host:port actually bound (the port is resolved when configured as 0).
  const std::string& grpc_address() const { return grpc_address_; }

  metrics::Registry& metrics() { return *metrics_; }

  // For /readyz: OK while the store accepts writes, else Unavailable naming
  // the reason (see StoreHealthMonitor). Liveness is not affected.
  absl::Status Readiness() const { return store_health_->Readiness(); }
  // The store for logs: the SQLite file, or the database without password.
  const std::string& store_description() const { return store_description_; }

  // Re-reads the policy from its configured path. On success the new
  // snapshot replaces the running one atomically; on failure the running one
  // stays. Either way the outcome is audited and logged. Returns the new
  // version, or InvalidArgument with every error in the policy, or
  // FailedPrecondition if no policy path is configured.
  absl::StatusOr<std::string> ReloadPolicy();
  // The same, on behalf of `actor` (e.g. "operator:alice"), with a reason.
  absl::StatusOr<std::string> ReloadPolicy(const std::string& actor,
                                           const std::string& reason);

  // Reports NOT_SERVING, stops accepting calls, lets in-flight calls finish
  // for up to the configured grace period (cancelling the rest), then closes
  // the store. Idempotent.
  void Shutdown();

 private:
  explicit Server(const config::ServerConfig& config) : config_(config) {}

  // Appends one system audit record and waits until it is durable.
  absl::Status Audit(const std::string& event, const std::string& details,
                     const std::string& policy_version,
                     const std::string& actor = "system");
  // Applies approval deadlines until Shutdown.
  void SweepApprovalsLoop();
  absl::Status StartOcsfSinks(Clock* clock);
  // Verifies the audit trail (against the checkpoint file when one is
  // configured), sets the gauges, and logs "AUDIT CHAIN BROKEN" at error
  // level when it does not verify.
  void VerifyAuditAndReport();

  const config::ServerConfig config_;
  std::string grpc_address_;
  std::shared_ptr<auth::Authenticator> authenticator_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  std::unique_ptr<metrics::Registry> metrics_;
  // Outlives store_, which reports its failed writes to it.
  std::unique_ptr<StoreHealthMonitor> store_health_ =
      std::make_unique<StoreHealthMonitor>();
  std::unique_ptr<store::Store> store_;
  std::string store_description_;
  std::unique_ptr<intake::BreachValidator> validator_;
  std::unique_ptr<intake::BreachRecorder> recorder_;
  std::unique_ptr<intake::IntakeMetrics> intake_metrics_;
  std::unique_ptr<intake::IntakeService> intake_service_;
  decide::PolicyHolder policies_;
  std::unique_ptr<ServerMetrics> server_metrics_;
  std::unique_ptr<operator_api::RunCommands> commands_;
  std::unique_ptr<operator_api::OperatorService> operator_service_;
  absl::Mutex sweep_mu_;
  bool stopping_ ABSL_GUARDED_BY(sweep_mu_) = false;
  std::thread sweeper_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<execute::ConfigRouter> router_;
  std::unique_ptr<execute::Executor> executor_;
  std::unique_ptr<grpc::Server> grpc_server_;
  // Public half of the checkpoint signing key (empty: no checkpoints).
  std::string checkpoint_public_key_;
  std::unique_ptr<AuditCheckpointer> checkpointer_;
  std::unique_ptr<RetentionLoop> retention_;
  std::unique_ptr<ocsf::StoreOutboxSource> outbox_source_;
  std::vector<std::unique_ptr<ocsf::SinkWorker>> sink_workers_;
  // This process's name in leases.
  std::string holder_;
  std::unique_ptr<Singletons> singletons_;
  bool shut_down_ = false;
};

// Where archived audit segments go: retention.audit.archive_dir, relative
// to data_dir unless absolute; "" when not archiving.
std::string ArchiveDir(const config::ServerConfig& config);

// Where an OCSF file sink writes: its dir, relative to data_dir unless
// absolute.
std::string OcsfSinkDir(const config::ServerConfig& config,
                        const config::OcsfSinkConfig& sink);

// The store file for a config: data_dir/store.sqlite.file.
std::string StorePath(const config::ServerConfig& config);

// The audit checkpoint file: audit.checkpoint_file, relative to data_dir
// unless absolute; "" when none is configured.
std::string CheckpointPath(const config::ServerConfig& config);

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_SERVER_H_
