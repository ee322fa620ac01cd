#include "orchestrator/execute/config_router.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "actions/gateway/registration.h"
#include "actions/graph/registration.h"
#include "actions/webhook/registration.h"

namespace riposte::execute {

absl::StatusOr<actions::ActionRegistry> ConfigRouter::BuiltinRegistry() {
  actions::ActionRegistry registry;
  for (absl::Status s : {actions::graph::RegisterGraphAdapter(registry),
                         actions::gateway::RegisterGatewayAdapter(registry),
                         actions::webhook::RegisterWebhookAdapter(registry)}) {
    if (!s.ok()) return absl::InternalError(s.message());
  }
  return registry;
}

absl::StatusOr<std::unique_ptr<ConfigRouter>> ConfigRouter::Create(
    const actions::ActionRegistry& registry,
    const std::vector<config::TenantConfig>& tenants,
    const actions::AdapterContext& context) {
  auto router = std::unique_ptr<ConfigRouter>(new ConfigRouter());
  for (const auto& t : tenants) {
    TenantAdapters& adapters = router->tenants_[t.id];
    adapters.routes = t.routes;
    for (const auto& [kind, factory] : registry.factories()) {
      auto built = factory(t, context);
      if (!built.ok()) return built.status();
      for (auto& [name, adapter] : *built) {
        if (!adapters.by_name.emplace(name, std::move(adapter)).second) {
          return absl::InvalidArgumentError(absl::StrCat(
              "tenants.", t.id, ": two adapters are named \"", name, "\""));
        }
      }
    }
  }
  return router;
}

std::string ConfigRouter::AdapterName(const TenantAdapters& adapters,
                                      absl::string_view action,
                                      const v1::Entity& target) {
  if (auto r = adapters.routes.find(std::string(action));
      r != adapters.routes.end()) {
    return r->second;
  }
  if (action == "quarantine_email" && target.has_email() &&
      target.email().in_transit() && adapters.by_name.count("gateway")) {
    return "gateway";
  }
  return "graph";
}

const actions::ActionExecutor* ConfigRouter::Find(absl::string_view tenant,
                                                  absl::string_view action,
                                                  const v1::Entity& target) const {
  auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return nullptr;
  auto a = t->second.by_name.find(AdapterName(t->second, action, target));
  return a == t->second.by_name.end() ? nullptr : a->second.get();
}

absl::StatusOr<actions::ActionExecutor*> ConfigRouter::Route(
    absl::string_view tenant, absl::string_view action,
    const v1::Entity& target) {
  auto t = tenants_.find(tenant);
  if (t == tenants_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("tenant ", tenant, " is not configured"));
  }
  const std::string name = AdapterName(t->second, action, target);
  auto a = t->second.by_name.find(name);
  if (a == t->second.by_name.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no adapter for ", action, " in tenant ", tenant, ": ",
                     name, " is not configured (see docs/CONNECTING.md)"));
  }
  return a->second.get();
}

std::vector<std::string> ConfigRouter::ExpiryWarnings(
    const std::vector<config::TenantConfig>& tenants,
    const policies::Policy& policy) {
  std::vector<std::string> out;
  for (size_t i = 0; i < tenants.size(); ++i) {
    for (const auto& [action, adapter] : tenants[i].routes) {
      if (adapter != "gateway" || actions::gateway::GatewayCanUndo()) continue;
      for (const policies::Rule& rule : policy.rules) {
        if (!rule.duration.has_value() ||
            std::find(rule.ladder.begin(), rule.ladder.end(), action) ==
                rule.ladder.end()) {
          continue;
        }
        out.push_back(absl::StrCat(
            "tenants[", i, "].routes.", action, ": the gateway cannot undo ",
            action, ", so rule ", rule.name, " (", rule.file, ":", rule.line,
            ") has no expiry in tenant ", tenants[i].id, ": its duration ",
            absl::FormatDuration(*rule.duration),
            " does not apply there, and its runs end done"));
      }
    }
  }
  return out;
}

bool ConfigRouter::CanUndo(absl::string_view tenant, absl::string_view action,
                           const v1::Entity& target) const {
  const actions::ActionExecutor* adapter = Find(tenant, action, target);
  // Nothing configured: the run will fail for want of an adapter, and the
  // decision keeps what the catalog says.
  return adapter == nullptr || adapter->CanUndo(action, target);
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
