#include "actions/gateway/gateway_adapter.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "actions/common/checkpoint.h"
#include "actions/common/client_credentials.h"
#include "actions/common/json_value.h"
#include "actions/gateway/remediation_incidents.h"
#include "common/json.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::actions::gateway {
namespace {

using Outcome = ActionResult::Outcome;

constexpr char kHoldList[] = "/api/gateway/get-hold-message-list";

bool MentionsAny(const GatewayFailure& failure,
                 std::initializer_list<absl::string_view> hints) {
  for (const GatewayError& e : failure.errors) {
    const std::string text =
        absl::AsciiStrToLower(absl::StrCat(e.code, " ", e.message));
    for (absl::string_view hint : hints) {
      if (absl::StrContains(text, hint)) return true;
    }
  }
  return false;
}

// The gateway found no copy left to remove: someone (an administrator, an
// automatic remediation) already took the message out of the mailboxes.
bool MeansNothingLeftToRemediate(const std::vector<GatewayFailure>& fail) {
  return fail.size() == 1 &&
         MentionsAny(fail[0], {"already_remediated", "already remediated",
                               "no_messages", "no messages"});
}

// Common members of every result's details.
JsonObjectWriter DetailsBase(absl::string_view phase, const QuarantineMemo& memo) {
  JsonObjectWriter w;
  w.Add("adapter", "gateway")
      .Add("action", "quarantine_email")
      .Add("phase", phase)
      .Add("message_id", memo.message_id)
      .Add("mode", memo.mode)
      .AddBool("held_before", memo.held_before);
  return w;
}

ActionResult Result(Outcome outcome, std::string memo, std::string details) {
  ActionResult result;
  result.outcome = outcome;
  result.memo = std::move(memo);
  result.details = std::move(details);
  return result;
}

// Apply's result for a remediation incident in effect for the message.
ActionResult Remediated(Outcome outcome, const QuarantineMemo& memo,
                        const RemediationIncident& incident, absl::string_view note,
                        const std::vector<GatewayCall>& calls) {
  return Result(outcome, EncodeMemo(memo),
                DetailsBase("apply", memo)
                    .Add("note", note)
                    .AddRaw("incident", incident.Json())
                    .AddBool("adopted", memo.adopted)
                    .AddBool("reversible", false)
                    .Add("restore", ConsoleRestoreSteps(incident.code))
                    .AddRaw("calls", CallsJson(calls))
                    .Finish());
}

// Revert's result when Riposte caused nothing that is still in place.
ActionResult NothingToUndo(const QuarantineMemo& memo, absl::string_view note,
                           const std::vector<GatewayCall>& calls) {
  return Result(Outcome::kNothingToUndo, EncodeMemo(memo),
                DetailsBase("revert", memo)
                    .Add("note", note)
                    .AddBool("nothing_to_undo", true)
                    .AddBool("effect_stays", false)
                    .AddRaw("calls", CallsJson(calls))
                    .Finish());
}

}  // namespace

GatewayAdapter::GatewayAdapter(GatewayOptions options, http::HttpClient* http,
                               const Clock* clock)
    : options_(std::move(options)),
      valid_(ValidateGatewayOptions(options_)),
      client_(options_, http, clock) {}

absl::StatusOr<ActionResult> GatewayAdapter::Apply(const ActionRequest& request) {
  if (!valid_.ok()) return absl::FailedPreconditionError(valid_.message());
  if (request.action != "quarantine_email") {
    return absl::UnimplementedError(
        absl::StrCat("gateway adapter does not implement \"", request.action, "\""));
  }
  absl::StatusOr<ActionResult> result = Quarantine(request);
  if (result.ok()) result->reversible = false;
  return Finish("apply", request, std::move(result));
}

absl::StatusOr<ActionResult> GatewayAdapter::Revert(const ActionRequest& request) {
  if (!valid_.ok()) return absl::FailedPreconditionError(valid_.message());
  if (request.action != "quarantine_email") {
    return absl::UnimplementedError(
        absl::StrCat("gateway adapter does not implement \"", request.action, "\""));
  }
  return Finish("revert", request, Release(request));
}

