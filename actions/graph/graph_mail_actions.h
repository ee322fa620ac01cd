#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_MAIL_ACTIONS_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_MAIL_ACTIONS_H_

// quarantine_email and move_to_junk through Microsoft Graph: move every
// copy of a message to a folder, and move them back. Internal to
// //actions/graph:graph_adapter; see graph_adapter.h for the contract.

#include "absl/status/statusor.h"
#include "actions/action_executor.h"
#include "actions/graph/graph_client.h"
#include "actions/graph/graph_options.h"

namespace riposte::actions::graph {

enum class MailDestination {
  kQuarantine,  // the options' quarantine folder, created on demand
  kJunk,        // the well-known junkemail folder
};

absl::StatusOr<ActionResult> MoveEmail(GraphClient& client,
                                       const GraphOptions& options,
                                       const ActionRequest& request,
                                       MailDestination destination);

absl::StatusOr<ActionResult> MoveEmailBack(GraphClient& client,
                                           const ActionRequest& request);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_MAIL_ACTIONS_H_
