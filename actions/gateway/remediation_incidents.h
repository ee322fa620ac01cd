#ifndef RIPOSTE_ACTIONS_GATEWAY_REMEDIATION_INCIDENTS_H_
#define RIPOSTE_ACTIONS_GATEWAY_REMEDIATION_INCIDENTS_H_

// Threat remediation incidents at a Mimecast API 2.0 style gateway, as its
// reference documents them (/api/ttp/remediation/create, get-incident,
// find-incidents): an incident pulls every delivered copy of a message out
// of the recipients' mailboxes. It has a secure `id` (for get-incident) and
// a short `code` (what the Administration Console shows as "Incident ID").
// The API has no call that restores an incident; only the console does.
//
// Thread-safe (the client is).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actions/common/json_value.h"
#include "actions/gateway/gateway_client.h"

namespace riposte::actions::gateway {

struct RemediationIncident {
  std::string id;
  std::string code;
  std::string type;  // "manual", "automatic", "notify_only" or "restored"
  std::string reason;
  std::string message_id;  // searchCriteria.messageId; empty if not said
  int64_t identified = 0;
  int64_t successful = 0;
  int64_t failed = 0;
  int64_t restored = 0;

  // Whether the messages are still out of the mailboxes: not restored (an
  // administrator restores in the console, never Riposte).
  bool InEffect() const;
  // {"id","code","type","identified","successful","failed","restored"}
  std::string Json() const;
};

// Reads one incident of a create, get-incident or find-incidents answer.
// nullopt if it has no id.
std::optional<RemediationIncident> ParseIncident(const common::JsonValue& data);

// The reason Riposte gives every remediation of `message_id`: one incident
// per message, whichever recipient's run asked for it, found again by it.
std::string RemediationReason(absl::string_view message_id);

// find-incidents by reason; the first incident with exactly `reason` for
// `message_id` that is still in effect, if any. Errors as
// GatewayClient::Post, and failed items as FailureStatus.
absl::StatusOr<std::optional<RemediationIncident>> FindIncidentInEffect(
    GatewayClient& client, absl::string_view reason, absl::string_view message_id,
    std::vector<GatewayCall>* calls);

// get-incident. nullopt when the gateway says there is no such incident.
absl::StatusOr<std::optional<RemediationIncident>> GetIncident(
    GatewayClient& client, absl::string_view id, std::vector<GatewayCall>* calls);

// The endpoint paths, for callers' messages.
inline constexpr char kRemediationCreate[] = "/api/ttp/remediation/create";
inline constexpr char kRemediationGet[] = "/api/ttp/remediation/get-incident";
inline constexpr char kRemediationFind[] = "/api/ttp/remediation/find-incidents";

// What an operator does to restore incident `code`.
std::string ConsoleRestoreSteps(absl::string_view code);

}  // namespace riposte::actions::gateway

#endif  // RIPOSTE_ACTIONS_GATEWAY_REMEDIATION_INCIDENTS_H_
