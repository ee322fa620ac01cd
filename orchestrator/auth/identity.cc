#include "orchestrator/auth/identity.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace riposte::auth {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kDetector:
      return "detector";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role role : {Role::kDetector, Role::kOperator, Role::kAdmin}) {
    if (name == RoleName(role)) return role;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role \"", absl::CHexEscape(name.substr(0, 64)),
                   "\" (allowed: detector, operator, admin)"));
}

}  // namespace riposte::auth
