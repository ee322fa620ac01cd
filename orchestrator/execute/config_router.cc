#include "orchestrator/execute/config_router.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "actions/common/guid.h"
#include "actions/gateway/gateway_adapter.h"
#include "actions/graph/graph_adapter.h"
#include "config/secret.h"
#include "orchestrator/execute/webhook_factory.h"

namespace riposte::execute {
namespace {

absl::StatusOr<std::string> Secret(const config::SecretRef& ref,
                                   const std::string& where) {
  auto value = config::ReadSecret(ref);
  if (!value.ok()) {
    return absl::Status(value.status().code(),
                        absl::StrCat(where, ": ", value.status().message()));
  }
  return value;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConfigRouter>> ConfigRouter::Create(
    const std::vector<config::TenantConfig>& tenants,
    absl::Duration call_timeout, http::HttpClient* http, const Clock* clock) {
  auto router = std::unique_ptr<ConfigRouter>(new ConfigRouter());
  for (const auto& t : tenants) {
    TenantAdapters& adapters = router->tenants_[t.id];
    adapters.routes = t.routes;
    if (t.graph.enabled) {
      actions::graph::GraphOptions o;
      o.directory_tenant = t.graph.directory_tenant;
      o.client_id = t.graph.client_id;
      auto secret = Secret(t.graph.client_secret,
                           absl::StrCat("tenants.", t.id, ".graph.client_secret"));
      if (!secret.ok()) return secret.status();
      o.client_secret = *std::move(secret);
      o.login_base_url = t.graph.login_base_url;
      o.graph_base_url = t.graph.graph_base_url;
      o.quarantine_folder = t.graph.quarantine_folder;
      o.call_timeout = call_timeout;
      absl::Status valid = actions::graph::ValidateGraphOptions(o);
      if (!valid.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("tenants.", t.id, ".graph: ", valid.message()));
      }
      adapters.by_name["graph"] = std::make_unique<actions::graph::GraphAdapter>(
          std::move(o), http, clock, actions::common::RandomGuidSource());
    }
    if (t.gateway.enabled) {
      actions::gateway::GatewayOptions o;
      o.base_url = t.gateway.base_url;
      o.client_id = t.gateway.client_id;
      auto secret =
          Secret(t.gateway.client_secret,
                 absl::StrCat("tenants.", t.id, ".gateway.client_secret"));
      if (!secret.ok()) return secret.status();
      o.client_secret = *std::move(secret);
      o.call_timeout = call_timeout;
      absl::Status valid = actions::gateway::ValidateGatewayOptions(o);
      if (!valid.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("tenants.", t.id, ".gateway: ", valid.message()));
      }
      adapters.by_name["gateway"] =
          std::make_unique<actions::gateway::GatewayAdapter>(std::move(o), http,
                                                             clock);
    }
    for (const auto& w : t.webhooks) {
      auto adapter = MakeWebhookAdapter(t.id, w, call_timeout, http, clock);
      if (!adapter.ok()) return adapter.status();
      adapters.by_name[absl::StrCat("webhook:", w.name)] = *std::move(adapter);
    }
  }
  return router;
}

absl::StatusOr<actions::ActionExecutor*> ConfigRouter::Route(
    absl::string_view tenant, absl::string_view action,
    const v1::Entity& target) {
  auto t = tenants_.find(tenant);
  if (t == tenants_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("tenant ", tenant, " is not configured"));
  }
  const TenantAdapters& adapters = t->second;
  std::string name;
  if (auto r = adapters.routes.find(std::string(action));
      r != adapters.routes.end()) {
    name = r->second;
  } else if (action == "quarantine_email" && target.has_email() &&
             target.email().in_transit() && adapters.by_name.count("gateway")) {
    name = "gateway";
  } else {
    name = "graph";
  }
  auto a = adapters.by_name.find(name);
  if (a == adapters.by_name.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no adapter for ", action, " in tenant ", tenant, ": ",
                     name, " is not configured (see docs/CONNECTING.md)"));
  }
  return a->second.get();
}

std::vector<std::string> ConfigRouter::Describe() const {
  std::vector<std::string> out;
  for (const auto& [tenant, adapters] : tenants_) {
    std::vector<std::string> names;
    for (const auto& [name, a] : adapters.by_name) names.push_back(name);
    out.push_back(absl::StrCat(tenant, ": ",
                               names.empty() ? "(none)" : absl::StrJoin(names, ", ")));
  }
  return out;
}

}  // namespace riposte::execute
