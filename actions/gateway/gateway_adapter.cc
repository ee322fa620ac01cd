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
#include "common/json.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::actions::gateway {
namespace {

constexpr char kHoldList[] = "/api/gateway/get-hold-message-list";
constexpr char kHoldRelease[] = "/api/gateway/hold-release";
constexpr char kRemediate[] = "/api/ttp/remediation/create";
constexpr char kRestore[] = "/api/ttp/remediation/restore";

struct Memo {
  std::string message_id;
  std::string mode;  // "held" or "remediated"
  std::vector<std::string> hold_ids;
  std::string remediation_id;
};

std::string EncodeMemo(const Memo& memo) {
  JsonObjectWriter w;
  w.AddInt("v", 1)
      .Add("action", "quarantine_email")
      .Add("message_id", memo.message_id)
      .Add("mode", memo.mode);
  if (memo.mode == "held") {
    JsonArrayWriter ids;
    for (const std::string& id : memo.hold_ids) ids.Add(id);
    w.AddRaw("hold_ids", ids.Finish());
  } else {
    w.Add("remediation_id", memo.remediation_id);
  }
  return w.Finish();
}

absl::StatusOr<Memo> DecodeMemo(absl::string_view text) {
  const absl::Status bad = absl::InvalidArgumentError("gateway memo is not readable");
  absl::StatusOr<common::JsonValue> json = common::JsonValue::Parse(text);
  if (!json.ok() || json->GetInt64("v") != 1) return bad;
  Memo memo;
  memo.message_id = json->GetString("message_id").value_or("");
  memo.mode = json->GetString("mode").value_or("");
  if (memo.mode == "held") {
    for (const common::JsonValue& id : json->GetArray("hold_ids")) {
      if (!id.is_string()) return bad;
      memo.hold_ids.push_back(id.string_value());
    }
  } else if (memo.mode == "remediated" || memo.mode == "remediating") {
    memo.remediation_id = json->GetString("remediation_id").value_or("");
  } else {
    return bad;
  }
  return memo;
}

// A failed item that means "there is nothing (left) to undo".
bool MeansAlreadyUndone(const GatewayFailure& failure) {
  for (const GatewayError& e : failure.errors) {
    const std::string code = absl::AsciiStrToLower(e.code);
    const std::string message = absl::AsciiStrToLower(e.message);
    for (absl::string_view hint :
         {"not_held", "no_longer_held", "not_found", "already_released",
          "already_restored"}) {
      if (absl::StrContains(code, hint)) return true;
    }
    for (absl::string_view hint : {"no longer held", "not held", "not found",
                                   "already released", "already restored"}) {
      if (absl::StrContains(message, hint)) return true;
    }
  }
  return false;
}

bool MeansAlreadyRemediated(const GatewayFailure& failure) {
  for (const GatewayError& e : failure.errors) {
    const std::string text =
        absl::AsciiStrToLower(absl::StrCat(e.code, " ", e.message));
    if (absl::StrContains(text, "already_remediated") ||
        absl::StrContains(text, "already remediated")) {
      return true;
    }
  }
  return false;
}

std::string Details(absl::string_view phase, absl::string_view message_id,
                    absl::string_view mode, absl::string_view note,
                    const std::vector<GatewayCall>& calls) {
  return JsonObjectWriter()
      .Add("adapter", "gateway")
      .Add("action", "quarantine_email")
      .Add("phase", phase)
      .Add("message_id", message_id)
      .Add("mode", mode)
      .Add("note", note)
      .AddRaw("calls", CallsJson(calls))
      .Finish();
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
  return Finish("apply", request, Quarantine(request));
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
  std::optional<Memo> prior;
  if (!request.memo.empty()) {
    RIPOSTE_ASSIGN_OR_RETURN(prior, DecodeMemo(request.memo));
  }
  std::vector<GatewayCall> calls;
  ActionResult result;

  if (prior.has_value() && prior->mode == "remediated") {
    // Never remediate twice; the first remediation is what Revert restores.
    result.outcome = ActionResult::Outcome::kAlreadyApplied;
    result.memo = request.memo;
    result.details = Details("apply", message_id, "remediated",
                             "already remediated by an earlier attempt of this run",
                             calls);
    return result;
  }

  if (email.in_transit() || (prior.has_value() && prior->mode == "held")) {
    const std::string search =
        JsonObjectWriter()
            .AddBool("admin", true)
            .AddRaw("searchBy", JsonObjectWriter()
                                    .Add("fieldName", "messageId")
                                    .Add("value", message_id)
                                    .Finish())
            .Finish();
    RIPOSTE_ASSIGN_OR_RETURN(GatewayReply held,
                             client_.Post(kHoldList, {search}, &calls));
    if (!held.fail.empty()) return FailureStatus(kHoldList, held.fail);
    Memo memo{message_id, "held", {}, ""};
    for (const common::JsonValue& entry : held.data) {
      // The search may be fuzzy; keep exact matches (or entries that do
      // not say which message they are).
      std::optional<std::string> id = entry.GetString("id");
      std::optional<std::string> mid = entry.GetString("messageId");
      if (!id.has_value() || id->empty()) continue;
      if (mid.has_value() && *mid != message_id) continue;
      memo.hold_ids.push_back(*id);
    }
    if (!memo.hold_ids.empty()) {
      const bool known = prior.has_value() && prior->hold_ids == memo.hold_ids;
      result.outcome = known ? ActionResult::Outcome::kAlreadyApplied
                             : ActionResult::Outcome::kApplied;
      result.memo = EncodeMemo(memo);
      result.details = Details("apply", message_id, "held", "held at gateway", calls);
      return result;
    }
    // Delivered meanwhile (or released): pull it back out of the mailboxes.
  }

  const std::string item = JsonObjectWriter()
                               .Add("messageId", message_id)
                               .Add("reason", absl::StrCat("Riposte run ", request.run_id))
                               .Add("action", "quarantine")
                               .Finish();
  // Say a remediation is under way before asking for it; this is also the
  // lease check. (The gateway has no lookup by message, so a retry after a
  // crash right here asks again and relies on the gateway refusing a
  // duplicate.)
  RIPOSTE_RETURN_IF_ERROR(common::Checkpoint(
      request, EncodeMemo({message_id, "remediating", {}, ""})));
  RIPOSTE_ASSIGN_OR_RETURN(GatewayReply created, client_.Post(kRemediate, {item}, &calls));
  Memo memo{message_id, "remediated", {}, ""};
  if (!created.fail.empty()) {
    if (created.fail.size() == 1 && MeansAlreadyRemediated(created.fail[0])) {
      result.outcome = ActionResult::Outcome::kAlreadyApplied;
      result.memo = EncodeMemo(memo);
      result.details = Details("apply", message_id, "remediated",
                               "the gateway reports the message already remediated",
                               calls);
      return result;
    }
    return FailureStatus(kRemediate, created.fail);
  }
  if (!created.data.empty()) {
    memo.remediation_id = created.data[0].GetString("remediationId").value_or("");
  }
  if (memo.remediation_id.empty()) {
    return absl::UnavailableError(
        absl::StrCat("POST ", kRemediate, ": the answer has no remediationId"));
  }
  result.outcome = ActionResult::Outcome::kApplied;
  result.memo = EncodeMemo(memo);
  result.details = Details("apply", message_id, "remediated",
                           absl::StrCat("remediation ", memo.remediation_id), calls);
  return result;
}

absl::StatusOr<ActionResult> GatewayAdapter::Release(const ActionRequest& request) {
  if (request.memo.empty()) {
    return absl::FailedPreconditionError(
        "gateway quarantine_email revert: no memo from Apply; nothing known to release");
  }
  RIPOSTE_ASSIGN_OR_RETURN(Memo memo, DecodeMemo(request.memo));
  std::vector<GatewayCall> calls;
  int released = 0;
  int already = 0;
  if (memo.mode == "held") {
    for (const std::string& id : memo.hold_ids) {
      RIPOSTE_ASSIGN_OR_RETURN(
          GatewayReply reply,
          client_.Post(kHoldRelease, {JsonObjectWriter().Add("id", id).Finish()}, &calls));
      if (reply.fail.empty()) {
        ++released;
      } else if (MeansAlreadyUndone(reply.fail[0])) {
        ++already;
      } else {
        return FailureStatus(kHoldRelease, reply.fail);
      }
    }
  } else if (memo.mode == "remediating") {
    return absl::FailedPreconditionError(
        "gateway quarantine_email revert: the remediation was requested but its "
        "outcome was never recorded; check the gateway console");
  } else {
    if (memo.remediation_id.empty()) {
      return absl::FailedPreconditionError(
          "gateway quarantine_email revert: the message was remediated by someone "
          "else and Riposte has no remediation id to restore");
    }
    RIPOSTE_ASSIGN_OR_RETURN(
        GatewayReply reply,
        client_.Post(kRestore,
                     {JsonObjectWriter().Add("remediationId", memo.remediation_id).Finish()},
                     &calls));
    if (reply.fail.empty()) {
      ++released;
    } else if (MeansAlreadyUndone(reply.fail[0])) {
      ++already;
    } else {
      return FailureStatus(kRestore, reply.fail);
    }
  }
  ActionResult result;
  result.outcome = released > 0 ? ActionResult::Outcome::kReverted
                                : ActionResult::Outcome::kAlreadyReverted;
  result.memo = request.memo;
  result.details = Details(
      "revert", memo.message_id, memo.mode,
      absl::StrCat(released, " released, ", already, " already released"), calls);
  return result;
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
