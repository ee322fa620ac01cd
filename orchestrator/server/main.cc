// riposted: the Riposte server.
//
//   riposted [--config FILE] [--ready-file FILE]
//   riposted --check-config [--config FILE]
//   riposted --verify-audit [--config FILE] [--checkpoint FILE --public-key FILE]
//   riposted --verify-audit-segment FILE --public-key FILE
//
// Without --config it runs on the embedded defaults (config/riposted.yaml).

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/log.h"
#include "google/protobuf/stubs/logging.h"
#include "config/server_config.h"
#include "metrics/exporter/build_info.h"
#include "metrics/exporter/metrics_http_server.h"
#include "orchestrator/execute/config_router.h"
#include "audit/checkpoint.h"
#include "audit/checkpoint_file.h"
#include "audit/segment.h"
#include "orchestrator/server/audit_verification.h"
#include "orchestrator/server/prepare.h"
#include "orchestrator/server/server.h"
#include "orchestrator/server/open_store.h"

namespace riposte::server {
namespace {

constexpr char kUsage[] =
    R"(riposted - Riposte autonomous response orchestrator

Usage:
  riposted [--config FILE] [--ready-file FILE]
  riposted --check-config [--config FILE]
  riposted --verify-audit [--config FILE] [--checkpoint FILE --public-key FILE]
  riposted --verify-audit-segment FILE --public-key FILE

Options:
  --config FILE      server configuration (YAML); default: the embedded
                     defaults, identical to config/riposted.yaml
  --ready-file FILE  once serving, write {"grpc":"host:port","pid":N} there
  --check-config     do everything start-up does short of opening the
                     store and the ports (read the policy, the tokens file,
                     the TLS files and every secret), print a summary, exit
                     (0 valid, 2 invalid, with start-up's message)
  --verify-audit     recompute the audit hash chain of the configured store
                     offline, check that every stored breach, decision and
                     action run has its record, and print the result as one
                     JSON line (exit 0 intact, 1 broken, 2 unreadable)
  --checkpoint FILE  with --verify-audit: also compare the chain with the
                     signed checkpoints in FILE (needs --public-key)
  --public-key FILE  the PEM Ed25519 public key the checkpoints are signed
                     with
  --verify-audit-segment FILE
                     check one archived audit segment on its own: its
                     records chain without a gap or an edit, and the signed
                     checkpoint at its end names its last record; prints one
                     JSON line (exit 0 intact, 1 broken, 2 unreadable)
  --help             this text

Signals: SIGTERM/SIGINT stop accepting, finish in-flight submits, close the
store. SIGHUP re-reads the policy; an invalid one is rejected (logged and
audited) and the running policy stays. Secrets are never read from the
command line.
)";

struct Flags {
  std::string config;
  std::string ready_file;
  bool check_config = false;
  bool verify_audit = false;
  std::string checkpoint;
  std::string public_key;
  std::string verify_segment;
};

// Accepts --name=value and --name value. Exit code 2 on a bad command line.
bool ParseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto take_value = [&](std::string& out) {
      if (has_value) {
        out = value;
        return true;
      }
      if (i + 1 >= argc) {
        std::cerr << "riposted: " << arg << " needs a value\n";
        return false;
      }
      out = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (arg == "--config") {
      if (!take_value(flags.config)) return false;
    } else if (arg == "--ready-file") {
      if (!take_value(flags.ready_file)) return false;
    } else if (arg == "--checkpoint") {
      if (!take_value(flags.checkpoint)) return false;
    } else if (arg == "--verify-audit-segment") {
      if (!take_value(flags.verify_segment)) return false;
    } else if (arg == "--public-key") {
      if (!take_value(flags.public_key)) return false;
    } else if (arg == "--check-config" && !has_value) {
      flags.check_config = true;
    } else if (arg == "--verify-audit" && !has_value) {
      flags.verify_audit = true;
    } else {
      std::cerr << "riposted: unknown argument " << argv[i]
                << " (see --help)\n";
      return false;
    }
  }
  return true;
}

// Written to a temporary name and renamed, so a reader never sees half.
bool WriteReadyFile(const std::string& path, const std::string& grpc_address,
                    const std::string& metrics_address) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    JsonObjectWriter w;
    w.Add("grpc", grpc_address);
    if (!metrics_address.empty()) w.Add("metrics", metrics_address);
    w.AddInt("pid", getpid());
    out << w.Finish() << "\n";
    if (!out.good()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// The checkpoint verifier of --public-key; prints why not and returns
// nullopt when the file cannot be read or is not an Ed25519 key.
std::optional<audit::CheckpointVerifier> ReadPublicKey(const Flags& flags) {
  std::ifstream in(flags.public_key, std::ios::binary);
  std::string pem((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) pem.clear();
  if (pem.empty()) {
    std::cerr << "riposted: --public-key " << flags.public_key
              << ": cannot read the file\n";
    return std::nullopt;
  }
  auto verifier = audit::CheckpointVerifier::FromPublicKeyPem(pem);
  if (!verifier.ok()) {
    std::cerr << "riposted: --public-key " << flags.public_key << ": "
              << verifier.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(verifier);
}

// Exit codes as docs/AUDIT.md says: 0 intact, 1 broken, 2 unreadable.
int VerifyAuditSegment(const Flags& flags) {
  std::optional<audit::CheckpointVerifier> verifier = ReadPublicKey(flags);
  if (!verifier.has_value()) return 2;
  absl::StatusOr<std::string> text =
      audit::ReadCheckpointFile(flags.verify_segment);
  if (!text.ok()) {
    std::cerr << "riposted: --verify-audit-segment: " << text.status().message()
              << "\n";
    return 2;
  }
  JsonObjectWriter w;
  absl::StatusOr<audit::Segment> segment =
      audit::ParseSegment(flags.verify_segment, *text);
  if (!segment.ok()) {
    w.AddBool("ok", false);
    w.Add("file", flags.verify_segment);
    w.Add("problem", segment.status().message());
    std::cout << std::move(w).Finish() << "\n";
    return 1;
  }
  const audit::SegmentResult r = audit::VerifySegment(*segment, *verifier);
  w.AddBool("ok", r.ok);
  w.Add("file", flags.verify_segment);
  w.AddInt("first_seq", r.first_seq);
  w.AddInt("last_seq", r.last_seq);
  w.Add("prev_hash", r.prev_hash);
  w.Add("head_hash", r.head_hash);
  if (!r.ok) w.Add("problem", r.problem);
  std::cout << std::move(w).Finish() << "\n";
  return r.ok ? 0 : 1;
}

// Exit codes as docs/AUDIT.md says: 0 intact, 1 broken, 2 unreadable.
int VerifyAudit(const config::ServerConfig& config, const Flags& flags) {
  std::string postgres_dsn;
  if (config.store.UsesPostgres()) {
    absl::StatusOr<std::string> dsn =
        config::ResolvePostgresDsn(config.store.postgres);
    if (!dsn.ok()) {
      std::cerr << "riposted: " << config.source << ": "
                << dsn.status().message() << "\n";
      return 2;
    }
    postgres_dsn = *std::move(dsn);
  }
  std::optional<CheckpointSource> checkpoints;
  if (!flags.checkpoint.empty()) {
    std::optional<audit::CheckpointVerifier> verifier = ReadPublicKey(flags);
    if (!verifier.has_value()) return 2;
    auto loaded = LoadCheckpoints(flags.checkpoint, *verifier,
                                  /*missing_ok=*/false);
    if (!loaded.ok()) {
      std::cerr << "riposted: --checkpoint: " << loaded.status().message()
                << "\n";
      return 2;
    }
    checkpoints = *std::move(loaded);
  }
  StoreOpening opening;
  opening.postgres_dsn = postgres_dsn;
  opening.read_only = true;
  auto store = OpenConfiguredStore(config, opening, Clock::Real());
  if (!store.ok()) {
    std::cerr << "riposted: " << store.status().message() << "\n";
    return 2;
  }
  auto result = VerifyAuditTrail(**store, std::move(checkpoints));
  if (!result.ok()) {
    std::cerr << "riposted: " << result.status().message() << "\n";
    return 2;
  }
  std::cout << result->ToJson() << "\n";
  return result->ok() ? 0 : 1;
}

// Builds everything start-up builds short of the store and the listeners
// (PrepareServer, the same code Server::Start runs), so a config that
// passes here fails at start only for the store or a port. Exit code 2 and
// start-up's message when it would not start.
int CheckConfig(const config::ServerConfig& config) {
  // Only warnings (the plaintext one, an expired certificate) are worth
  // showing beside the summary.
  auto level = log::ParseLevel(config.log_level);
  log::SetLevel(level.ok() && *level > log::Level::kWarn ? *level
                                                          : log::Level::kWarn);
  absl::StatusOr<PreparedServer> prepared =
      PrepareServer(config, Clock::Real());
  if (!prepared.ok()) {
    std::cerr << "riposted: " << prepared.status().message() << "\n";
    return 2;
  }
  std::string policy_summary = "no policy";
  if (prepared->policy != nullptr) {
    policy_summary = absl::StrCat(
        "policy ", config.policy_path, " with ", prepared->policy->rules.size(),
        " rule(s), version ", prepared->policy->version.substr(0, 12));
  }
  std::cout << "riposted: " << config.source << " is valid ("
            << config.tenants.size() << " tenant(s), listen "
            << config.grpc_listen << ", store "
            << DescribeStore(config, prepared->postgres_dsn) << ", "
            << policy_summary << ")\n";
  const config::RetentionConfig& retention = config.retention;
  if (!retention.enabled) {
    std::cout << "riposted: retention: none (everything is kept)\n";
  } else {
    std::cout << "riposted: retention: incidents "
              << absl::FormatDuration(retention.incidents) << ", runs "
              << absl::FormatDuration(retention.runs) << ", audit "
              << (retention.audit_archiving()
                      ? absl::StrCat("archived to ", ArchiveDir(config),
                                     " after ",
                                     absl::FormatDuration(retention.audit_keep))
                      : std::string("kept whole"))
              << "\n";
  }
  if (config.ocsf.sinks.empty()) {
    std::cout << "riposted: ocsf: events kept in the outbox for 'riposte ocsf "
                 "export'; no sink\n";
  }
  for (const config::OcsfSinkConfig& sink : config.ocsf.sinks) {
    std::cout << "riposted: ocsf: sink " << sink.name << ": JSON lines under "
              << OcsfSinkDir(config, sink) << "/ext/" << sink.file.source
              << "/region=" << sink.file.region
              << "/accountId=" << sink.file.account_id << "/\n";
  }
  for (const config::TenantConfig& tenant : config.tenants) {
    if (!tenant.graph.enabled) continue;
    std::cout << "riposted: tenant " << tenant.id << ": Microsoft Graph, cloud "
              << tenant.graph.cloud << " (sign-in "
              << tenant.graph.login_base_url << ", Graph "
              << tenant.graph.graph_base_url << ", scope "
              << tenant.graph.scope << ")\n";
  }
  for (const std::string& warning : prepared->warnings) {
    std::cout << "riposted: warning: " << warning << "\n";
  }
  return 0;
}

int Run(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, flags)) return 2;
  if (!flags.verify_segment.empty()) {
    // The segment alone: no config, no store.
    if (flags.public_key.empty() || !flags.checkpoint.empty() ||
        flags.verify_audit) {
      std::cerr << "riposted: --verify-audit-segment needs --public-key (and "
                   "nothing of --verify-audit)\n";
      return 2;
    }
    return VerifyAuditSegment(flags);
  }

  absl::StatusOr<config::ServerConfig> config =
      flags.config.empty() ? absl::StatusOr<config::ServerConfig>(
                                 config::DefaultServerConfig())
                           : config::LoadServerConfig(flags.config);
  if (!config.ok()) {
    std::cerr << "riposted: invalid configuration:\n"
              << config.status().message() << "\n";
    return 2;
  }
  if (flags.check_config) return CheckConfig(*config);
  if (flags.checkpoint.empty() != flags.public_key.empty() ||
      (!flags.checkpoint.empty() && !flags.verify_audit)) {
    std::cerr << "riposted: --checkpoint and --public-key go together, with "
                 "--verify-audit\n";
    return 2;
  }
  if (flags.verify_audit) return VerifyAudit(*config, flags);

  // Debian's Abseil tracks lock-order cycles on every Mutex operation, a
  // debugging aid that costs the intake path measurably. Tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  auto level = log::ParseLevel(config->log_level);
  if (level.ok()) log::SetLevel(*level);

  // Signals are taken by one thread with sigwait; block them everywhere
  // else before any other thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A file size limit then fails the write (a full store), not the process.
  signal(SIGXFSZ, SIG_IGN);

  auto server = Server::Start(*config, Clock::Real());
  if (!server.ok()) {
    log::Error("riposted failed to start", {{"error", server.status()}});
    std::cerr << "riposted: " << server.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<metrics::MetricsHttpServer> metrics_server;
  if (absl::Status s = metrics::RegisterBuildInfo((*server)->metrics()); !s.ok()) {
    log::Error("build info metrics", {{"error", s}});
  }
  if (!config->metrics_listen.empty()) {
    metrics::Registry* registry = &(*server)->metrics();
    Server* running = server->get();
    auto started = metrics::MetricsHttpServer::Start(
        config->metrics_listen, [registry] { return registry->RenderText(); },
        [running] { return running->Readiness(); });
    if (!started.ok()) {
      log::Error("riposted failed to start", {{"error", started.status()}});
      std::cerr << "riposted: metrics.listen: " << started.status().message()
                << "\n";
      return 1;
    }
    metrics_server = *std::move(started);
  }
  const std::string metrics_address =
      metrics_server ? metrics_server->address() : "";
  log::Info("riposted listening",
            {{"grpc", (*server)->grpc_address()},
             {"metrics", metrics_address},
             {"config", config->source},
             {"store", (*server)->store_description()},
             {"tenants", static_cast<int64_t>(config->tenants.size())}});
  std::cout << "riposted: serving gRPC on " << (*server)->grpc_address();
  if (!metrics_address.empty()) {
    std::cout << ", metrics on http://" << metrics_address << "/metrics";
  }
  std::cout << " (store " << (*server)->store_description() << ")"
            << std::endl;
  if (!flags.ready_file.empty() &&
      !WriteReadyFile(flags.ready_file, (*server)->grpc_address(),
                      metrics_address)) {
    log::Error("cannot write ready file", {{"path", flags.ready_file}});
    return 1;
  }

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      // Errors are logged and audited by ReloadPolicy; the old policy stays.
      (*server)->ReloadPolicy().IgnoreError();
      continue;
    }
    log::Info("shutting down", {{"signal", strsignal(sig)}});
    break;
  }
  if (metrics_server) metrics_server->Stop();
  (*server)->Shutdown();
  metrics_server.reset();
  log::Info("riposted stopped");
  return 0;
}

}  // namespace
}  // namespace riposte::server

// protobuf's own complaints (e.g. invalid UTF-8 in a request gRPC parsed)
// come out as our JSON log lines, not in protobuf's plain format.
void RouteProtobufLog(google::protobuf::LogLevel level, const char* file,
                      int line, const std::string& message) {
  const riposte::log::Level ours =
      level >= google::protobuf::LOGLEVEL_ERROR ? riposte::log::Level::kWarn
                                                : riposte::log::Level::kDebug;
  riposte::log::Log(ours, "protobuf",
                    {{"message", message},
                     {"source", absl::StrCat(file, ":", line)}});
}

int main(int argc, char** argv) {
  google::protobuf::SetLogHandler(&RouteProtobufLog);
  return riposte::server::Run(argc, argv);
}
