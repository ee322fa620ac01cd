#ifndef RIPOSTE_ACTIONS_GATEWAY_GATEWAY_MEMO_H_
#define RIPOSTE_ACTIONS_GATEWAY_GATEWAY_MEMO_H_

// What the gateway adapter keeps with a quarantine_email run: what the
// gateway looked like before Riposte acted and what Riposte did, so that a
// retried Apply does not act twice and Revert undoes only Riposte's effect.
//
//   {"v":2,"action":"quarantine_email","message_id":"<...>",
//    "held_before":true,"mode":"held","hold_ids":["..."]}
//       the gateway held the message before Riposte looked; Riposte did
//       nothing and has nothing to release.
//   {"v":2,...,"held_before":false,"mode":"remediating","reason":"..."}
//       checkpointed just before asking for a remediation; a retry finds the
//       incident by `reason` instead of creating a second one.
//   {"v":2,...,"held_before":false,"mode":"remediated","reason":"...",
//    "incident_id":"...","incident_code":"...","adopted":false}
//       the remediation incident in effect for this message; `adopted` when
//       an earlier run (another recipient's) had created it. Empty ids: the
//       gateway found nothing left to remediate (someone else had).
//
// Version 1 memos (held or remediated, written before held_before existed)
// are still read: their holds were the gateway's too, since Riposte has no
// way to place one.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::actions::gateway {

struct QuarantineMemo {
  std::string message_id;
  std::string mode;  // "held", "remediating" or "remediated"
  bool held_before = false;
  std::vector<std::string> hold_ids;
  std::string reason;
  std::string incident_id;
  std::string incident_code;
  bool adopted = false;
};

std::string EncodeMemo(const QuarantineMemo& memo);

// InvalidArgument when `text` is not a memo this adapter wrote.
absl::StatusOr<QuarantineMemo> DecodeMemo(absl::string_view text);

}  // namespace riposte::actions::gateway

#endif  // RIPOSTE_ACTIONS_GATEWAY_GATEWAY_MEMO_H_
