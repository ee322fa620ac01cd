#include "orchestrator/auth/method_policy.h"

namespace riposte::auth {
namespace {

constexpr MethodRole kMethods[] = {
    {"/riposte.v1.Intake/Submit", Role::kDetector},
    {"/riposte.v1.Intake/SubmitStream", Role::kDetector},

    {"/riposte.v1.Operator/Simulate", Role::kOperator},
    {"/riposte.v1.Operator/ListIncidents", Role::kOperator},
    {"/riposte.v1.Operator/GetIncident", Role::kOperator},
    {"/riposte.v1.Operator/ListRuns", Role::kOperator},
    {"/riposte.v1.Operator/GetRun", Role::kOperator},
    {"/riposte.v1.Operator/Approve", Role::kOperator},
    {"/riposte.v1.Operator/Reject", Role::kOperator},
    {"/riposte.v1.Operator/Extend", Role::kOperator},
    {"/riposte.v1.Operator/Revert", Role::kOperator},
    {"/riposte.v1.Operator/Retry", Role::kOperator},
    {"/riposte.v1.Operator/GetPolicy", Role::kOperator},
    {"/riposte.v1.Operator/ValidatePolicy", Role::kOperator},
    {"/riposte.v1.Operator/GetPause", Role::kOperator},
    {"/riposte.v1.Operator/StreamAudit", Role::kOperator},
    {"/riposte.v1.Operator/VerifyAudit", Role::kOperator},
    {"/riposte.v1.Operator/ExportAudit", Role::kOperator},
    {"/riposte.v1.Operator/ExportOcsf", Role::kOperator},
    {"/riposte.v1.Operator/WhoAmI", Role::kOperator},
    // Changing what the server does on its own is for admins only.
    {"/riposte.v1.Operator/ReloadPolicy", Role::kAdmin},
    {"/riposte.v1.Operator/SetPaused", Role::kAdmin},
};

// Kubernetes probes and tooling call these without credentials. Listed
// exactly too: a prefix would also open paths no service has, which cost
// nothing today but are one registration away from a hole.
constexpr absl::string_view kOpenMethods[] = {
    "/grpc.health.v1.Health/Check",
    "/grpc.health.v1.Health/Watch",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
};

}  // namespace

std::optional<Role> RequiredRole(absl::string_view full_method) {
  for (const MethodRole& row : kMethods) {
    if (row.method == full_method) return row.role;
  }
  for (absl::string_view open : kOpenMethods) {
    if (open == full_method) return std::nullopt;
  }
  return Role::kAdmin;
}

bool RoleAllows(Role caller, Role needed) {
  return caller == Role::kAdmin || caller == needed;
}

absl::Span<const MethodRole> ListedMethods() { return kMethods; }

}  // namespace riposte::auth
