#include "actions/gateway/registration.h"

#include "absl/strings/str_cat.h"
#include "actions/gateway/gateway_adapter.h"
#include "config/secret.h"

namespace riposte::actions::gateway {

absl::Status RegisterGatewayAdapter(ActionRegistry& registry) {
  return registry.Register(
      "gateway",
      [](const config::TenantConfig& t, const AdapterContext& ctx)
          -> absl::StatusOr<std::vector<NamedAdapter>> {
        std::vector<NamedAdapter> out;
        if (!t.gateway.enabled) return out;
        const std::string where = absl::StrCat("tenants.", t.id, ".gateway");
        GatewayOptions o;
        o.base_url = t.gateway.base_url;
        o.client_id = t.gateway.client_id;
        auto secret = config::ReadSecret(t.gateway.client_secret);
        if (!secret.ok()) {
          return absl::Status(secret.status().code(),
                              absl::StrCat(where, ".client_secret: ",
                                           secret.status().message()));
        }
        o.client_secret = *std::move(secret);
        o.call_timeout = ctx.call_timeout;
        if (absl::Status v = ValidateGatewayOptions(o); !v.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": ", v.message()));
        }
        out.emplace_back("gateway", std::make_unique<GatewayAdapter>(
                                        std::move(o), ctx.http, ctx.clock));
        return out;
      });
}

}  // namespace riposte::actions::gateway
