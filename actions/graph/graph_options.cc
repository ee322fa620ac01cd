#include "actions/graph/graph_options.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace riposte::actions::graph {
namespace {

// The endpoints Microsoft documents for each cloud
// (learn.microsoft.com/graph/deployments). Both US Government clouds sign
// in at login.microsoftonline.us; only their Graph hosts differ.
constexpr GraphCloud kClouds[] = {
    {"global", "Microsoft global service", "https://login.microsoftonline.com",
     "https://graph.microsoft.com/v1.0", "https://graph.microsoft.com/.default"},
    {"usgov", "US Government L4 (GCC High)", "https://login.microsoftonline.us",
     "https://graph.microsoft.us/v1.0", "https://graph.microsoft.us/.default"},
    {"usgov-dod", "US Government L5 (DoD)", "https://login.microsoftonline.us",
     "https://dod-graph.microsoft.us/v1.0",
     "https://dod-graph.microsoft.us/.default"},
    {"china", "China, operated by 21Vianet", "https://login.chinacloudapi.cn",
     "https://microsoftgraph.chinacloudapi.cn/v1.0",
     "https://microsoftgraph.chinacloudapi.cn/.default"},
};

bool IsLoopbackHttp(absl::string_view url) {
  return absl::StartsWith(url, "http://127.0.0.1") ||
         absl::StartsWith(url, "http://localhost") ||
         absl::StartsWith(url, "http://[::1]");
}

absl::Status CheckBaseUrl(absl::string_view field, absl::string_view url) {
  if (absl::StartsWith(url, "https://") && url.size() > 8) return absl::OkStatus();
  if (IsLoopbackHttp(url)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "graph option ", field, ": must be an https:// URL, got \"", url, "\""));
}

}  // namespace

absl::Span<const GraphCloud> GraphClouds() { return kClouds; }

const GraphCloud* FindGraphCloud(absl::string_view name) {
  for (const GraphCloud& cloud : kClouds) {
    if (cloud.name == name) return &cloud;
  }
  return nullptr;
}

std::string GraphCloudNames() {
  return absl::StrJoin(kClouds, ", ",
                       [](std::string* out, const GraphCloud& cloud) {
                         out->append(cloud.name.data(), cloud.name.size());
                       });
}

GraphOptions GraphOptionsForCloud(const GraphCloud& cloud) {
  GraphOptions options;
  options.login_base_url = std::string(cloud.login_base_url);
  options.graph_base_url = std::string(cloud.graph_base_url);
  options.scope = std::string(cloud.scope);
  return options;
}

std::string CheckClientCredentialsScope(absl::string_view scope) {
  constexpr absl::string_view kSuffix = "/.default";
  for (char c : scope) {
    if (absl::ascii_isspace(c) || absl::ascii_iscntrl(c)) {
      return "must be one scope, without spaces";
    }
  }
  if (!absl::EndsWith(scope, kSuffix) || scope.size() == kSuffix.size()) {
    return absl::StrCat(
        "must be the Graph resource followed by /.default (the client "
        "credentials flow asks for every granted permission at once), e.g. "
        "https://graph.microsoft.us/.default; got \"",
        scope, "\"");
  }
  return "";
}

absl::Status ValidateGraphOptions(const GraphOptions& options) {
  if (options.directory_tenant.empty()) {
    return absl::InvalidArgumentError("graph option directory_tenant: empty");
  }
  if (options.client_id.empty()) {
    return absl::InvalidArgumentError("graph option client_id: empty");
  }
  if (options.client_secret.empty()) {
    return absl::InvalidArgumentError("graph option client_secret: empty");
  }
  if (absl::Status s = CheckBaseUrl("login_base_url", options.login_base_url); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckBaseUrl("graph_base_url", options.graph_base_url); !s.ok()) {
    return s;
  }
  if (std::string problem = CheckClientCredentialsScope(options.scope);
      !problem.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("graph option scope: ", problem));
  }
  if (options.quarantine_folder.empty()) {
    return absl::InvalidArgumentError("graph option quarantine_folder: empty");
  }
  if (options.call_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("graph option call_timeout: must be positive");
  }
  if (options.max_attachment_hash_bytes < 0) {
    return absl::InvalidArgumentError(
        "graph option max_attachment_hash_bytes: must not be negative");
  }
  if (options.batch_window < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "graph option batch_window: must not be negative");
  }
  if (options.max_batch_requests < 1 || options.max_batch_requests > 20) {
    return absl::InvalidArgumentError(
        "graph option max_batch_requests: must be from 1 to 20 (Graph's limit)");
  }
  if (options.mailbox_concurrency < 1 || options.mailbox_concurrency > 4) {
    return absl::InvalidArgumentError(
        "graph option mailbox_concurrency: must be from 1 to 4 (Outlook's "
        "limit per app per mailbox)");
  }
  return absl::OkStatus();
}

}  // namespace riposte::actions::graph
