#ifndef RIPOSTE_CONFIG_SERVER_CONFIG_H_
#define RIPOSTE_CONFIG_SERVER_CONFIG_H_

// The riposted server configuration: what it listens on, where it keeps
// data, which tenants it serves and how much it accepts from detectors.
//
// The sample file config/riposted.yaml documents every key and is compiled
// in as the defaults (DefaultServerConfig), so the two cannot drift. A config
// is parsed and validated completely before use; errors name file, line and
// key, and all of a file's errors are reported together.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/secret.h"

namespace riposte::config {

// Microsoft Graph: an Entra app registration with application permissions,
// authenticating with the client-credentials flow.
struct GraphConfig {
  bool enabled = false;  // true when the tenant has a graph: section
  // The Entra tenant: its id (a GUID) or a verified domain
  // ("contoso.onmicrosoft.com"). [A-Za-z0-9.-]+
  std::string directory_tenant;
  std::string client_id;
  SecretRef client_secret;  // exactly one of file, env
  // The Microsoft cloud the tenant lives in: one of
  // actions::graph::GraphClouds() ("global", "usgov", "usgov-dod",
  // "china"). The three fields below default to its endpoints.
  std::string cloud = "global";
  // https:// (http:// only for loopback hosts), no query or fragment, no
  // trailing '/'. Given, they override the cloud's (a test double, a
  // proxy).
  std::string login_base_url = "https://login.microsoftonline.com";
  std::string graph_base_url = "https://graph.microsoft.com/v1.0";
  // What tokens are asked for: "<Graph audience>/.default". Given, it
  // overrides the cloud's.
  std::string scope = "https://graph.microsoft.com/.default";
  // Mail folder that quarantine_email moves messages to, created on demand.
  std::string quarantine_folder = "Riposte Quarantine";
  // JSON batching of concurrent mail calls (0s: none), the most requests
  // in one batch (Graph allows 20), and the most mail requests in flight
  // per mailbox (Outlook allows 4 per app and mailbox).
  absl::Duration batch_window = absl::Milliseconds(5);
  int64_t max_batch_requests = 20;
  int64_t mailbox_concurrency = 4;
};

// A Mimecast-style mail gateway's REST API (quarantine and release).
struct GatewayConfig {
  bool enabled = false;  // true when the tenant has a gateway: section
  std::string base_url;  // as GraphConfig::graph_base_url
  std::string client_id;
  SecretRef client_secret;  // exactly one of file, env
};

// A generic outgoing webhook, for SOARs, ticketing, chat.
struct WebhookConfig {
  std::string name;  // [a-z0-9-]+, unique within the tenant
  std::string method = "POST";  // POST, PUT or PATCH
  std::string url;  // https:// (http:// only for loopback); may have a query
  // Extra request headers. Names are HTTP tokens, unique ignoring case;
  // credential headers (Authorization, Cookie...) and the headers Riposte
  // sets (Idempotency-Key, the signature header) are refused; Content-Type,
  // if given, is a JSON type.
  std::map<std::string, std::string> headers;
  // The request body, with {{placeholders}} filled in by the adapter.
  std::string body_template;
  std::vector<int> success_codes = {200, 201, 202, 204};  // each 200..299
  // Optional: signs each request when set ("t=<unix>,v1=<hex>", see
  // actions/webhook/webhook_adapter.h and docs/CONNECTING.md).
  SecretRef hmac_secret;
  std::string signature_header = "Riposte-Signature";
  bool revert = false;  // also call the webhook when the action is undone
};

struct TenantConfig {
  std::string id;            // [A-Za-z0-9._-]+, unique
  std::string display_name;  // defaults to id
  GraphConfig graph;
  GatewayConfig gateway;
  std::vector<WebhookConfig> webhooks;
  // Which adapter runs which action, e.g. {"disable_user": "graph",
  // "quarantine_email": "gateway", "notify": "webhook:soar"}. Keys are action
  // names ([a-z0-9_]+); values are "graph", "gateway" or "webhook:<name>",
  // each naming an adapter configured (and enabled) for this tenant. Actions
  // not listed are left to the executor's default.
  std::map<std::string, std::string> routes;

