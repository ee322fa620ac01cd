#include "actions/graph/graph_options.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace riposte::actions::graph {
namespace {

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
  return absl::OkStatus();
}

}  // namespace riposte::actions::graph
