#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_ADAPTER_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_ADAPTER_H_

// Carries out actions in one Microsoft 365 tenant through Microsoft Graph
// with app-only (client credentials) authentication.
//
//   action            target   Apply                         Revert
//   force_logout      user     revokeSignInSessions          Unimplemented
//   disable_user      user     accountEnabled=false          re-enable
//   quarantine_email  email    move to the quarantine folder move back
//   move_to_junk      email    move to junkemail             move back
//   strip_attachment  email    delete attachments            Unimplemented
//
// Anything else is Unimplemented. Every call is idempotent: Apply reads the
// target's state first and answers kAlreadyApplied when there is nothing
// to do; Revert answers kAlreadyReverted when someone else undid the
// effect already, and never undoes what Riposte did not do (an account
// disabled, or a message quarantined, before Riposte acted stays so).
//
// Status codes follow actions/action_executor.h: Graph 429 is
// ResourceExhausted and 5xx Unavailable (both carrying Retry-After when
// Graph sends it), a rejected token is refreshed and the call retried once,
// a refused client secret is PermissionDenied. Messages and details never
// contain the client secret or tokens.
//
// Details (JSON) name the action, target, what changed and every Graph
// call with its request-id. Memos are JSON with "v":1; see
// graph_user_actions.cc (disable_user), graph_mail_actions.cc (moves) and
// graph_attachment_actions.cc (strip_attachment). Apply checkpoints its
// memo (ActionRequest::checkpoint) right before changing anything, so a
// retry after a crash mid-change still knows the target's prior state
// (enabled, original folders, what was removed), and stops without acting
// if the checkpoint is refused. Revert never checkpoints.
//
// Thread-safe.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actions/action_executor.h"
#include "actions/common/guid.h"
#include "actions/graph/graph_client.h"
#include "actions/graph/graph_options.h"
#include "common/clock.h"
#include "http/http_client.h"

namespace riposte::actions::graph {

class GraphAdapter : public ActionExecutor {
 public:
  // `http` and `clock` are not owned and must outlive the adapter. `guids`
  // makes client-request-ids (common::RandomGuidSource() in production).
  // Invalid options (see ValidateGraphOptions) make every call fail with
  // FailedPrecondition.
  GraphAdapter(GraphOptions options, http::HttpClient* http,
               const Clock* clock, common::GuidSource guids);

  absl::string_view name() const override { return "graph"; }
  absl::StatusOr<ActionResult> Apply(const ActionRequest& request) override;
  absl::StatusOr<ActionResult> Revert(const ActionRequest& request) override;

 private:
  absl::StatusOr<ActionResult> Finish(absl::string_view phase,
                                      const ActionRequest& request,
                                      absl::StatusOr<ActionResult> result);

  const GraphOptions options_;
  const absl::Status valid_;
  GraphClient client_;
};

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_ADAPTER_H_
