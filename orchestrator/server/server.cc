#include "orchestrator/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include <unistd.h>

#include "absl/random/random.h"
#include "common/json.h"
#include "orchestrator/auth/server_credentials.h"
#include "orchestrator/server/request_interceptor.h"
#include "common/log.h"
#include "policies/policy_loader.h"
#include "common/status_macros.h"
#include "config/secret.h"
#include "orchestrator/server/audit_verification.h"
#include "orchestrator/server/open_store.h"
#include "ocsf/outbox/store_outbox_source.h"
#include "ocsf/sinks/file_sink.h"

namespace riposte::server {
namespace {

// Durations a tenant's routes make void (see ConfigRouter::ExpiryWarnings).
void LogExpiryWarnings(const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) {
    log::Warn("policy and routes disagree", {{"warning", warning}});
  }
}

constexpr char kIntakeServiceName[] = "riposte.v1.Intake";
constexpr char kOperatorServiceName[] = "riposte.v1.Operator";

// "127.0.0.1:0" + 41234 -> "127.0.0.1:41234"; "[::1]:0" -> "[::1]:41234".
std::string WithPort(const std::string& listen, int port) {
  size_t colon = listen.rfind(':');
  return absl::StrCat(listen.substr(0, colon), ":", port);
}

}  // namespace

std::string StorePath(const config::ServerConfig& config) {
  std::filesystem::path file(config.store.sqlite_file);
  if (file.is_absolute()) return file.string();
  return (std::filesystem::path(config.data_dir) / file).string();
}

std::string CheckpointPath(const config::ServerConfig& config) {
  if (!config.audit.checkpoints_enabled()) return "";
  std::filesystem::path file(config.audit.checkpoint_file);
  if (file.is_absolute()) return file.string();
  return (std::filesystem::path(config.data_dir) / file).string();
}

namespace {

// The retention thread of a config (docs/RETENTION.md), with the audit
// archiver when retention.audit is set.
absl::StatusOr<std::unique_ptr<RetentionLoop>> StartRetention(
    const config::ServerConfig& config, store::Store* store, Clock* clock,
    metrics::Registry& registry, const store::SingletonLease* lease) {
  const config::RetentionConfig& r = config.retention;
  RetentionOptions options;
  options.lease = lease;
  options.incidents = r.incidents;
  options.runs = r.runs;
  options.correlation_window = config.correlation_window;
  options.interval = r.interval;
  options.batch = r.batch;
  options.ocsf_events = r.ocsf_events;
  std::vector<std::string> sinks;
  for (const config::OcsfSinkConfig& sink : config.ocsf.sinks) {
    sinks.push_back(sink.name);
  }
  options.ocsf_delivered = [store, sinks] {
    ocsf::StoreOutboxSource source(store);
    return ocsf::DeliveredByAll(source, sinks);
  };
  std::unique_ptr<AuditArchiver> archiver;
  if (r.audit_archiving()) {
    ArchiverOptions a;
    a.archive_dir = ArchiveDir(config);
    a.origin = config.audit.origin;
    a.keep = r.audit_keep;
    a.segment_records = r.segment_records;
    std::error_code ec;
    std::filesystem::create_directories(a.archive_dir, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("retention.audit.archive_dir: cannot create ",
                       a.archive_dir, ": ", ec.message()));
    }
    RIPOSTE_ASSIGN_OR_RETURN(auto signer, LoadCheckpointSigner(config.audit));
    archiver = std::make_unique<AuditArchiver>(store, std::move(signer),
                                               std::move(a), clock);
  }
  return RetentionLoop::Start(store, options, std::move(archiver), clock,
                              registry);
}

}  // namespace

namespace {

std::string UnderDataDir(const config::ServerConfig& config,
                         const std::string& path) {
  std::filesystem::path dir(path);
  if (dir.is_absolute()) return dir.string();
  return (std::filesystem::path(config.data_dir) / dir).string();
}

}  // namespace

std::string ArchiveDir(const config::ServerConfig& config) {
  if (!config.retention.audit_archiving()) return "";
  return UnderDataDir(config, config.retention.archive_dir);
}

