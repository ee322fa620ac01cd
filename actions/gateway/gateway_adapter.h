#ifndef RIPOSTE_ACTIONS_GATEWAY_GATEWAY_ADAPTER_H_
#define RIPOSTE_ACTIONS_GATEWAY_GATEWAY_ADAPTER_H_

// Quarantine and release at a Mimecast API 2.0 style email security
// gateway. Only quarantine_email is supported; everything else is
// Unimplemented.
//
// Apply, for an email with internet_message_id:
//   in transit   look the message up in the hold queue
//                (/api/gateway/get-hold-message-list). Held: Riposte keeps
//                it held and records the hold ids (kApplied, "held at
//                gateway"). Not held (delivered meanwhile): remediate.
//   delivered    remediate: /api/ttp/remediation/create pulls the message
//                out of the mailboxes into the gateway's quarantine.
// A retried Apply whose memo already records a remediation does not
// remediate again (kAlreadyApplied).
//
// Revert releases: /api/gateway/hold-release for each hold, or
// /api/ttp/remediation/restore for a remediation. A failed item saying the
// message is no longer held, already released or restored, or not found
// counts as already reverted.
//
// Status codes follow actions/action_executor.h and
// actions/common/http_status.h; failed items under HTTP 200 are
// InvalidArgument unless an error is retryable or about throttling
// (Unavailable). Messages and details never contain the client secret or
// tokens.
//
// Memo (JSON):
//   {"v":1,"action":"quarantine_email","message_id":"<...>",
//    "mode":"held","hold_ids":["..."]}
//   {"v":1,"action":"quarantine_email","message_id":"<...>",
//    "mode":"remediated","remediation_id":"..."}
//   {"v":1,"action":"quarantine_email","message_id":"<...>",
//    "mode":"remediating","remediation_id":""}
// The last is checkpointed just before the remediation request; a retried
// Apply that finds it asks again. remediation_id is empty when the gateway
// said the message was already remediated by someone else; Revert then
// fails with FailedPrecondition, as it does for "remediating", since there
// is nothing Riposte can restore by id.
//
// Thread-safe.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actions/action_executor.h"
#include "actions/gateway/gateway_client.h"
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

 private:
  absl::StatusOr<ActionResult> Quarantine(const ActionRequest& request);
  absl::StatusOr<ActionResult> Release(const ActionRequest& request);
  absl::StatusOr<ActionResult> Finish(absl::string_view phase,
                                      const ActionRequest& request,
                                      absl::StatusOr<ActionResult> result);

  const GatewayOptions options_;
  const absl::Status valid_;
  GatewayClient client_;
};

}  // namespace riposte::actions::gateway

#endif  // RIPOSTE_ACTIONS_GATEWAY_GATEWAY_ADAPTER_H_
