#include "actions/graph/graph_adapter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "actions/common/client_credentials.h"
#include "actions/graph/graph_attachment_actions.h"
#include "actions/graph/graph_mail_actions.h"
#include "actions/graph/graph_user_actions.h"
#include "common/log.h"

namespace riposte::actions::graph {

GraphAdapter::GraphAdapter(GraphOptions options, http::HttpClient* http,
                           const Clock* clock, common::GuidSource guids)
    : options_(std::move(options)),
      valid_(ValidateGraphOptions(options_)),
      client_(options_, http, clock, std::move(guids)) {}

absl::StatusOr<ActionResult> GraphAdapter::Apply(const ActionRequest& request) {
  if (!valid_.ok()) return absl::FailedPreconditionError(valid_.message());
  const std::string& action = request.action;
  absl::StatusOr<ActionResult> result;
  if (action == "force_logout") {
    result = ForceLogout(client_, request);
  } else if (action == "disable_user") {
    result = DisableUser(client_, request);
  } else if (action == "quarantine_email") {
    result = MoveEmail(client_, options_, request, MailDestination::kQuarantine);
  } else if (action == "move_to_junk") {
    result = MoveEmail(client_, options_, request, MailDestination::kJunk);
  } else if (action == "strip_attachment") {
    result = StripAttachments(client_, options_, request);
  } else {
    result = absl::UnimplementedError(
        absl::StrCat("graph adapter does not implement \"", action, "\""));
  }
  return Finish("apply", request, std::move(result));
}

absl::StatusOr<ActionResult> GraphAdapter::Revert(const ActionRequest& request) {
  if (!valid_.ok()) return absl::FailedPreconditionError(valid_.message());
  const std::string& action = request.action;
  absl::StatusOr<ActionResult> result;
  if (action == "disable_user") {
    result = ReenableUser(client_, request);
  } else if (action == "quarantine_email" || action == "move_to_junk") {
    result = MoveEmailBack(client_, request);
  } else if (action == "force_logout" || action == "strip_attachment") {
    result = absl::UnimplementedError(
        absl::StrCat(action, " cannot be undone"));
  } else {
    result = absl::UnimplementedError(
        absl::StrCat("graph adapter does not implement \"", action, "\""));
  }
  return Finish("revert", request, std::move(result));
}

absl::StatusOr<ActionResult> GraphAdapter::Finish(
    absl::string_view phase, const ActionRequest& request,
    absl::StatusOr<ActionResult> result) {
  if (!result.ok()) {
    absl::Status status =
        common::RedactSecret(result.status(), options_.client_secret);
    log::Warn("graph action failed", {{"action", request.action},
                                      {"phase", phase},
                                      {"run", request.run_id},
                                      {"status", status}});
    return status;
  }
  log::Info("graph action done", {{"action", request.action},
                                  {"phase", phase},
                                  {"run", request.run_id},
                                  {"outcome", OutcomeName(result->outcome)}});
  return result;
}

}  // namespace riposte::actions::graph