  // The webhook named `name`, or nullptr.
  const WebhookConfig* FindWebhook(absl::string_view name) const;
};

// What Intake accepts from detectors; breaches over a limit are rejected as
// InvalidArgument.
struct IntakeLimits {
  int64_t max_id_bytes = 128;  // detector_id, breach_id, tenant_id, entity ids
  int64_t max_string_bytes = 1024;  // model name, upn, mailbox, subject...
  int64_t max_tags = 32;
  int64_t max_evidence_entries = 64;
  int64_t max_evidence_value_bytes = 4096;
  int64_t max_related_entities = 64;
  int64_t max_attachments = 128;
  int64_t max_breach_bytes = 262144;  // serialized Breach size
  absl::Duration max_future_skew = absl::Minutes(5);
  int64_t stream_max_in_flight = 256;
};

// The PostgreSQL store engine (store.engine: postgres), for several
// riposted replicas sharing one database. The connection string (libpq's
// key=value or postgresql:// URI form) is a secret: it carries the
// password, so the config names only where it is (ResolvePostgresDsn reads
// it); a `dsn:` key in the file is refused.
struct PostgresConfig {
  bool enabled = false;  // true when store.postgres is present
  SecretRef dsn;         // exactly one of dsn_file, dsn_env
  int64_t pool_size = 4;  // connections per replica, 1..64
  // Opening one connection; whole seconds (libpq counts in seconds).
  absl::Duration connect_timeout = absl::Seconds(5);
  // Longest one statement may run, and may wait for a row lock; each at
  // least 1ms, lock_timeout at most statement_timeout.
  absl::Duration statement_timeout = absl::Seconds(30);
  absl::Duration lock_timeout = absl::Seconds(10);
};

// The store engine names store.engine accepts.
inline constexpr absl::string_view kStoreEngineSqlite = "sqlite";
inline constexpr absl::string_view kStoreEnginePostgres = "postgres";

struct StoreConfig {
  std::string engine = "sqlite";  // kStoreEngineSqlite or kStoreEnginePostgres
  std::string sqlite_file = "riposte.db";  // engine sqlite only
  int64_t group_commit_max_batch = 1024;
  PostgresConfig postgres;  // engine postgres only (and then required)

  bool UsesPostgres() const { return engine == kStoreEnginePostgres; }
};

// How action runs are executed: the worker pool, retries, the circuit
// breaker per adapter and the expiry scanner.
struct ExecutionConfig {
  int64_t workers = 8;                       // 0..256; 0 = decide only
  // How long a worker owns a run before another may take it over (after a
  // crash). At least 3 * call_timeout.
  absl::Duration lease = absl::Seconds(60);
  absl::Duration call_timeout = absl::Seconds(20);  // one adapter call
  int64_t max_attempts = 8;                  // >= 1
  absl::Duration max_age = absl::Hours(1);   // give up on a run this old
  // Exponential backoff between attempts; initial <= max. A server's
  // Retry-After takes precedence.
  absl::Duration backoff_initial = absl::Seconds(1);
  absl::Duration backoff_max = absl::Minutes(5);
  int64_t breaker_failures = 5;  // consecutive failures that open the circuit
  absl::Duration breaker_open_for = absl::Seconds(30);
  // How often expired actions are looked for (and reverted).
  absl::Duration expiry_scan_interval = absl::Seconds(5);
};

// Bytes a gRPC request may need beyond the breach it carries;
// grpc_max_receive_message_bytes must be at least
// intake.max_breach_bytes + kGrpcHeadroomBytes.
inline constexpr int64_t kGrpcHeadroomBytes = 4096;

// TLS for the gRPC endpoint. The files are PEM and are read when the server
// starts (see orchestrator/auth/server_credentials.h), not when the config is
// parsed.
struct TlsConfig {
  bool enabled = false;  // true when grpc.tls is present
  std::string cert_file;  // the server's certificate chain; required
  std::string key_file;   // its private key; required
  // Optional: the CA certificates client certificates are verified against.
  // When set, clients are asked for a certificate; one that does not verify
  // fails the handshake.
  std::string client_ca_file;
  // Every client must present a certificate that verifies against
  // client_ca_file (which it then requires).
  bool require_client_cert = false;
};

// The roles a caller can have; see orchestrator/auth/identity.h.
inline constexpr absl::string_view kRoleNames[] = {"detector", "operator",
                                                   "admin"};

// One verified client-certificate identity (subject CN, or a DNS or URI
// subject alternative name) and the role it gets.
struct ClientCertRole {
  std::string identity;
  std::string role;  // one of kRoleNames
};

// How callers are identified (see orchestrator/auth/).
struct AuthConfig {
  // A YAML file of bearer-token SHA-256 hashes, identities and roles. Empty:
  // bearer tokens are not accepted. Read when the server starts.
  std::string tokens_file;
  // mTLS callers: identities unique; needs grpc.tls.client_ca_file.
  std::vector<ClientCertRole> client_cert_roles;
};

// Signed checkpoints of the audit chain (docs/AUDIT.md, "Checkpoints").
// Either both checkpoint_file and signing_key are set, or neither (then no
// checkpoints are written).
struct AuditConfig {
  // Append-only file the checkpoints are added to; relative to data_dir
  // unless absolute. Ship it off the host.
  std::string checkpoint_file;
  // The PEM Ed25519 private key that signs them (a secret: a file or an
  // environment variable, read at start-up, never logged).
  SecretRef signing_key;
  // How often a checkpoint is written when the chain grew; one is also
  // written at start and at shutdown. At least 1s.
  absl::Duration checkpoint_interval = absl::Minutes(5);
  // The checkpoint's first line and its key name: printable, no spaces, no
  // '+'. Default "riposte/<id of the first tenant>".
  std::string origin;

