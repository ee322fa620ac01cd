#ifndef RIPOSTE_ORCHESTRATOR_AUTH_METHOD_POLICY_H_
#define RIPOSTE_ORCHESTRATOR_AUTH_METHOD_POLICY_H_

// Which role each gRPC method needs: the one table every call is checked
// against.
//
//   /riposte.v1.Intake/{Submit,SubmitStream}       detector (or admin)
//   /riposte.v1.Operator/{ReloadPolicy,SetPaused}  admin
//   /riposte.v1.Operator/<every other listed one>  operator (or admin)
//   /grpc.health.v1.Health/{Check,Watch} and       no credentials at all
//   /grpc.reflection.{v1,v1alpha}.ServerReflection/ServerReflectionInfo
//   anything else                                  admin
//
// Methods are listed one by one rather than by service, so that a method
// added to a proto later needs admin until someone decides otherwise here
// (method_policy_test fails until they do).

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "orchestrator/auth/identity.h"

namespace riposte::auth {

// The role `full_method` ("/package.Service/Method", as in gRPC's :path)
// needs, or nullopt if it needs no credentials (health checks, reflection).
// Matches are exact: no prefixes, no case folding.
// Unknown methods need admin. Thread-safe.
std::optional<Role> RequiredRole(absl::string_view full_method);

// Whether a caller with role `caller` may call a method needing `needed`:
// admin may call everything; operator and detector only their own.
bool RoleAllows(Role caller, Role needed);

// One row of the table.
struct MethodRole {
  absl::string_view method;  // "/riposte.v1.Operator/Approve"
  Role role;
};

// Every method listed by name (the rows above the fallback), for tests and
// documentation.
absl::Span<const MethodRole> ListedMethods();

}  // namespace riposte::auth

#endif  // RIPOSTE_ORCHESTRATOR_AUTH_METHOD_POLICY_H_
