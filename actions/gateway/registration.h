#ifndef RIPOSTE_ACTIONS_GATEWAY_REGISTRATION_H_
#define RIPOSTE_ACTIONS_GATEWAY_REGISTRATION_H_

#include "absl/status/status.h"
#include "actions/registry.h"

namespace riposte::actions::gateway {

// Registers the "gateway" adapter kind. AlreadyExists if registered twice.
absl::Status RegisterGatewayAdapter(ActionRegistry& registry);

}  // namespace riposte::actions::gateway

#endif  // RIPOSTE_ACTIONS_GATEWAY_REGISTRATION_H_