  bool checkpoints_enabled() const { return !checkpoint_file.empty(); }
};

// What is removed from the store, and when (docs/RETENTION.md). Absent
// section: nothing is ever removed.
struct RetentionConfig {
  bool enabled = false;
  // An incident goes, with its breaches, decisions and runs, once its last
  // breach was observed and received longer ago than this (and than the
  // correlation window) and all its runs are final.
  absl::Duration incidents = absl::ZeroDuration();
  // ... and none of its runs changed within this long. Default: incidents.
  absl::Duration runs = absl::ZeroDuration();
  // How often a pass runs.
  absl::Duration interval = absl::Hours(1);
  // Incidents looked at per unit of work, so intake is never held up long.
  int64_t batch = 500;
  // OCSF events leave the outbox once every configured sink has delivered
  // them and they are older than this. Default: incidents.
  absl::Duration ocsf_events = absl::ZeroDuration();

  // Archiving the audit chain: records older than `keep` leave the store in
  // whole segments of `segment_records`, each written to archive_dir first
  // with a signed checkpoint at its end. Empty archive_dir: the audit chain
  // is kept whole.
  std::string archive_dir;  // relative to data_dir unless absolute
  absl::Duration audit_keep = absl::ZeroDuration();
  int64_t segment_records = 100000;

  bool audit_archiving() const { return !archive_dir.empty(); }
};

// One destination of OCSF events (docs/OCSF.md). Only files for now.
struct OcsfFileSinkConfig {
  std::string dir;  // relative to data_dir unless absolute
  std::string source = "riposte";
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  int64_t max_file_bytes = 64 << 20;
  absl::Duration max_file_age = absl::Minutes(5);
};
struct OcsfSinkConfig {
  std::string name;  // its cursor and metrics label; unique
  OcsfFileSinkConfig file;
};
struct OcsfConfig {
  std::vector<OcsfSinkConfig> sinks;
};

// A validated server configuration. Plain data; copy freely.
struct ServerConfig {
  std::string grpc_listen = "127.0.0.1:50051";  // host:port, [v6]:port
  int64_t grpc_max_receive_message_bytes = 4 * 1024 * 1024;
  // Without TLS (grpc_tls.enabled false) the server speaks plaintext, which
  // validation allows only on a loopback grpc_listen: development only.
  TlsConfig grpc_tls;
  AuthConfig auth;
  std::string data_dir = "riposte-data";
  StoreConfig store;
  std::vector<TenantConfig> tenants;  // at least one once validated
  absl::Duration correlation_window = absl::Hours(24);
  IntakeLimits intake;
  std::string log_level = "info";  // debug|info|warn|error
  // A policy file, or a directory of *.yaml policy files. Empty: no policy;
  // breaches are recorded but nothing is decided.
  std::string policy_path;
  // The line of policy.path in `source` (0 when not set there), so that a
  // policy that cannot be loaded at start-up is reported at its key.
  int policy_path_line = 0;
  // host:port of the Prometheus /metrics endpoint; empty = none.
  std::string metrics_listen;
  absl::Duration shutdown_grace = absl::Seconds(10);
  ExecutionConfig execution;
  AuditConfig audit;
  RetentionConfig retention;
  OcsfConfig ocsf;
  std::string source;  // file name it came from, or "<embedded defaults>"