std::string OcsfSinkDir(const config::ServerConfig& config,
                        const config::OcsfSinkConfig& sink) {
  return UnderDataDir(config, sink.file.dir);
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const config::ServerConfig& config, Clock* clock) {
  RIPOSTE_ASSIGN_OR_RETURN(PreparedServer prepared,
                           PrepareServer(config, clock));
  std::unique_ptr<Server> s(new Server(config));
  s->authenticator_ = std::move(prepared.authenticator);
  s->credentials_ = std::move(prepared.credentials);
  if (prepared.policy != nullptr) s->policies_.Set(prepared.policy);
  LogExpiryWarnings(prepared.warnings);
  s->metrics_ = std::move(prepared.metrics);
  s->http_ = std::move(prepared.http);
  s->router_ = std::move(prepared.router);
  for (const auto& line : s->router_->Describe()) {
    log::Info("adapters", {{"tenant_adapters", line}});
  }

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "data_dir: cannot create ", config.data_dir, ": ", ec.message()));
  }
  std::unique_ptr<audit::CheckpointSigner> signer = std::move(prepared.signer);
  if (signer != nullptr) s->checkpoint_public_key_ = signer->public_key();
  StoreOpening opening;
  opening.postgres_dsn = prepared.postgres_dsn;
  opening.on_storage_failure = [health = s->store_health_.get()](
                                   const absl::Status& failure) {
    health->StorageFailed(failure);
  };
  s->store_description_ = DescribeStore(config, prepared.postgres_dsn);
  RIPOSTE_ASSIGN_OR_RETURN(s->store_,
                           OpenConfiguredStore(config, opening, clock));

  {
    execute::ExecutorOptions eo;
    eo.workers = static_cast<int>(config.execution.workers);
    // Names this process in run leases and singleton leases.
    eo.holder = absl::StrCat("riposted-", getpid(), "-",
                             absl::ToUnixMicros(absl::Now()));
    s->holder_ = eo.holder;
    eo.lease = config.execution.lease;
    eo.max_attempts = config.execution.max_attempts;
    eo.max_age = config.execution.max_age;
    eo.backoff.initial = config.execution.backoff_initial;
    eo.backoff.max = config.execution.backoff_max;
    eo.breaker_failures = config.execution.breaker_failures;
    eo.breaker_open_for = config.execution.breaker_open_for;
    eo.idle_poll = config.execution.expiry_scan_interval;
    s->executor_ = std::make_unique<execute::Executor>(
        s->store_.get(), s->router_.get(), clock, s->metrics_.get(), eo,
        [] {
          static thread_local absl::BitGen gen;
          return absl::Uniform(gen, 0.0, 1.0);
        });
  }
  s->intake_metrics_ = std::make_unique<intake::IntakeMetrics>(*s->metrics_);
  s->validator_ = std::make_unique<intake::BreachValidator>(config.intake,
                                                            config.tenants);
  s->recorder_ = std::make_unique<intake::BreachRecorder>(
      s->store_.get(), clock, config.correlation_window, &s->policies_);
  const decide::UndoCheck can_undo =
      [router = s->router_.get()](absl::string_view tenant, absl::string_view action,
                                  const v1::Entity& target) {
        return router->CanUndo(tenant, action, target);
      };
  s->recorder_->SetUndoCheck(can_undo);
  s->intake_service_ = std::make_unique<intake::IntakeService>(
      s->validator_.get(), s->recorder_.get(), clock, s->intake_metrics_.get(),
      s->authenticator_.get());
  {
    execute::Executor* executor = s->executor_.get();
    s->recorder_->SetOnRecorded([executor](const v1::SubmitResponse& r) {
      for (const auto& a : r.decision().actions()) {
        if (a.state() == "proposed") {
          executor->Wake();
          return;
        }
      }
    });
  }
  {
    execute::Executor* executor = s->executor_.get();
    s->commands_ = std::make_unique<operator_api::RunCommands>(
        s->store_.get(), clock, &s->policies_, [executor] { executor->Wake(); });
    operator_api::OperatorDeps deps;
    deps.store = s->store_.get();
    deps.commands = s->commands_.get();
    deps.policies = &s->policies_;
    deps.validator = s->validator_.get();
    deps.clock = clock;
    deps.correlation_window = config.correlation_window;
    deps.can_undo = can_undo;
    deps.policy_path = config.policy_path;
    auth::Authenticator* authenticator = s->authenticator_.get();
    deps.authorize = [authenticator](grpc::CallbackServerContext* ctx,
                                     operator_api::Need need)
        -> absl::StatusOr<operator_api::CallerInfo> {
      // The processor checked the exact method already; this is the
      // handler's own check, by the role the call needs.
      absl::StatusOr<auth::Caller> caller = authenticator->AuthorizeCall(
          *ctx, need == operator_api::Need::kAdmin
                    ? "/riposte.v1.Operator/ReloadPolicy"
                    : "/riposte.v1.Operator/GetRun");
      if (!caller.ok()) return caller.status();
      return operator_api::CallerInfo{caller->identity,
                                      std::string(auth::RoleName(caller->role))};
    };
    Server* server = s.get();
    deps.reload_policy = [server](const std::string& actor,
                                  const std::string& reason) {
      return server->ReloadPolicy(actor, reason);
    };
    s->operator_service_ =
        std::make_unique<operator_api::OperatorService>(std::move(deps));
  }



  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  // Every call goes through the authenticator's processor first (TLS, or
  // local credentials on loopback), then the handlers check again.
  builder.AddListeningPort(config.grpc_listen, s->credentials_, &port);
  auth::ApplyCallLimits(builder);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(config.grpc_max_receive_message_bytes));
  builder.RegisterService(s->intake_service_.get());
  builder.RegisterService(s->operator_service_.get());
  {
    // Unparseable requests to the services gRPC parses for us are
    // INVALID_ARGUMENT, not UNIMPLEMENTED; see request_interceptor.h.
    RIPOSTE_ASSIGN_OR_RETURN(auto interceptors,
                             RequestInterceptorFactory::Create(*s->metrics_));
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        creators;
    creators.push_back(std::move(interceptors));
    builder.experimental().SetInterceptorCreators(std::move(creators));
  }
  s->grpc_server_ = builder.BuildAndStart();
  if (s->grpc_server_ == nullptr || port == 0) {
    s->store_->Close();
    return absl::UnavailableError(absl::StrCat(
        "grpc.listen: cannot listen on ", config.grpc_listen,
        " (address in use or not local?)"));
  }
  s->grpc_address_ = WithPort(config.grpc_listen, port);
  {
    auto policy = s->policies_.Get();
    JsonObjectWriter d;
    d.Add("grpc", s->grpc_address_);
    d.Add("policy_version", policy ? policy->version : "");
    d.AddInt("policy_rules", policy ? static_cast<int64_t>(policy->rules.size()) : 0);
    // On a full disk riposted still starts (reads, health and audit
    // verification work); the record is appended once writes work again.
    const std::string details = d.Finish();
    const std::string version = policy ? policy->version : "";
    absl::Status audited = s->Audit("server.started", details, version);
    if (!audited.ok()) {
      log::Warn("cannot audit the start yet; it is recorded once the store "
                "can write",
                {{"error", audited}});
      s->store_health_->WhenWritable([server = s.get(), details, version] {
        return server->Audit("server.started", details, version);
      });
    }
  }
  {
    execute::Executor* executor = s->executor_.get();
    RIPOSTE_ASSIGN_OR_RETURN(
        s->server_metrics_,
        ServerMetrics::Register(*s->metrics_, s->store_.get(), clock,
                                [executor] { return executor->OpenCircuits(); }));
    if (auto policy = s->policies_.Get()) {
      s->server_metrics_->PolicyLoaded(policy->version,
                                       static_cast<int64_t>(policy->rules.size()));
    }
  }
  // Before anything acts: a trail that does not verify is said loudly, and
  // riposted still starts (stopping would not undo the damage).
  s->VerifyAuditAndReport();
  {
    // Work one replica at a time does, each under its own lease.
    SingletonOptions so;
    so.holder = s->holder_;
    RIPOSTE_ASSIGN_OR_RETURN(
        s->singletons_,
        Singletons::Start(s->store_.get(),
                          {kSweeperSingleton, kVerifierSingleton,
                           kCheckpointerSingleton, kRetentionSingleton,
                           kOcsfSinksSingleton},
                          std::move(so), clock, *s->metrics_));
  }
  if (signer != nullptr) {
    CheckpointerOptions co;
    co.lease = s->singletons_->lease(kCheckpointerSingleton);
    co.path = CheckpointPath(config);
    co.origin = config.audit.origin;
    co.interval = config.audit.checkpoint_interval;
    RIPOSTE_ASSIGN_OR_RETURN(
        s->checkpointer_,
        AuditCheckpointer::Start(s->store_.get(), std::move(signer),
                                 std::move(co), clock, *s->metrics_));
  }
  if (config.retention.enabled) {
    RIPOSTE_ASSIGN_OR_RETURN(s->retention_,
                             StartRetention(config, s->store_.get(), clock,
                                            *s->metrics_,
                                            s->singletons_->lease(
                                                kRetentionSingleton)));
  }
  RIPOSTE_RETURN_IF_ERROR(s->StartOcsfSinks(clock));
  RIPOSTE_RETURN_IF_ERROR(s->executor_->Start());
  s->sweeper_ = std::thread([server = s.get()] { server->SweepApprovalsLoop(); });
  auto* health = s->grpc_server_->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(kOperatorServiceName, true);
  // Intake needs writes: NOT_SERVING while the store cannot write. Set
  // before the monitor runs, so that each later change reaches health.
  health->SetServingStatus(kIntakeServiceName, s->store_health_->writable());
  RIPOSTE_RETURN_IF_ERROR(s->store_health_->Start(
      *s->metrics_, [store = s->store_.get()] { return ProbeStoreWrite(*store); },
      [health](bool writable) {
        health->SetServingStatus(kIntakeServiceName, writable);
      }));
  return s;
}

