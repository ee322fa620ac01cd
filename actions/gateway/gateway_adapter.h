#ifndef RIPOSTE_ACTIONS_GATEWAY_GATEWAY_ADAPTER_H_
#define RIPOSTE_ACTIONS_GATEWAY_GATEWAY_ADAPTER_H_

// Quarantine at a Mimecast API 2.0 style email security gateway, and the
// truth about undoing it. Only quarantine_email is supported; everything
// else is Unimplemented.
//
// Apply, for an email with internet_message_id:
//   in transit   look the message up in the hold queue
//                (/api/gateway/get-hold-message-list). Held: the gateway's
//                own policy holds it; Riposte keeps it so, records the hold
//                ids with held_before=true and changes nothing
//                (kAlreadyApplied). Not held (delivered meanwhile):
//                remediate.
//   delivered    remediate: one threat remediation incident per message
//                (/api/ttp/remediation/create, searchBy messageId), which
//                pulls every recipient's copy out of the mailboxes. Its
//                reason is RemediationReason(message id), the same for
//                every run, so before creating, Apply looks for an incident
//                in effect with that reason (find-incidents) and adopts it:
//                a retry after a lost answer or a crash, and the runs for
//                the message's other recipients, never create a second one
//                (a run that races another and is refused "no messages"
//                looks again and adopts the winner's).
//                The memo is checkpointed ("remediating") just before the
//                create, and records the incident's id and code after it.
//
// Revert never releases what Riposte did not cause and never calls an
// undocumented endpoint:
//   held         the hold was the gateway's (Riposte cannot place one), so
//                nothing is released: kNothingToUndo with details
//                {"nothing_to_undo":true,"note":"nothing to undo: ..."}.
//   remediated   the API has no call to restore an incident. Revert reads
//                it (get-incident): restored in the console meanwhile ->
//                kAlreadyReverted; otherwise the effect stays:
//                kNothingToUndo with {"effect_stays":true,
//                "reversible":false,"note":<how to restore in the console>}.
//                No incident of Riposte's (someone else had remediated the
//                message) -> nothing to undo, as for a hold.
// Apply's details for a remediation say "reversible":false too, so that
// the executor can treat the run as done rather than active until expiry.
//
// Status codes follow actions/action_executor.h and
// actions/common/http_status.h; failed items under HTTP 200 are
// InvalidArgument unless an error is retryable or about throttling
// (Unavailable); a create answer that describes no incident is Unavailable
// (the retry adopts the incident if it was made). Messages and details
// never contain the client secret or tokens. Memo: gateway_memo.h.
//
// Thread-safe.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actions/action_executor.h"
#include "actions/gateway/gateway_client.h"
#include "actions/gateway/gateway_memo.h"
#include "common/clock.h"
#include "http/http_client.h"

namespace riposte::actions::gateway {

class GatewayAdapter : public ActionExecutor {
 public:
  // `http` and `clock` are not owned and must outlive the adapter. Invalid
  // options (see ValidateGatewayOptions) make every call fail with
  // FailedPrecondition.
  GatewayAdapter(GatewayOptions options, http::HttpClient* http,
                 const Clock* clock);

  absl::string_view name() const override { return "gateway"; }
  absl::StatusOr<ActionResult> Apply(const ActionRequest& request) override;
  absl::StatusOr<ActionResult> Revert(const ActionRequest& request) override;
  // Never: the gateway's API can remediate a message but not restore it
  // (an administrator does that in its console), and a hold Riposte finds
  // is the gateway's own.
  bool CanUndo(absl::string_view, const v1::Entity&) const override { return false; }

 private:
  absl::StatusOr<ActionResult> Quarantine(const ActionRequest& request);
  absl::StatusOr<ActionResult> Release(const ActionRequest& request);
  // Ids of the gateway's holds of `message_id`.
  absl::StatusOr<std::vector<std::string>> HeldIds(const std::string& message_id,
                                                   std::vector<GatewayCall>* calls);
  // Adopts the message's remediation incident in effect, or creates it.
  // `asked_before`: an earlier attempt of this run sent the create request.
  absl::StatusOr<ActionResult> Remediate(const ActionRequest& request, QuarantineMemo memo,
                                         bool asked_before,
                                         std::vector<GatewayCall>* calls);
  absl::StatusOr<ActionResult> Finish(absl::string_view phase,
                                      const ActionRequest& request,
                                      absl::StatusOr<ActionResult> result);

  const GatewayOptions options_;
  const absl::Status valid_;
  GatewayClient client_;
};

}  // namespace riposte::actions::gateway

#endif  // RIPOSTE_ACTIONS_GATEWAY_GATEWAY_ADAPTER_H_
