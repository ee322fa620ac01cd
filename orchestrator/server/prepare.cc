#include "orchestrator/server/prepare.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/postgres_dsn.h"
#include "config/secret.h"
#include "http/cpprest_http_client.h"
#include "http/instrumented_http_client.h"
#include "orchestrator/auth/server_credentials.h"
#include "policies/policy_loader.h"

namespace riposte::server {
namespace {

// `status` with the config file in front, so a message read in a pod's
// log says which file to fix.
absl::Status InConfig(const config::ServerConfig& config,
                      const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(config.source, ": ", status.message()));
}

}  // namespace

// The checkpoint signer of a config; the key is a secret and never logged.
absl::StatusOr<std::unique_ptr<audit::CheckpointSigner>> LoadCheckpointSigner(
    const config::AuditConfig& audit) {
  const std::string field = audit.signing_key.file.empty()
                                ? "audit.signing_key_env"
                                : "audit.signing_key_file";
  absl::StatusOr<std::string> pem = config::ReadSecret(audit.signing_key);
  if (!pem.ok()) {
    return absl::Status(pem.status().code(),
                        absl::StrCat(field, ": ", pem.status().message()));
  }
  auto signer = audit::CheckpointSigner::Create(*pem, audit.origin);
  if (!signer.ok()) {
    return absl::Status(signer.status().code(),
                        absl::StrCat(field, ": ",
                                     config::DescribeSecretSource(audit.signing_key),
                                     ": ", signer.status().message()));
  }
  return signer;
}

absl::StatusOr<PreparedServer> PrepareServer(const config::ServerConfig& config,
                                             Clock* clock) {
  PreparedServer prepared;
  {
    absl::StatusOr<auth::ServerSecurity> security =
        auth::MakeServerSecurity(config);
    if (!security.ok()) return InConfig(config, security.status());
    prepared.authenticator = security->authenticator;
    prepared.credentials = security->credentials;
  }
  if (!config.policy_path.empty()) {
    absl::StatusOr<std::shared_ptr<const policies::Policy>> policy =
        policies::LoadPolicy(config.policy_path);
    if (!policy.ok()) {
      const std::string where =
          config.policy_path_line > 0
              ? absl::StrCat(config.source, ":", config.policy_path_line)
              : config.source;
      return absl::Status(
          policy.status().code(),
          absl::StrCat(where, ": policy.path: ", config.policy_path, ":\n",
                       policy.status().message()));
    }
    prepared.policy = *std::move(policy);
    prepared.warnings =
        execute::ConfigRouter::ExpiryWarnings(config.tenants, *prepared.policy);
  }

  prepared.metrics = std::make_unique<metrics::Registry>();
  prepared.http = std::make_unique<http::InstrumentedHttpClient>(
      std::make_unique<http::CpprestHttpClient>(), *prepared.metrics);
  absl::StatusOr<actions::ActionRegistry> registry =
      execute::ConfigRouter::BuiltinRegistry();
  if (!registry.ok()) return registry.status();
  actions::AdapterContext context;
  context.http = prepared.http.get();
  context.clock = clock;
  context.call_timeout = config.execution.call_timeout;
  absl::StatusOr<std::unique_ptr<execute::ConfigRouter>> router =
      execute::ConfigRouter::Create(*registry, config.tenants, context);
  if (!router.ok()) return InConfig(config, router.status());
  prepared.router = *std::move(router);
  if (config.audit.checkpoints_enabled()) {
    absl::StatusOr<std::unique_ptr<audit::CheckpointSigner>> signer =
        LoadCheckpointSigner(config.audit);
    if (!signer.ok()) return InConfig(config, signer.status());
    prepared.signer = *std::move(signer);
  }
  if (config.store.UsesPostgres()) {
    absl::StatusOr<std::string> dsn =
        config::ResolvePostgresDsn(config.store.postgres);
    if (!dsn.ok()) return InConfig(config, dsn.status());
    prepared.postgres_dsn = *std::move(dsn);
    // Last, so that --check-config reports every mistake in the config
    // before this. When the engine lands (issue 12), Server::Start opens it
    // with postgres_dsn instead.
    return InConfig(
        config,
        absl::UnimplementedError(absl::StrCat(
            "store.engine: \"postgres\": the PostgreSQL store engine is not "
            "yet built into this riposted binary (the configuration is "
            "otherwise valid; it would connect with \"",
            RedactDsn(prepared.postgres_dsn),
            "\"); use engine \"sqlite\" until a release that has it")));
  }
  return prepared;
}

}  // namespace riposte::server
