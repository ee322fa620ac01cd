#ifndef RIPOSTE_CLI_CONNECTION_H_
#define RIPOSTE_CLI_CONNECTION_H_

// Where and how the CLI connects: address, transport security, credentials
// and call timeout, resolved from (highest first) flags, environment, the
// config file and defaults.
//
// TLS is used whenever a CA, client certificate or key is configured or the
// address is not loopback. Plaintext happens only for a loopback address
// without TLS settings, or with --insecure, which is refused for anything
// but loopback. The bearer token never comes from a flag: command lines
// are visible to other users.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cli/flags.h"

namespace riposte::cli {

inline constexpr char kDefaultAddr[] = "127.0.0.1:50051";
inline constexpr absl::Duration kDefaultTimeout = absl::Seconds(10);

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

struct ConnectionSettings {
  std::string addr = kDefaultAddr;
  bool use_tls = false;
  // Paths as configured (for messages) and their contents.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  // Sent as "authorization: Bearer <token>"; empty for none.
  std::string token;
  // Where the token came from, e.g. "RIPOSTE_TOKEN" or "--token-file t".
  std::string token_source;
  absl::Duration timeout = kDefaultTimeout;
  // The config file that was read; "" if none.
  std::string config_path;

  // "127.0.0.1:50051 (plaintext)", "... (TLS)", "... (mutual TLS)".
  std::string Describe() const;
};

// Resolves the settings from the global flags in `flags` (addr, ca-file,
// cert-file, key-file, token-file, insecure, timeout, config) and `env`
// (RIPOSTE_ADDR, RIPOSTE_CA_FILE, RIPOSTE_CERT_FILE, RIPOSTE_KEY_FILE,
// RIPOSTE_TOKEN_FILE, RIPOSTE_TOKEN; XDG_CONFIG_HOME and HOME for the
// default config file). Empty environment variables count as unset. Reads
// the certificate, key and token files.
//
// Usage errors: an unreadable or invalid config file (a missing default
// one is fine), unreadable credential files, --cert-file without
// --key-file or the reverse, --insecure with a non-loopback address or with
// TLS settings, both RIPOSTE_TOKEN and RIPOSTE_TOKEN_FILE set, an empty or
// malformed token, a bad --timeout.
absl::StatusOr<ConnectionSettings> ResolveConnection(const ParsedArgs& flags,
                                                     const EnvLookup& env);

// Whether `addr` (a gRPC target: "host:port", "[::1]:port", "dns:///host:
// port", "unix:/path") stays on this machine: localhost, 127.0.0.0/8, ::1,
// or a Unix socket.
bool IsLoopbackAddress(absl::string_view addr);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_CONNECTION_H_