Server::~Server() { Shutdown(); }

absl::Status Server::Audit(const std::string& event, const std::string& details,
                           const std::string& policy_version,
                           const std::string& actor) {
  return store_->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
    audit::AuditEvent ev;
    ev.actor = actor;
    ev.event = event;
    ev.details = details;
    ev.policy_version = policy_version;
    return txn.AppendAudit(ev).status();
  });
}

void Server::VerifyAuditAndReport() {
  std::optional<CheckpointSource> checkpoints;
  if (!checkpoint_public_key_.empty()) {
    auto verifier = audit::CheckpointVerifier::FromRawPublicKey(
        checkpoint_public_key_);
    auto loaded = verifier.ok() ? LoadCheckpoints(CheckpointPath(config_),
                                                  *verifier, /*missing_ok=*/true)
                                : absl::StatusOr<CheckpointSource>(verifier.status());
    if (loaded.ok()) {
      checkpoints = *std::move(loaded);
    } else {
      log::Error("AUDIT CHECKPOINTS UNREADABLE; the chain is verified without them",
                 {{"file", CheckpointPath(config_)}, {"error", loaded.status()}});
    }
  }
  auto verified = VerifyAuditTrail(*store_, std::move(checkpoints));
  if (!verified.ok()) {
    log::Error("audit trail could not be read for verification",
               {{"error", verified.status()}});
    return;
  }
  server_metrics_->AuditVerified(verified->ok(), absl::Now());
  if (!verified->ok()) {
    log::Error("AUDIT CHAIN BROKEN", {{"problem", verified->Problem()},
                                      {"verification", verified->ToJson()}});
  } else {
    log::Info("audit trail verified",
              {{"records", verified->chain.records},
               {"checkpoints", verified->anchors.checkpoints},
               {"rows_checked", verified->coverage.checked}});
  }
}

