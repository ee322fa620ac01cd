#include "actions/gateway/remediation_incidents.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/json.h"
#include "common/status_macros.h"

namespace riposte::actions::gateway {
namespace {

// Counts are documented as numbers; accept digits in a string as well.
int64_t Count(const common::JsonValue& data, absl::string_view key) {
  const common::JsonValue* v = data.Find(key);
  if (v == nullptr) return 0;
  if (v->is_number()) return v->AsInt64().value_or(0);
  int64_t n = 0;
  if (v->is_string() && absl::SimpleAtoi(v->string_value(), &n)) return n;
  return 0;
}

bool MeansNoSuchIncident(const std::vector<GatewayFailure>& fail) {
  for (const GatewayFailure& f : fail) {
    for (const GatewayError& e : f.errors) {
      const std::string text =
          absl::AsciiStrToLower(absl::StrCat(e.code, " ", e.message));
      if (absl::StrContains(text, "not_found") || absl::StrContains(text, "not found")) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool RemediationIncident::InEffect() const {
  if (absl::AsciiStrToLower(type) == "restored") return false;
  return !(restored > 0 && restored >= successful);
}

std::string RemediationIncident::Json() const {
  return JsonObjectWriter()
      .Add("id", id)
      .Add("code", code)
      .Add("type", type)
      .AddInt("identified", identified)
      .AddInt("successful", successful)
      .AddInt("failed", failed)
      .AddInt("restored", restored)
      .Finish();
}

std::optional<RemediationIncident> ParseIncident(const common::JsonValue& data) {
  RemediationIncident incident;
  incident.id = data.GetString("id").value_or("");
  if (incident.id.empty()) return std::nullopt;
  incident.code = data.GetString("code").value_or("");
  incident.type = data.GetString("type").value_or("");
  incident.reason = data.GetString("reason").value_or("");
  if (const common::JsonValue* criteria = data.Find("searchCriteria");
      criteria != nullptr) {
    incident.message_id = criteria->GetString("messageId").value_or("");
  }
  incident.identified = Count(data, "identified");
  incident.successful = Count(data, "successful");
  incident.failed = Count(data, "failed");
  incident.restored = Count(data, "restored");
  return incident;
}

std::string RemediationReason(absl::string_view message_id) {
  return absl::StrCat("Riposte quarantine_email ", message_id);
}

absl::StatusOr<std::optional<RemediationIncident>> FindIncidentInEffect(
    GatewayClient& client, absl::string_view reason, absl::string_view message_id,
    std::vector<GatewayCall>* calls) {
  JsonArrayWriter search;
  search.AddRaw(
      JsonObjectWriter().Add("fieldName", "reason").Add("value", reason).Finish());
  const std::string item = JsonObjectWriter().AddRaw("searchBy", search.Finish()).Finish();
  RIPOSTE_ASSIGN_OR_RETURN(GatewayReply reply, client.Post(kRemediationFind, {item}, calls));
  if (!reply.fail.empty()) return FailureStatus(kRemediationFind, reply.fail);
  for (const common::JsonValue& data : reply.data) {
    std::optional<RemediationIncident> incident = ParseIncident(data);
    // The search may match more loosely than we do.
    if (!incident.has_value() || incident->reason != reason) continue;
    if (!incident->message_id.empty() && incident->message_id != message_id) continue;
    if (incident->InEffect()) return incident;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<RemediationIncident>> GetIncident(
    GatewayClient& client, absl::string_view id, std::vector<GatewayCall>* calls) {
  RIPOSTE_ASSIGN_OR_RETURN(
      GatewayReply reply,
      client.Post(kRemediationGet, {JsonObjectWriter().Add("id", id).Finish()}, calls));
  if (!reply.fail.empty()) {
    if (MeansNoSuchIncident(reply.fail)) return std::nullopt;
    return FailureStatus(kRemediationGet, reply.fail);
  }
  for (const common::JsonValue& data : reply.data) {
    std::optional<RemediationIncident> incident = ParseIncident(data);
    if (incident.has_value() && incident->id == id) return incident;
  }
  return absl::UnavailableError(absl::StrCat(
      "POST ", kRemediationGet, ": the answer does not describe incident ", id));
}

std::string ConsoleRestoreSteps(absl::string_view code) {
  return absl::StrCat(
      "to restore the message, in the Mimecast Administration Console open "
      "Services | Threat Remediation, Incidents tab, open incident ",
      code.empty() ? "(see the gateway's incident list)" : code,
      ", select the removed messages and choose Restore");
}

}  // namespace riposte::actions::gateway
