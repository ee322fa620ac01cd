#include "actions/graph/graph_user_actions.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "actions/common/checkpoint.h"
#include "actions/common/json_value.h"
#include "actions/graph/graph_messages.h"
#include "common/json.h"
#include "common/status_macros.h"

namespace riposte::actions::graph {
namespace {

// The object id when the detector gave one (it survives renames), else the
// userPrincipalName.
absl::StatusOr<std::string> UserKey(const ActionRequest& request) {
  if (!request.target.has_user()) {
    return absl::InvalidArgumentError(
        absl::StrCat(request.action, " needs a user target"));
  }
  const v1::UserEntity& user = request.target.user();
  if (!user.id().empty()) return user.id();
  if (!user.user_principal_name().empty()) return user.user_principal_name();
  return absl::InvalidArgumentError(
      "user target: needs id or user_principal_name");
}

// disable_user's memo: {"v":1,"user":"...","was_disabled_before":false}
struct DisableMemo {
  std::string user;
  bool was_disabled_before = false;
};

std::string EncodeMemo(const DisableMemo& memo) {
  return JsonObjectWriter()
      .AddInt("v", 1)
      .Add("action", "disable_user")
      .Add("user", memo.user)
      .AddBool("was_disabled_before", memo.was_disabled_before)
      .Finish();
}

absl::StatusOr<DisableMemo> DecodeMemo(absl::string_view text) {
  absl::StatusOr<common::JsonValue> json = common::JsonValue::Parse(text);
  if (!json.ok() || json->GetInt64("v") != 1 ||
      !json->GetBool("was_disabled_before").has_value()) {
    return absl::InvalidArgumentError("disable_user memo is not readable");
  }
  return DisableMemo{json->GetString("user").value_or(""),
                     *json->GetBool("was_disabled_before")};
}

absl::StatusOr<bool> AccountEnabled(GraphClient& client, const std::string& user,
                                    CallLog* log) {
  GraphRequest get;
  get.target = absl::StrCat(UserPath(user), "?$select=id,accountEnabled");
  RIPOSTE_ASSIGN_OR_RETURN(GraphResponse response, client.Send(get, log));
  std::optional<bool> enabled = response.body.GetBool("accountEnabled");
  if (!enabled.has_value()) {
    return absl::UnavailableError(absl::StrCat(
        "GET ", UserPath(user), ": the answer has no accountEnabled; request-id ",
        response.request_id));
  }
  return *enabled;
}

absl::Status SetAccountEnabled(GraphClient& client, const std::string& user,
                               bool enabled, CallLog* log) {
  GraphRequest patch;
  patch.method = "PATCH";
  patch.target = UserPath(user);
  patch.json_body = JsonObjectWriter().AddBool("accountEnabled", enabled).Finish();
  return client.Send(patch, log).status();
}

std::string Details(absl::string_view action, absl::string_view phase,
                    absl::string_view user, absl::string_view note,
                    const CallLog& log) {
  JsonObjectWriter w;
  w.Add("adapter", "graph").Add("action", action).Add("phase", phase).Add("user", user);
  if (!note.empty()) w.Add("note", note);
  return w.AddRaw("calls", log.ToJson()).Finish();
}

}  // namespace

absl::StatusOr<ActionResult> ForceLogout(GraphClient& client,
                                         const ActionRequest& request) {
  RIPOSTE_ASSIGN_OR_RETURN(std::string user, UserKey(request));
  const std::string memo = JsonObjectWriter()
                               .AddInt("v", 1)
                               .Add("action", "force_logout")
                               .Add("user", user)
                               .Finish();
  // Revoking twice is harmless; this is the lease check.
  RIPOSTE_RETURN_IF_ERROR(common::Checkpoint(request, memo));
  CallLog log;
  GraphRequest post;
  post.method = "POST";
  post.target = absl::StrCat(UserPath(user), "/revokeSignInSessions");
  // Documented as 204; Graph really answers 200 {"value":true}. Any 2xx
  // means the sessions were revoked.
  RIPOSTE_ASSIGN_OR_RETURN(GraphResponse response, client.Send(post, &log));
  (void)response;
  ActionResult result;
  result.outcome = ActionResult::Outcome::kApplied;
  result.memo = memo;
  result.details = Details("force_logout", "apply", user,
                           "sign-in sessions revoked", log);
  return result;
}

absl::StatusOr<ActionResult> DisableUser(GraphClient& client,
                                         const ActionRequest& request) {
  RIPOSTE_ASSIGN_OR_RETURN(std::string user, UserKey(request));
  std::optional<DisableMemo> prior;
  if (!request.memo.empty()) {
    RIPOSTE_ASSIGN_OR_RETURN(prior, DecodeMemo(request.memo));
  }
  CallLog log;
  RIPOSTE_ASSIGN_OR_RETURN(bool enabled, AccountEnabled(client, user, &log));
  ActionResult result;
  if (!enabled) {
    // A retried Apply keeps what the first attempt learnt (and
    // checkpointed before acting); otherwise the account was disabled by
    // someone else, and Revert must leave it so.
    DisableMemo memo{user, prior.has_value() ? prior->was_disabled_before : true};
    result.outcome = ActionResult::Outcome::kAlreadyApplied;
    result.memo = EncodeMemo(memo);
    result.details = Details(
        "disable_user", "apply", user,
        memo.was_disabled_before
            ? "account was already disabled before Riposte acted; it will not "
              "be re-enabled on revert"
            : "account already disabled by an earlier attempt of this run",
        log);
    return result;
  }
  // Record "it was enabled" before disabling it: if the process dies after
  // the PATCH, the retry finds the account disabled and must still know
  // that Riposte did it.
  result.memo = EncodeMemo({user, false});
  RIPOSTE_RETURN_IF_ERROR(common::Checkpoint(request, result.memo));
  RIPOSTE_RETURN_IF_ERROR(SetAccountEnabled(client, user, false, &log));
  result.outcome = ActionResult::Outcome::kApplied;
  result.details = Details("disable_user", "apply", user, "account disabled", log);
  return result;
}

absl::StatusOr<ActionResult> ReenableUser(GraphClient& client,
                                          const ActionRequest& request) {
  RIPOSTE_ASSIGN_OR_RETURN(std::string user, UserKey(request));
  if (request.memo.empty()) {
    // Without the memo we cannot tell whether an administrator disabled the
    // account before Riposte did; re-enabling it could undo their work.
    return absl::FailedPreconditionError(
        "disable_user revert: no memo from Apply; refusing to re-enable an "
        "account whose prior state is unknown");
  }
  RIPOSTE_ASSIGN_OR_RETURN(DisableMemo memo, DecodeMemo(request.memo));
  ActionResult result;
  CallLog log;
  if (memo.was_disabled_before) {
    result.outcome = ActionResult::Outcome::kAlreadyReverted;
    result.details = Details(
        "disable_user", "revert", user,
        "account was disabled before Riposte acted; left disabled", log);
    return result;
  }
  RIPOSTE_ASSIGN_OR_RETURN(bool enabled, AccountEnabled(client, user, &log));
  if (enabled) {
    result.outcome = ActionResult::Outcome::kAlreadyReverted;
    result.details = Details("disable_user", "revert", user,
                             "account was already re-enabled by someone else", log);
    return result;
  }
  RIPOSTE_RETURN_IF_ERROR(SetAccountEnabled(client, user, true, &log));
  result.outcome = ActionResult::Outcome::kReverted;
  result.details = Details("disable_user", "revert", user, "account re-enabled", log);
  return result;
}

}  // namespace riposte::actions::graph
