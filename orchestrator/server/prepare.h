#ifndef RIPOSTE_ORCHESTRATOR_SERVER_PREPARE_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_PREPARE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/checkpoint.h"
#include "common/clock.h"
#include "config/server_config.h"
#include "http/http_client.h"
#include "metrics/metrics.h"
#include "orchestrator/auth/authenticator.h"
#include "orchestrator/execute/config_router.h"
#include "policies/policy.h"

namespace riposte::server {

// Everything riposted builds from a validated config before it opens the
// store and its listeners. Destroy the router before the HTTP client and
// the client before the registry (member order does).
struct PreparedServer {
  std::shared_ptr<auth::Authenticator> authenticator;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::shared_ptr<const policies::Policy> policy;  // null: no policy.path
  std::unique_ptr<metrics::Registry> metrics;
  std::unique_ptr<http::HttpClient> http;  // counted in `metrics`
  std::unique_ptr<execute::ConfigRouter> router;
  // Where the policy and the tenants' routes disagree
  // (ConfigRouter::ExpiryWarnings); riposted runs anyway.
  std::vector<std::string> warnings;
  // Signs audit checkpoints; null when audit.checkpoint_file is not set.
  std::unique_ptr<audit::CheckpointSigner> signer;
  // With store.engine postgres: the resolved connection string. A secret:
  // log only RedactDsn (common/postgres_dsn.h) of it.
  std::string postgres_dsn;
};

// The one path `riposted --check-config` and Server::Start share, so that
// the check refuses every config start-up would refuse before it opens the
// store, with the same message. Reads every file the config names: the
// tokens file, the TLS certificate, key and client CA, the policy, the
// audit checkpoint signing key, each tenant's secrets and, with
// store.engine postgres, the connection string (never putting their
// contents in a message). Writes nothing and opens no port.
//
// store.engine postgres: once everything else is checked and the
// connection string resolved (config::ResolvePostgresDsn), returns
// Unimplemented, because the PostgreSQL engine is not yet built into this
// binary (issue 12); the message shows the redacted connection string.
//
// Every error starts with the config's source (its file name), and names
// the key and the file at fault: "riposted.yaml:80: policy.path:
// /etc/riposte/policy: ...", "riposted.yaml: auth.tokens_file: ...",
// "riposted.yaml: tenants.contoso.webhooks.soar: ...". Codes are those of
// auth::MakeServerSecurity, policies::LoadPolicy and ConfigRouter::Create:
// NotFound / PermissionDenied / Unavailable for a file that cannot be
// read, InvalidArgument for one that holds something wrong.
absl::StatusOr<PreparedServer> PrepareServer(const config::ServerConfig& config,
                                             Clock* clock);

// The checkpoint signer of an audit config (audit.signing_key_file or
// _env); errors name the field, never the key.
absl::StatusOr<std::unique_ptr<audit::CheckpointSigner>> LoadCheckpointSigner(
    const config::AuditConfig& audit);

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_PREPARE_H_
