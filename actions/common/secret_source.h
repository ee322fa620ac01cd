#ifndef RIPOSTE_ACTIONS_COMMON_SECRET_SOURCE_H_
#define RIPOSTE_ACTIONS_COMMON_SECRET_SOURCE_H_

// Where a secret (client secret, gateway key, webhook signing key) comes
// from: a file (e.g. a mounted Kubernetes Secret) or an environment
// variable, never the command line or a config value. Errors name the file
// or variable, never the value. Thread-safe.

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::actions::common {

class SecretSource {
 public:
  // Secrets longer than this are refused; no credential is that big, a
  // mistyped path pointing at a log file may be.
  static constexpr size_t kMaxBytes = 64 * 1024;

  static SecretSource FromFile(std::string path);
  static SecretSource FromEnv(std::string variable);

  // Reads the secret now, dropping trailing "\n" and "\r\n" (files written
  // by `echo` or editors end with one). Errors:
  //   NotFound           the file or variable does not exist
  //   PermissionDenied   the file cannot be read
  //   InvalidArgument    the secret is empty, too long or contains a NUL
  //   Internal           any other read error
  absl::StatusOr<std::string> Read() const;

  // "file /run/secrets/graph" or "environment variable GRAPH_SECRET".
  std::string Describe() const;

 private:
  enum class Kind { kFile, kEnv };
  SecretSource(Kind kind, std::string where)
      : kind_(kind), where_(std::move(where)) {}

  Kind kind_;
  std::string where_;
};

}  // namespace riposte::actions::common

#endif  // RIPOSTE_ACTIONS_COMMON_SECRET_SOURCE_H_
