#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_ATTACHMENT_ACTIONS_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_ATTACHMENT_ACTIONS_H_

// strip_attachment through Microsoft Graph. Internal to
// //actions/graph:graph_adapter; see graph_adapter.h for the contract.

#include "absl/status/statusor.h"
#include "actions/action_executor.h"
#include "actions/graph/graph_client.h"
#include "actions/graph/graph_options.h"

namespace riposte::actions::graph {

absl::StatusOr<ActionResult> StripAttachments(GraphClient& client,
                                              const GraphOptions& options,
                                              const ActionRequest& request);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_ATTACHMENT_ACTIONS_H_