  // The tenant with this id, or nullptr.
  const TenantConfig* FindTenant(absl::string_view id) const;

  // Whether gRPC is served without TLS (loopback only, development only).
  bool UsesPlaintext() const { return !grpc_tls.enabled; }

  // Development mode: plaintext and no tokens file, so no caller can be
  // identified and every call is treated as coming from an admin ("local").
  bool AuthDisabledForDevelopment() const {
    return UsesPlaintext() && auth.tokens_file.empty();
  }
};

// Whether the host of a host:port listen address is 127.0.0.1, localhost
// (any case) or [::1]: the only hosts plaintext gRPC may listen on.
bool IsLoopbackListenAddress(absl::string_view listen);

// What ServerConfig::source says for DefaultServerConfig().
inline constexpr absl::string_view kEmbeddedDefaultsSource =
    "<embedded defaults>";

// Parses and validates a config. `filename` is used in messages and stored
// in `source`. Keys left out keep the ServerConfig defaults.
//
// Returns InvalidArgument listing every problem, one per line, as
// "filename:line: key.path: message" (syntax errors also carry a column):
// unknown keys, wrong types, bad durations, non-positive limits, bad
// grpc.listen, message size below the breach limit plus headroom, bad,
// duplicate or missing tenants, unknown store engine, engine postgres
// without store.postgres (or engine sqlite with it), store.postgres without
// exactly one of dsn_file and dsn_env or with a `dsn:` written inline,
// pool_size outside 1..64, bad postgres timeouts, unknown log level,
// plaintext (no grpc.tls) on a listen address that is not loopback, grpc.tls
// without cert_file or key_file, require_client_cert without client_ca_file,
// TLS with no way to authenticate a caller (neither auth.tokens_file nor
// auth.client_cert_roles), client_cert_roles without client_ca_file, unknown
// roles or duplicate identities in client_cert_roles,
// empty data_dir or sqlite file; in tenants: missing graph/gateway keys,
// secrets written inline or given both as file and env (or neither), URLs
// that are not https (plain http is allowed for loopback hosts only), bad or
// duplicate webhook names, routes to unknown or unconfigured adapters; in
// execution: out-of-range values, lease below 3 * call_timeout, backoff
// initial above max; in audit: checkpoint_file without signing_key_file or
// signing_key_env (or the reverse), checkpoint_interval below 1s, an origin
// with spaces, '+' or control characters; in retention: a missing or
// non-positive age, an interval below 1m, an audit archive without
// audit.checkpoint_file and signing key (segments end in a signed
// checkpoint), or without keep or archive_dir.
//
// Secret files are not read here (see ReadSecret in config/secret.h).
absl::StatusOr<ServerConfig> ParseServerConfig(absl::string_view yaml_text,
                                               absl::string_view filename);

// Reads and parses the file at `path`; messages name `path`.
// Returns NotFound if it does not exist, PermissionDenied if unreadable,
// InvalidArgument as ParseServerConfig (or if `path` is a directory),
// Unavailable on other I/O errors.
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path);

// The PostgreSQL connection string of `postgres` (store.postgres.dsn_file
// or dsn_env): the file's contents less a trailing newline, or the
// variable's value, checked for libpq's syntax (DsnSyntaxProblem in
// common/postgres_dsn.h). Reads the file or the environment each call.
//
// Returns, each message starting with the field and naming the file or
// variable, and NEVER holding any part of the connection string:
//   InvalidArgument     no dsn_file or dsn_env configured, or the string is
//                       not a connection string libpq would read;
//   NotFound, PermissionDenied, FailedPrecondition, Unavailable
//                       as ReadSecret (config/secret.h).
// Thread-safe, as long as nothing calls setenv() concurrently.
absl::StatusOr<std::string> ResolvePostgresDsn(const PostgresConfig& postgres);

// The configuration embedded from config/riposted.yaml, with source
// kEmbeddedDefaultsSource. Aborts the process with the parse errors if the
// embedded file is invalid, which server_config_test prevents.
ServerConfig DefaultServerConfig();

}  // namespace riposte::config

#endif  // RIPOSTE_CONFIG_SERVER_CONFIG_H_
