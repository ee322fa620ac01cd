#ifndef RIPOSTE_ACTIONS_GRAPH_REGISTRATION_H_
#define RIPOSTE_ACTIONS_GRAPH_REGISTRATION_H_

#include "absl/status/status.h"
#include "actions/registry.h"

namespace riposte::actions::graph {

// Registers the "graph" adapter kind. AlreadyExists if registered twice.
absl::Status RegisterGraphAdapter(ActionRegistry& registry);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_REGISTRATION_H_