void Server::SweepApprovalsLoop() {
  // Start verified it already.
  absl::Time last_verify = absl::Now();
  while (true) {
    // The audit trail is verified hourly (and at start), so a record
    // edited behind riposted's back raises an alert.
    // Among replicas, one verifies (it reads the whole chain).
    if (absl::Now() - last_verify >= absl::Hours(1)) {
      last_verify = absl::Now();
      if (singletons_->held(kVerifierSingleton)) VerifyAuditAndReport();
    }
    {
      absl::MutexLock lock(&sweep_mu_);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sweep_mu_) {
        return stopping_;
      };
      if (sweep_mu_.AwaitWithTimeout(absl::Condition(&stop),
                                     config_.execution.expiry_scan_interval)) {
        return;
      }
    }
    if (!singletons_->held(kSweeperSingleton)) continue;
    auto changed = commands_->SweepApprovals();
    if (!changed.ok()) {
      log::Warn("approval deadline sweep failed", {{"error", changed.status()}});
    }
  }
}

absl::StatusOr<std::string> Server::ReloadPolicy() {
  if (authenticator_ != nullptr && !config_.auth.tokens_file.empty()) {
    absl::Status tokens = authenticator_->ReloadTokens();
    if (tokens.ok()) {
      log::Info("tokens reloaded", {{"tokens", authenticator_->token_count()}});
    } else {
      log::Error("tokens reload rejected; the previous tokens stay",
                 {{"error", tokens}});
    }
  }
  return ReloadPolicy("system", "SIGHUP");
}