absl::StatusOr<ActionResult> GatewayAdapter::Quarantine(const ActionRequest& request) {
  if (!request.target.has_email() ||
      request.target.email().internet_message_id().empty()) {
    return absl::InvalidArgumentError(
        "gateway quarantine_email needs an email target with internet_message_id");
  }
  const v1::EmailEntity& email = request.target.email();
  const std::string& message_id = email.internet_message_id();
  std::optional<QuarantineMemo> prior;
  if (!request.memo.empty()) {
    RIPOSTE_ASSIGN_OR_RETURN(prior, DecodeMemo(request.memo));
  }
  std::vector<GatewayCall> calls;

  if (prior.has_value() && prior->mode == "remediated") {
    // Never remediate twice.
    return Result(Outcome::kAlreadyApplied, request.memo,
                  DetailsBase("apply", *prior)
                      .Add("note", "already remediated by an earlier attempt of this run")
                      .AddBool("reversible", false)
                      .AddRaw("calls", CallsJson(calls))
                      .Finish());
  }

  QuarantineMemo memo;
  memo.message_id = message_id;
  if (prior.has_value()) memo.held_before = prior->held_before;
  if (email.in_transit() || (prior.has_value() && prior->mode == "held")) {
    RIPOSTE_ASSIGN_OR_RETURN(std::vector<std::string> holds, HeldIds(message_id, &calls));
    if (!holds.empty()) {
      // The gateway's own policy holds it: Riposte keeps it held and has
      // caused nothing, so it will release nothing.
      memo.mode = "held";
      memo.held_before = true;
      memo.hold_ids = std::move(holds);
      return Result(Outcome::kAlreadyApplied, EncodeMemo(memo),
                    DetailsBase("apply", memo)
                        .Add("note", "already held at the gateway; Riposte keeps it held "
                                     "and will not release it")
                        .AddRaw("calls", CallsJson(calls))
                        .Finish());
    }
    // Delivered meanwhile (or released): pull it back out of the mailboxes.
  }
  return Remediate(request, std::move(memo), prior.has_value() && prior->mode == "remediating",
                   &calls);
}

absl::StatusOr<std::vector<std::string>> GatewayAdapter::HeldIds(
    const std::string& message_id, std::vector<GatewayCall>* calls) {
  const std::string search =
      JsonObjectWriter()
          .AddBool("admin", true)
          .AddRaw("searchBy", JsonObjectWriter()
                                  .Add("fieldName", "messageId")
                                  .Add("value", message_id)
                                  .Finish())
          .Finish();
  RIPOSTE_ASSIGN_OR_RETURN(GatewayReply held, client_.Post(kHoldList, {search}, calls));
  if (!held.fail.empty()) return FailureStatus(kHoldList, held.fail);
  std::vector<std::string> ids;
  for (const common::JsonValue& entry : held.data) {
    // The search may be fuzzy; keep exact matches (or entries that do not
    // say which message they are).
    std::optional<std::string> id = entry.GetString("id");
    std::optional<std::string> mid = entry.GetString("messageId");
    if (!id.has_value() || id->empty()) continue;
    if (mid.has_value() && *mid != message_id) continue;
    ids.push_back(*id);
  }
  return ids;
}

absl::StatusOr<ActionResult> GatewayAdapter::Remediate(const ActionRequest& request,
                                                       QuarantineMemo memo,
                                                       bool asked_before,
                                                       std::vector<GatewayCall>* calls) {
  // One incident per message: whoever asked first (an earlier attempt of
  // this run, or another recipient's run), the others adopt it.
  memo.reason = RemediationReason(memo.message_id);
  RIPOSTE_ASSIGN_OR_RETURN(
      std::optional<RemediationIncident> existing,
      FindIncidentInEffect(client_, memo.reason, memo.message_id, calls));
  if (existing.has_value()) {
    memo.mode = "remediated";
    memo.incident_id = existing->id;
    memo.incident_code = existing->code;
    // After our own request whose answer was lost, the incident is ours.
    memo.adopted = !asked_before;
    return Remediated(
        asked_before ? Outcome::kApplied : Outcome::kAlreadyApplied, memo, *existing,
        asked_before
            ? absl::StrCat("remediation incident ", existing->code,
                           " found after an earlier attempt's answer was lost")
            : absl::StrCat("adopted remediation incident ", existing->code,
                           ", created earlier for this message; it covers every recipient"),
        *calls);
  }

  // Say a remediation is under way before asking for it; this is also the
  // lease check. A retry after a crash right here finds the incident by its
  // reason instead of asking again.
  memo.mode = "remediating";
  RIPOSTE_RETURN_IF_ERROR(common::Checkpoint(request, EncodeMemo(memo)));
  const std::string item = JsonObjectWriter()
                               .Add("reason", memo.reason)
                               .Add("searchBy", "messageId")
                               .Add("hashOrMessageId", memo.message_id)
                               .Finish();
  RIPOSTE_ASSIGN_OR_RETURN(GatewayReply created,
                           client_.Post(kRemediationCreate, {item}, calls));
  memo.mode = "remediated";
  if (!created.fail.empty()) {
    if (MeansNothingLeftToRemediate(created.fail)) {
      // Another recipient's run may have created the incident since we
      // looked (runs of one message race across workers and replicas).
      RIPOSTE_ASSIGN_OR_RETURN(
          std::optional<RemediationIncident> winner,
          FindIncidentInEffect(client_, memo.reason, memo.message_id, calls));
      if (winner.has_value()) {
        memo.incident_id = winner->id;
        memo.incident_code = winner->code;
        memo.adopted = true;
        return Remediated(Outcome::kAlreadyApplied, memo, *winner,
                          absl::StrCat("adopted remediation incident ", winner->code,
                                       ", created meanwhile by another run for this "
                                       "message; it covers every recipient"),
                          *calls);
      }
      // Out of the mailboxes already, by someone else's doing: nothing of
      // Riposte's to undo later.
      return Result(Outcome::kAlreadyApplied, EncodeMemo(memo),
                    DetailsBase("apply", memo)
                        .Add("note", "the gateway found no copy left to remediate: the "
                                     "message was already remediated before Riposte acted")
                        .AddRaw("calls", CallsJson(*calls))
                        .Finish());
    }
    return FailureStatus(kRemediationCreate, created.fail);
  }
  std::optional<RemediationIncident> incident;
  if (!created.data.empty()) incident = ParseIncident(created.data[0]);
  if (!incident.has_value()) {
    // A retry looks the incident up by its reason before asking again.
    return absl::UnavailableError(absl::StrCat(
        "POST ", kRemediationCreate, ": the answer describes no incident (no \"id\")"));
  }
  memo.incident_id = incident->id;
  memo.incident_code = incident->code;
  return Remediated(Outcome::kApplied, memo, *incident,
                    absl::StrCat("remediation incident ", incident->code,
                                 " removed the message from every recipient's mailbox"),
                    *calls);
}

