#ifndef RIPOSTE_ACTIONS_GATEWAY_REGISTRATION_H_
#define RIPOSTE_ACTIONS_GATEWAY_REGISTRATION_H_

#include "absl/status/status.h"
#include "actions/registry.h"

namespace riposte::actions::gateway {

// Registers the "gateway" adapter kind. AlreadyExists if registered twice.
absl::Status RegisterGatewayAdapter(ActionRegistry& registry);

// Whether Riposte can undo what the gateway adapter does: never (the
// gateway's API remediates but restores nothing; see GatewayAdapter).
// For checks made before any adapter is built.
inline bool GatewayCanUndo() { return false; }

}  // namespace riposte::actions::gateway

#endif  // RIPOSTE_ACTIONS_GATEWAY_REGISTRATION_H_