absl::StatusOr<std::string> Server::ReloadPolicy(const std::string& actor,
                                                 const std::string& reason) {
  if (config_.policy_path.empty()) {
    return absl::FailedPreconditionError(
        "policy: no policy.path configured; nothing to reload");
  }
  auto running = policies_.Get();
  const std::string old_version = running ? running->version : "";
  auto policy = policies::LoadPolicy(config_.policy_path);
  if (!policy.ok()) {
    JsonObjectWriter d;
    d.Add("path", config_.policy_path);
    d.Add("error", policy.status().message());
    d.Add("kept_version", old_version);
    d.Add("reason", reason);
    Audit("policy.reload_failed", d.Finish(), old_version, actor).IgnoreError();
    if (server_metrics_) server_metrics_->ReloadRejected();
    log::Error("policy reload rejected; the running policy stays",
               {{"path", config_.policy_path},
                {"error", policy.status()},
                {"version", old_version}});
    return policy.status();
  }
  JsonObjectWriter d;
  d.Add("path", config_.policy_path);
  d.Add("previous_version", old_version);
  d.AddInt("rules", static_cast<int64_t>((*policy)->rules.size()));
  d.Add("reason", reason);
  // Audited before it takes effect, so every decision under the new
  // version follows its record in the trail.
  RIPOSTE_RETURN_IF_ERROR(
      Audit("policy.reloaded", d.Finish(), (*policy)->version, actor));
  policies_.Set(*policy);
  LogExpiryWarnings(
      execute::ConfigRouter::ExpiryWarnings(config_.tenants, **policy));
  if (server_metrics_) {
    server_metrics_->PolicyLoaded((*policy)->version,
                                  static_cast<int64_t>((*policy)->rules.size()));
  }
  log::Info("policy reloaded", {{"path", config_.policy_path},
                                {"version", (*policy)->version},
                                {"previous_version", old_version}});
  return (*policy)->version;
}

// One worker per configured sink, delivering under the ocsf-sinks lease
// (docs/OCSF.md). A file sink's dir is relative to data_dir unless
// absolute.
absl::Status Server::StartOcsfSinks(Clock* clock) {
  if (config_.ocsf.sinks.empty()) return absl::OkStatus();
  outbox_source_ = std::make_unique<ocsf::StoreOutboxSource>(store_.get());
  RIPOSTE_ASSIGN_OR_RETURN(ocsf::SinkMetricFamilies families,
                           ocsf::SinkMetricFamilies::Register(*metrics_));
  for (const config::OcsfSinkConfig& sink : config_.ocsf.sinks) {
    ocsf::FileSinkOptions fo;
    fo.root = OcsfSinkDir(config_, sink);
    fo.source = sink.file.source;
    fo.region = sink.file.region;
    fo.account_id = sink.file.account_id;
    fo.max_file_bytes = sink.file.max_file_bytes;
    fo.max_file_age = sink.file.max_file_age;
    ocsf::SinkWorkerOptions wo;
    wo.name = sink.name;
    wo.lease = singletons_->lease(kOcsfSinksSingleton);
    RIPOSTE_ASSIGN_OR_RETURN(
        std::unique_ptr<ocsf::SinkWorker> worker,
        ocsf::SinkWorker::Create(
            std::move(wo), outbox_source_.get(),
            std::make_unique<ocsf::FileSink>(std::move(fo), clock), clock,
            families));
    worker->Start();
    sink_workers_.push_back(std::move(worker));
  }
  return absl::OkStatus();
}

void Server::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  store_health_->Stop();
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->Shutdown();
    grpc_server_->Shutdown(
        absl::ToChronoTime(absl::Now() + config_.shutdown_grace));
    grpc_server_->Wait();
  }
  {
    absl::MutexLock lock(&sweep_mu_);
    stopping_ = true;
  }
  if (sweeper_.joinable()) sweeper_.join();
  // A pass under way ends after its current unit.
  if (retention_ != nullptr) retention_->Stop();
  // A delivery under way finishes; its cursor is saved or it repeats.
  for (auto& worker : sink_workers_) worker->Stop();
  // Calls in flight finish (each bounded by the call timeout); their runs
  // are recorded before the store closes. Anything unfinished resumes after
  // restart.
  if (executor_ != nullptr) executor_->Stop();
  // The last checkpoint covers everything the executor recorded.
  if (checkpointer_ != nullptr) checkpointer_->Stop();
  // Another replica takes the singletons' work over at once.
  if (singletons_ != nullptr) singletons_->Stop();
  // Every reply that was sent is durable already; anything still queued is
  // committed before the store closes.
  if (store_ != nullptr) store_->Close();
}

}  // namespace riposte::server