absl::StatusOr<ActionResult> GatewayAdapter::Release(const ActionRequest& request) {
  if (request.memo.empty()) {
    return absl::FailedPreconditionError(
        "gateway quarantine_email revert: no memo from Apply; nothing known to release");
  }
  RIPOSTE_ASSIGN_OR_RETURN(QuarantineMemo memo, DecodeMemo(request.memo));
  std::vector<GatewayCall> calls;
  if (memo.mode == "held") {
    // Riposte cannot place a hold, so every hold it saw was the gateway's:
    // releasing it would deliver a payload the gateway's policy stopped.
    return NothingToUndo(
        memo, "nothing to undo: the message was already held before Riposte acted", calls);
  }

  std::optional<RemediationIncident> incident;
  if (memo.mode == "remediating") {
    // Apply asked, but its outcome was never recorded: look it up.
    RIPOSTE_ASSIGN_OR_RETURN(
        incident, FindIncidentInEffect(client_, memo.reason.empty()
                                                    ? RemediationReason(memo.message_id)
                                                    : memo.reason,
                                       memo.message_id, &calls));
    if (!incident.has_value()) {
      return NothingToUndo(
          memo, "nothing to undo: the gateway has no remediation of this message in effect",
          calls);
    }
  } else if (memo.incident_id.empty()) {
    return NothingToUndo(
        memo, "nothing to undo: the message was already remediated before Riposte acted",
        calls);
  } else {
    RIPOSTE_ASSIGN_OR_RETURN(incident, GetIncident(client_, memo.incident_id, &calls));
  }

  if (!incident.has_value() || !incident->InEffect()) {
    // An administrator restored it in the console (or the gateway no
    // longer knows it): reconciled, nothing changed.
    JsonObjectWriter d = DetailsBase("revert", memo);
    d.Add("note", "already restored in the gateway console");
    if (incident.has_value()) d.AddRaw("incident", incident->Json());
    return Result(Outcome::kAlreadyReverted, request.memo,
                  d.AddBool("effect_stays", false).AddRaw("calls", CallsJson(calls)).Finish());
  }
  // The Mimecast API has no call that restores a remediation: the effect
  // stays until an operator restores it in the console.
  return Result(Outcome::kNothingToUndo, request.memo,
                DetailsBase("revert", memo)
                    .Add("note", absl::StrCat(
                                     "the gateway remediation stays: the gateway API "
                                     "cannot restore it; ",
                                     ConsoleRestoreSteps(incident->code)))
                    .AddRaw("incident", incident->Json())
                    .AddBool("effect_stays", true)
                    .AddBool("reversible", false)
                    .AddRaw("calls", CallsJson(calls))
                    .Finish());
}

absl::StatusOr<ActionResult> GatewayAdapter::Finish(
    absl::string_view phase, const ActionRequest& request,
    absl::StatusOr<ActionResult> result) {
  if (!result.ok()) {
    absl::Status status = common::RedactSecret(result.status(), options_.client_secret);
    log::Warn("gateway action failed", {{"action", request.action},
                                        {"phase", phase},
                                        {"run", request.run_id},
                                        {"status", status}});
    return status;
  }
  log::Info("gateway action done", {{"action", request.action},
                                    {"phase", phase},
                                    {"run", request.run_id},
                                    {"outcome", OutcomeName(result->outcome)}});
  return result;
}

}  // namespace riposte::actions::gateway
