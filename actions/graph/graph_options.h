#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_OPTIONS_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace riposte::actions::graph {

// How to reach one tenant's Microsoft Graph. One GraphAdapter per tenant.
struct GraphOptions {
  // Entra ID tenant id (GUID) or a verified domain, e.g. "contoso.com".
  std::string directory_tenant;
  // The app registration's application (client) id.
  std::string client_id;
  // The app's client secret, already read by the caller (see
  // actions/common/secret_source.h). Never logged or put in messages.
  std::string client_secret;
  std::string login_base_url = "https://login.microsoftonline.com";
  std::string graph_base_url = "https://graph.microsoft.com/v1.0";
  // Display name of the top-level mail folder quarantined messages go to;
  // created in each mailbox on first use.
  std::string quarantine_folder = "Riposte Quarantine";
  // Limit for each HTTP exchange (token requests included).
  absl::Duration call_timeout = absl::Seconds(20);
  // strip_attachment downloads attachments to hash them; larger ones are
  // removed (when selected) without a hash.
  int64_t max_attachment_hash_bytes = 35 << 20;
};

// InvalidArgument naming the first bad field: empty tenant, client id or
// secret, base URLs that are not https:// (http:// is accepted for
// loopback test servers), an empty folder name, a non-positive timeout.
absl::Status ValidateGraphOptions(const GraphOptions& options);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_OPTIONS_H_
