#ifndef RIPOSTE_ORCHESTRATOR_AUTH_IDENTITY_H_
#define RIPOSTE_ORCHESTRATOR_AUTH_IDENTITY_H_

// Who is calling riposted, and with what role. See method_policy.h for what
// each role may call.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::auth {

// A caller's role. admin may do everything; operator and detector are
// disjoint (an operator may not submit breaches, a detector may not call
// the Operator service).
enum class Role { kDetector, kOperator, kAdmin };

// "detector", "operator" or "admin": the spelling used in config files,
// token files and messages.
absl::string_view RoleName(Role role);

// Parses a name spelled as RoleName returns (exactly; no case folding).
// InvalidArgument naming the allowed roles otherwise.
absl::StatusOr<Role> ParseRole(absl::string_view name);

// An authenticated caller. `identity` is what the audit trail records: the
// token file's identity, the client certificate name that matched
// auth.client_cert_roles, or kDevelopmentIdentity. Never a credential.
struct Caller {
  std::string identity;
  Role role = Role::kDetector;
};

inline bool operator==(const Caller& a, const Caller& b) {
  return a.identity == b.identity && a.role == b.role;
}

// The identity of every caller in development mode (plaintext on loopback
// without a tokens file), who is an admin.
inline constexpr absl::string_view kDevelopmentIdentity = "local";

}  // namespace riposte::auth

#endif  // RIPOSTE_ORCHESTRATOR_AUTH_IDENTITY_H_
