#include "orchestrator/execute/webhook_factory.h"

#include "absl/strings/str_cat.h"
#include "actions/webhook/webhook_adapter.h"
#include "config/secret.h"

namespace riposte::execute {

absl::StatusOr<std::unique_ptr<actions::ActionExecutor>> MakeWebhookAdapter(
    const std::string& tenant, const config::WebhookConfig& config,
    absl::Duration call_timeout, http::HttpClient* http, const Clock* clock) {
  const std::string where =
      absl::StrCat("tenants.", tenant, ".webhooks.", config.name);
  actions::webhook::WebhookOptions o;
  o.name = config.name;
  o.method = config.method;
  o.url = config.url;
  o.headers = config.headers;
  o.body_template = config.body_template;
  o.success_codes = config.success_codes;
  o.signature_header = config.signature_header;
  o.revert = config.revert;
  o.call_timeout = call_timeout;
  if (!config.hmac_secret.empty()) {
    auto secret = config::ReadSecret(config.hmac_secret);
    if (!secret.ok()) {
      return absl::Status(secret.status().code(),
                          absl::StrCat(where, ".hmac_secret: ",
                                       secret.status().message()));
    }
    o.hmac_secret = *std::move(secret);
  }
  absl::Status valid = actions::webhook::ValidateWebhookOptions(o);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", valid.message()));
  }
  return std::unique_ptr<actions::ActionExecutor>(
      new actions::webhook::WebhookAdapter(std::move(o), http, clock));
}

}  // namespace riposte::execute
