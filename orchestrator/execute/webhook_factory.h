#ifndef RIPOSTE_ORCHESTRATOR_EXECUTE_WEBHOOK_FACTORY_H_
#define RIPOSTE_ORCHESTRATOR_EXECUTE_WEBHOOK_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "actions/action_executor.h"
#include "common/clock.h"
#include "config/server_config.h"
#include "http/http_client.h"

namespace riposte::execute {

// Builds a tenant's webhook adapter from its config, reading its HMAC secret.
absl::StatusOr<std::unique_ptr<actions::ActionExecutor>> MakeWebhookAdapter(
    const std::string& tenant, const config::WebhookConfig& config,
    absl::Duration call_timeout, http::HttpClient* http, const Clock* clock);

}  // namespace riposte::execute

#endif  // RIPOSTE_ORCHESTRATOR_EXECUTE_WEBHOOK_FACTORY_H_
