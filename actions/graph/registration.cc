#include "actions/graph/registration.h"

#include "absl/strings/str_cat.h"
#include "actions/common/guid.h"
#include "actions/graph/graph_adapter.h"
#include "config/secret.h"

namespace riposte::actions::graph {

absl::StatusOr<GraphOptions> GraphOptionsFromConfig(
    const config::TenantConfig& t, absl::Duration call_timeout) {
  const std::string where = absl::StrCat("tenants.", t.id, ".graph");
  GraphOptions o;
  o.directory_tenant = t.graph.directory_tenant;
  o.client_id = t.graph.client_id;
  auto secret = config::ReadSecret(t.graph.client_secret);
  if (!secret.ok()) {
    return absl::Status(secret.status().code(),
                        absl::StrCat(where, ".client_secret: ",
                                     secret.status().message()));
  }
  o.client_secret = *std::move(secret);
  o.login_base_url = t.graph.login_base_url;
  o.graph_base_url = t.graph.graph_base_url;
  o.scope = t.graph.scope;
  o.quarantine_folder = t.graph.quarantine_folder;
  o.batch_window = t.graph.batch_window;
  o.max_batch_requests = static_cast<int>(t.graph.max_batch_requests);
  o.mailbox_concurrency = static_cast<int>(t.graph.mailbox_concurrency);
  o.call_timeout = call_timeout;
  if (absl::Status v = ValidateGraphOptions(o); !v.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", v.message()));
  }
  return o;
}

absl::Status RegisterGraphAdapter(ActionRegistry& registry) {
  return registry.Register(
      "graph",
      [](const config::TenantConfig& t, const AdapterContext& ctx)
          -> absl::StatusOr<std::vector<NamedAdapter>> {
        std::vector<NamedAdapter> out;
        if (!t.graph.enabled) return out;
        absl::StatusOr<GraphOptions> o =
            GraphOptionsFromConfig(t, ctx.call_timeout);
        if (!o.ok()) return o.status();
        out.emplace_back("graph", std::make_unique<GraphAdapter>(
                                      *std::move(o), ctx.http, ctx.clock,
                                      common::RandomGuidSource()));
        return out;
      });
}

}  // namespace riposte::actions::graph
