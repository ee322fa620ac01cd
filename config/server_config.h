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
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace riposte::config {

struct TenantConfig {
  std::string id;            // [A-Za-z0-9._-]+, unique
  std::string display_name;  // defaults to id
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

struct StoreConfig {
  std::string engine = "sqlite";  // only "sqlite" for now
  std::string sqlite_file = "riposte.db";
  int64_t group_commit_max_batch = 1024;
};

// Bytes a gRPC request may need beyond the breach it carries;
// grpc_max_receive_message_bytes must be at least
// intake.max_breach_bytes + kGrpcHeadroomBytes.
inline constexpr int64_t kGrpcHeadroomBytes = 4096;

// A validated server configuration. Plain data; copy freely.
struct ServerConfig {
  std::string grpc_listen = "127.0.0.1:50051";  // host:port, [v6]:port
  int64_t grpc_max_receive_message_bytes = 4 * 1024 * 1024;
  std::string data_dir = "riposte-data";
  StoreConfig store;
  std::vector<TenantConfig> tenants;  // at least one once validated
  absl::Duration correlation_window = absl::Hours(24);
  IntakeLimits intake;
  std::string log_level = "info";  // debug|info|warn|error
  // A policy file, or a directory of *.yaml policy files. Empty: no policy;
  // breaches are recorded but nothing is decided.
  std::string policy_path;
  absl::Duration shutdown_grace = absl::Seconds(10);
  std::string source;  // file name it came from, or "<embedded defaults>"

  // The tenant with this id, or nullptr.
  const TenantConfig* FindTenant(absl::string_view id) const;
};

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
// duplicate or missing tenants, unsupported store engine, unknown log level,
// empty data_dir or sqlite file.
absl::StatusOr<ServerConfig> ParseServerConfig(absl::string_view yaml_text,
                                               absl::string_view filename);

// Reads and parses the file at `path`; messages name `path`.
// Returns NotFound if it does not exist, PermissionDenied if unreadable,
// InvalidArgument as ParseServerConfig (or if `path` is a directory),
// Unavailable on other I/O errors.
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path);

// The configuration embedded from config/riposted.yaml, with source
// kEmbeddedDefaultsSource. Aborts the process with the parse errors if the
// embedded file is invalid, which server_config_test prevents.
ServerConfig DefaultServerConfig();

}  // namespace riposte::config

#endif  // RIPOSTE_CONFIG_SERVER_CONFIG_H_
