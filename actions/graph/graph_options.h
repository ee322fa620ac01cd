#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_OPTIONS_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace riposte::actions::graph {

// Where one Microsoft cloud signs apps in and serves Graph. Clouds are
// isolated: an app is registered in one cloud's Entra ID, signs in at that
// cloud's login host and must ask for that cloud's Graph audience; Graph
// refuses a token minted for another cloud's audience.
struct GraphCloud {
  absl::string_view name;            // as written in config: "usgov"
  absl::string_view description;     // "US Government L4 (GCC High)"
  absl::string_view login_base_url;  // "https://login.microsoftonline.us"
  absl::string_view graph_base_url;  // "https://graph.microsoft.us/v1.0"
  // The client-credentials scope: the cloud's Graph audience + "/.default".
  absl::string_view scope;
};

// Every cloud Riposte knows, the global service first. Thread-safe (constant).
absl::Span<const GraphCloud> GraphClouds();

// The cloud called `name` (exact, lower case), or nullptr.
const GraphCloud* FindGraphCloud(absl::string_view name);

// "global, usgov, usgov-dod, china": for "allowed: ..." messages.
std::string GraphCloudNames();

// The global service: what GraphOptions and the config default to.
inline constexpr absl::string_view kGlobalCloud = "global";

// How to reach one tenant's Microsoft Graph. One GraphAdapter per tenant.
struct GraphOptions {
  // Entra ID tenant id (GUID) or a verified domain, e.g. "contoso.com".
  std::string directory_tenant;
  // The app registration's application (client) id.
  std::string client_id;
  // The app's client secret, already read by the caller (see
  // actions/common/secret_source.h). Never logged or put in messages.
  std::string client_secret;
  // The three below come from the tenant's cloud (see GraphClouds); the
  // defaults are the global service's. A test double overrides the URLs
  // and keeps the cloud's scope.
  std::string login_base_url = "https://login.microsoftonline.com";
  std::string graph_base_url = "https://graph.microsoft.com/v1.0";
  std::string scope = "https://graph.microsoft.com/.default";
  // Display name of the top-level mail folder quarantined messages go to;
  // created in each mailbox on first use.
  std::string quarantine_folder = "Riposte Quarantine";
  // Limit for each HTTP exchange (token requests included).
  absl::Duration call_timeout = absl::Seconds(20);
  // The hold on a throttled scope (a mailbox, the app's directory calls)
  // when Graph sends no Retry-After: doubles from `throttle_initial` with
  // each throttled answer in a row, up to `throttle_max`.
  absl::Duration throttle_initial = absl::Seconds(1);
  absl::Duration throttle_max = absl::Minutes(2);
  // strip_attachment downloads attachments to hash them; larger ones are
  // removed (when selected) without a hash.
  int64_t max_attachment_hash_bytes = 35 << 20;
  // Mail calls (the mailbox scope) sent by concurrent runs wait up to
  // `batch_window` for each other and go out together in JSON batches of
  // at most `max_batch_requests` (Graph allows 20). A zero window turns
  // batching off.
  absl::Duration batch_window = absl::Milliseconds(5);
  int max_batch_requests = 20;
  // Most requests in flight at once per mailbox (Outlook allows 4 per app
  // per mailbox and throttles the rest).
  int mailbox_concurrency = 4;
};

// Options with `cloud`'s login URL, Graph URL and scope; the rest default.
GraphOptions GraphOptionsForCloud(const GraphCloud& cloud);

// Why `scope` cannot be a client-credentials scope, or "" if it can: it
// must be one resource followed by "/.default", e.g.
// "https://graph.microsoft.us/.default".
std::string CheckClientCredentialsScope(absl::string_view scope);

// InvalidArgument naming the first bad field: empty tenant, client id or
// secret, base URLs that are not https:// (http:// is accepted for
// loopback test servers), a scope that is not "<resource>/.default", an
// empty folder name, a non-positive timeout.
absl::Status ValidateGraphOptions(const GraphOptions& options);

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_OPTIONS_H_
