#ifndef RIPOSTE_ACTIONS_WEBHOOK_REGISTRATION_H_
#define RIPOSTE_ACTIONS_WEBHOOK_REGISTRATION_H_

#include "absl/status/status.h"
#include "actions/registry.h"

namespace riposte::actions::webhook {

// Registers the "webhook" adapter kind. AlreadyExists if registered twice.
absl::Status RegisterWebhookAdapter(ActionRegistry& registry);

}  // namespace riposte::actions::webhook

#endif  // RIPOSTE_ACTIONS_WEBHOOK_REGISTRATION_H_
