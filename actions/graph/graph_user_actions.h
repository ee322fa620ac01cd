#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_USER_ACTIONS_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_USER_ACTIONS_H_

// force_logout and disable_user through Microsoft Graph. Internal to
// //actions/graph:graph_adapter; see graph_adapter.h for the contract.

#include "absl/status/statusor.h"
#include "actions/action_executor.h"
#include "actions/graph/graph_client.h"

namespace riposte::actions::graph {

// POST /users/{id}/revokeSignInSessions.
absl::StatusOr<ActionResult> ForceLogout(GraphClient& client,
                                         const ActionRequest& request);

// Reads accountEnabled, then PATCHes it to false unless it already is.
absl::StatusOr<ActionResult> DisableUser(GraphClient& client,
                                         const ActionRequest& request);

// Re-enables an account Riposte disabled, unless it was disabled before
// Riposte acted or someone re-enabled it already.
absl::StatusOr<ActionResult> ReenableUser(GraphClient& client,
                                          const ActionRequest& request);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_USER_ACTIONS_H_
