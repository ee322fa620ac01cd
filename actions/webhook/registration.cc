#include "actions/webhook/registration.h"

#include "absl/strings/str_cat.h"
#include "actions/webhook/webhook_adapter.h"
#include "config/secret.h"

namespace riposte::actions::webhook {

absl::Status RegisterWebhookAdapter(ActionRegistry& registry) {
  return registry.Register(
      "webhook",
      [](const config::TenantConfig& t, const AdapterContext& ctx)
          -> absl::StatusOr<std::vector<NamedAdapter>> {
        std::vector<NamedAdapter> out;
        for (const auto& w : t.webhooks) {
          const std::string where =
              absl::StrCat("tenants.", t.id, ".webhooks.", w.name);
          WebhookOptions o;
          o.name = w.name;
          o.method = w.method;
          o.url = w.url;
          o.headers = w.headers;
          o.body_template = w.body_template;
          o.success_codes = w.success_codes;
          o.signature_header = w.signature_header;
          o.revert = w.revert;
          o.call_timeout = ctx.call_timeout;
          if (!w.hmac_secret.empty()) {
            auto secret = config::ReadSecret(w.hmac_secret);
            if (!secret.ok()) {
              return absl::Status(secret.status().code(),
                                  absl::StrCat(where, ".hmac_secret: ",
                                               secret.status().message()));
            }
            o.hmac_secret = *std::move(secret);
          }
          if (absl::Status v = ValidateWebhookOptions(o); !v.ok()) {
            return absl::InvalidArgumentError(
                absl::StrCat(where, ": ", v.message()));
          }
          out.emplace_back(absl::StrCat("webhook:", w.name),
                           std::make_unique<WebhookAdapter>(std::move(o),
                                                            ctx.http, ctx.clock));
        }
        return out;
      });
}

}  // namespace riposte::actions::webhook
