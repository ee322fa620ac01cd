#ifndef RIPOSTE_ACTIONS_GRAPH_REGISTRATION_H_
#define RIPOSTE_ACTIONS_GRAPH_REGISTRATION_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "actions/graph/graph_options.h"
#include "actions/registry.h"
#include "config/server_config.h"

namespace riposte::actions::graph {

// Registers the "graph" adapter kind. AlreadyExists if registered twice.
absl::Status RegisterGraphAdapter(ActionRegistry& registry);

// The options for `tenant`'s Graph (its cloud's endpoints as the config
// resolved them), with the client secret read from where the config says.
// Errors name the field under "tenants.<id>.graph": the secret's read
// error (NotFound, PermissionDenied...) or InvalidArgument from
// ValidateGraphOptions. Never contain the secret.
absl::StatusOr<GraphOptions> GraphOptionsFromConfig(
    const config::TenantConfig& tenant, absl::Duration call_timeout);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_REGISTRATION_H_
