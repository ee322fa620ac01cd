#ifndef RIPOSTE_ACTIONS_REGISTRY_H_
#define RIPOSTE_ACTIONS_REGISTRY_H_

// Adapters register by kind ("graph", "gateway", "webhook") with one explicit
// Register...Adapter(ActionRegistry&) call each, made at start-up, so nothing
// depends on static initialisation order. For each tenant, each kind's
// factory builds the adapter instances the tenant's config asks for.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "actions/action_executor.h"
#include "common/clock.h"
#include "config/server_config.h"
#include "http/http_client.h"

namespace riposte::actions {

// What every adapter instance is built with. Pointers outlive the adapters.
struct AdapterContext {
  http::HttpClient* http = nullptr;
  const Clock* clock = nullptr;
  absl::Duration call_timeout = absl::Seconds(20);
};

// One adapter instance and the name runs are routed to it by ("graph",
// "gateway", "webhook:soar").
using NamedAdapter = std::pair<std::string, std::unique_ptr<ActionExecutor>>;

// Builds the instances of one kind that `tenant` configures (none if the
// tenant does not use that kind). Reads their secrets. Errors name the
// tenant and the config key, never a secret's value.
using AdapterFactory = std::function<absl::StatusOr<std::vector<NamedAdapter>>(
    const config::TenantConfig& tenant, const AdapterContext& context)>;

// Not thread-safe while registering; read-only afterwards.
class ActionRegistry {
 public:
  // AlreadyExists if `kind` is registered already.
  absl::Status Register(const std::string& kind, AdapterFactory factory);

  // Every registered factory, by kind.
  const std::map<std::string, AdapterFactory>& factories() const {
    return factories_;
  }

 private:
  std::map<std::string, AdapterFactory> factories_;
};

}  // namespace riposte::actions

#endif  // RIPOSTE_ACTIONS_REGISTRY_H_
