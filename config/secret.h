#ifndef RIPOSTE_CONFIG_SECRET_H_
#define RIPOSTE_CONFIG_SECRET_H_

// Secrets (client secrets, HMAC keys) never live in the config file: the
// config names where each one is, a file (a Kubernetes or systemd secret
// mount) or an environment variable, and ReadSecret fetches the value when
// the server starts. Parsing a config never reads a secret.

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace riposte::config {

// Where a secret comes from: exactly one of `file` and `env` is set. Both
// empty means "no secret" where a secret is optional.
struct SecretRef {
  std::string file;  // path of a file holding the secret
  std::string env;   // name of an environment variable holding it

  bool empty() const { return file.empty() && env.empty(); }
};

// Largest secret file accepted.
inline constexpr size_t kMaxSecretFileBytes = 64 * 1024;

// "file '/run/secrets/x'", "environment variable 'X'" or "no secret", for
// messages. Never the value.
std::string DescribeSecretSource(const SecretRef& ref);

// Reads the secret: the file's bytes less one trailing newline ("\n" or
// "\r\n"), or the environment variable's value as it is.
//
// Returns
//   InvalidArgument     `ref` sets both file and env, or neither;
//   NotFound            the file does not exist, or the variable is unset;
//   PermissionDenied    the file cannot be read for lack of permission;
//   FailedPrecondition  the file is not a regular file (a directory, a FIFO),
//                       is larger than kMaxSecretFileBytes, or the secret is
//                       empty;
//   Unavailable         other I/O errors.
// Messages name the file or variable and never contain any of the value.
//
// Thread-safe, as long as nothing calls setenv() concurrently.
absl::StatusOr<std::string> ReadSecret(const SecretRef& ref);

}  // namespace riposte::config

#endif  // RIPOSTE_CONFIG_SECRET_H_
