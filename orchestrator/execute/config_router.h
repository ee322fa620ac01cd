#ifndef RIPOSTE_ORCHESTRATOR_EXECUTE_CONFIG_ROUTER_H_
#define RIPOSTE_ORCHESTRATOR_EXECUTE_CONFIG_ROUTER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "actions/action_executor.h"
#include "actions/registry.h"
#include "common/clock.h"
#include "config/server_config.h"
#include "http/http_client.h"
#include "orchestrator/execute/executor.h"
#include "policies/policy.h"

namespace riposte::execute {

// Builds each tenant's adapters through the registered adapter kinds
// (reading their secrets once, at start-up) and routes action runs to them:
// the tenant's
// `routes` first; otherwise force_logout, disable_user, move_to_junk and
// strip_attachment go to Graph, and quarantine_email goes to the gateway
// for a message still in transit (when a gateway is configured) and to
// Graph otherwise. Thread-safe after Create.
class ConfigRouter : public AdapterRouter {
 public:
  // Errors name the tenant and what is wrong, never a secret's value.
  static absl::StatusOr<std::unique_ptr<ConfigRouter>> Create(
      const actions::ActionRegistry& registry,
      const std::vector<config::TenantConfig>& tenants,
      const actions::AdapterContext& context);

  // A registry with every adapter kind Riposte ships (graph, gateway,
  // webhook). Internal if one registers twice.
  static absl::StatusOr<actions::ActionRegistry> BuiltinRegistry();

  // Where `policy` gives an action a duration that a tenant's explicit route
  // sends to an adapter that cannot undo it (the gateway), one line each:
  // "tenants[0].routes.quarantine_email: ... rule R (file:line) ...". Such
  // runs are decided without an expiry; the lines say so before it
  // happens. Empty when there is nothing to say.
  static std::vector<std::string> ExpiryWarnings(
      const std::vector<config::TenantConfig>& tenants,
      const policies::Policy& policy);

  absl::StatusOr<actions::ActionExecutor*> Route(
      absl::string_view tenant, absl::string_view action,
      const v1::Entity& target) override;

  // "contoso: graph, gateway, webhook:soar" per tenant, for the start-up log.
  std::vector<std::string> Describe() const;

  // Whether the adapter `action` on `target` routes to in `tenant` can undo
  // it (true when none is configured: the catalog decides). Thread-safe.
  bool CanUndo(absl::string_view tenant, absl::string_view action,
               const v1::Entity& target) const;

 private:
  struct TenantAdapters {
    std::map<std::string, std::unique_ptr<actions::ActionExecutor>> by_name;
    std::map<std::string, std::string> routes;
  };
  // The name of the adapter `action` on `target` goes to.
  static std::string AdapterName(const TenantAdapters& adapters,
                                 absl::string_view action,
                                 const v1::Entity& target);
  // That adapter, or nullptr if the tenant or the adapter is not configured.
  const actions::ActionExecutor* Find(absl::string_view tenant,
                                      absl::string_view action,
                                      const v1::Entity& target) const;

  std::map<std::string, TenantAdapters, std::less<>> tenants_;
};

}  // namespace riposte::execute

#endif  // RIPOSTE_ORCHESTRATOR_EXECUTE_CONFIG_ROUTER_H_
