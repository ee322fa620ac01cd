#include "actions/graph/graph_user_actions.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "actions/common/checkpoint.h"
#include "actions/common/http_status.h"
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

// The state of a call that changes the target, as memos record it.
constexpr char kMaybeSent[] = "maybe_sent";
constexpr char kNotSent[] = "not_sent";
constexpr char kSent[] = "sent";

// disable_user's memo:
//   {"v":1,"action":"disable_user","user":"...","was_disabled_before":false,
//    "patch":"maybe_sent"}
// "patch" tracks the PATCH of the step in progress (disabling in Apply,
// re-enabling in Revert): "maybe_sent" from just before it is sent until
// its outcome is known, "not_sent" when Graph certainly did not carry it
// out (so the next attempt sends it at once), absent otherwise.
struct DisableMemo {
  std::string user;
  bool was_disabled_before = false;
  std::string patch;
};

std::string EncodeMemo(const DisableMemo& memo) {
  JsonObjectWriter w;
  w.AddInt("v", 1)
      .Add("action", "disable_user")
      .Add("user", memo.user)
      .AddBool("was_disabled_before", memo.was_disabled_before);
  if (!memo.patch.empty()) w.Add("patch", memo.patch);
  return w.Finish();
}

absl::StatusOr<DisableMemo> DecodeMemo(absl::string_view text) {
  absl::StatusOr<common::JsonValue> json = common::JsonValue::Parse(text);
  if (!json.ok() || json->GetInt64("v") != 1 ||
      !json->GetBool("was_disabled_before").has_value()) {
    return absl::InvalidArgumentError("disable_user memo is not readable");
  }
  return DisableMemo{json->GetString("user").value_or(""),
                     *json->GetBool("was_disabled_before"),
                     json->GetString("patch").value_or("")};
}

// force_logout's memo:
//   {"v":1,"action":"force_logout","user":"...","revoke":"maybe_sent",
//    "first_sent_us":1714557600000000}
// "revoke" is "maybe_sent" from just before a revoke is sent until its
// outcome is known, "not_sent" after Graph certainly did not carry it out,
// "sent" once it did. first_sent_us: when this run first sent it.
// How far Graph's clock may be behind ours when comparing its
// signInSessionsValidFromDateTime with the time we sent the revoke.
constexpr absl::Duration kRevokeClockSkew = absl::Minutes(1);

struct LogoutMemo {
  std::string user;
  std::string revoke;
  absl::Time first_sent;
};

std::string EncodeLogoutMemo(const LogoutMemo& memo) {
  return JsonObjectWriter()
      .AddInt("v", 1)
      .Add("action", "force_logout")
      .Add("user", memo.user)
      .Add("revoke", memo.revoke)
      .AddInt("first_sent_us", absl::ToUnixMicros(memo.first_sent))
      .Finish();
}

absl::StatusOr<LogoutMemo> DecodeLogoutMemo(absl::string_view text) {
  absl::StatusOr<common::JsonValue> json = common::JsonValue::Parse(text);
  if (!json.ok() || json->GetInt64("v") != 1) {
    return absl::InvalidArgumentError("force_logout memo is not readable");
  }
  LogoutMemo memo;
  memo.user = json->GetString("user").value_or("");
  // A memo from before revokes were tracked was written right before the
  // revoke was sent.
  memo.revoke = json->GetString("revoke").value_or(std::string(kMaybeSent));
  std::optional<int64_t> first = json->GetInt64("first_sent_us");
  memo.first_sent =
      first.has_value() ? absl::FromUnixMicros(*first) : absl::InfinitePast();
  return memo;
}

// When Graph last revoked the user's sessions (refresh tokens issued before
// it are invalid), if ever.
absl::StatusOr<std::optional<absl::Time>> SessionsValidFrom(
    GraphClient& client, const std::string& user, CallLog* log) {
  GraphRequest get;
  get.target =
      absl::StrCat(UserPath(user), "?$select=id,signInSessionsValidFromDateTime");
  RIPOSTE_ASSIGN_OR_RETURN(GraphResponse response, client.Send(get, log));
  std::optional<std::string> text =
      response.body.GetString("signInSessionsValidFromDateTime");
  if (!text.has_value() || text->empty()) return std::optional<absl::Time>();
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, *text, &t, &error)) {
    return absl::UnavailableError(absl::StrCat(
        "GET ", UserPath(user), ": signInSessionsValidFromDateTime \"",
        absl::CEscape(*text), "\" is not an RFC 3339 time; request-id ",
        response.request_id));
  }
  return std::optional<absl::Time>(t);
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

// PATCHes accountEnabled. `memo` is checkpointed as "maybe_sent" before
// the PATCH and as "not_sent" if Graph certainly did not carry it out.
absl::Status SetAccountEnabled(GraphClient& client, const ActionRequest& request,
                               DisableMemo memo, bool enabled, CallLog* log) {
  memo.patch = kMaybeSent;
  RIPOSTE_RETURN_IF_ERROR(common::Checkpoint(request, EncodeMemo(memo)));
  GraphRequest patch;
  patch.method = "PATCH";
  patch.target = UserPath(memo.user);
  patch.json_body = JsonObjectWriter().AddBool("accountEnabled", enabled).Finish();
  absl::Status status = client.Send(patch, log).status();
  if (!status.ok() && common::CertainlyNotProcessed(status)) {
    memo.patch = kNotSent;
    common::Checkpoint(request, EncodeMemo(memo)).IgnoreError();
  }
  return status;
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
  std::optional<LogoutMemo> prior;
  if (!request.memo.empty()) {
    RIPOSTE_ASSIGN_OR_RETURN(prior, DecodeLogoutMemo(request.memo));
  }
  CallLog log;
  ActionResult result;
  if (prior.has_value() && prior->revoke == kMaybeSent) {
    // An earlier attempt sent the revoke and its outcome is unknown (the
    // process died, or the answer was lost). Revoking again would also end
    // sessions the user legitimately opened since: read when Graph last
    // revoked them instead.
    RIPOSTE_ASSIGN_OR_RETURN(std::optional<absl::Time> valid_from,
                             SessionsValidFrom(client, user, &log));
    if (valid_from.has_value() &&
        *valid_from >= prior->first_sent - kRevokeClockSkew) {
      result.outcome = ActionResult::Outcome::kAlreadyApplied;
      result.memo = EncodeLogoutMemo({user, kSent, prior->first_sent});
      result.details = Details(
          "force_logout", "apply", user,
          absl::StrCat("sign-in sessions already revoked by an earlier "
                       "attempt of this run (valid from ",
                       absl::FormatTime(absl::RFC3339_sec, *valid_from,
                                        absl::UTCTimeZone()),
                       ")"),
          log);
      return result;
    }
  }
  const absl::Time first_sent =
      prior.has_value() ? prior->first_sent : client.Now();
  // Recorded before sending, so that a retry after a crash knows the
  // revoke may have happened and checks before repeating it. This is also
  // the lease check.
  RIPOSTE_RETURN_IF_ERROR(common::Checkpoint(
      request, EncodeLogoutMemo({user, kMaybeSent, first_sent})));
  GraphRequest post;
  post.method = "POST";
  post.target = absl::StrCat(UserPath(user), "/revokeSignInSessions");
  // Documented as 204; Graph really answers 200 {"value":true}. Any 2xx
  // means the sessions were revoked.
  absl::StatusOr<GraphResponse> response = client.Send(post, &log);
  if (!response.ok()) {
    if (common::CertainlyNotProcessed(response.status())) {
      // Throttled or held: Graph did not revoke. The next attempt revokes
      // at once instead of reading first, so periodic throttling cannot
      // keep it from ever getting through.
      common::Checkpoint(request,
                         EncodeLogoutMemo({user, kNotSent, first_sent}))
          .IgnoreError();
    }
    return response.status();
  }
  result.outcome = ActionResult::Outcome::kApplied;
  result.memo = EncodeLogoutMemo({user, kSent, first_sent});
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
  ActionResult result;
  // The PATCH was refused unsent last time (throttled): the account was
  // enabled when Riposte looked, and sending it now is the next step.
  const bool patch_next = prior.has_value() && !prior->was_disabled_before &&
                          prior->patch == kNotSent;
  if (!patch_next) {
    RIPOSTE_ASSIGN_OR_RETURN(bool enabled, AccountEnabled(client, user, &log));
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
              ? "account was already disabled before Riposte acted; it will "
                "not be re-enabled on revert"
              : "account already disabled by an earlier attempt of this run",
          log);
      return result;
    }
  }
  // Record "it was enabled" before disabling it: if the process dies after
  // the PATCH, the retry finds the account disabled and must still know
  // that Riposte did it.
  RIPOSTE_RETURN_IF_ERROR(
      SetAccountEnabled(client, request, {user, false}, false, &log));
  result.memo = EncodeMemo({user, false});
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
  if (memo.user.empty()) memo.user = user;
  ActionResult result;
  CallLog log;
  if (memo.was_disabled_before) {
    result.outcome = ActionResult::Outcome::kNothingToUndo;
    result.memo = request.memo;
    result.details = Details(
        "disable_user", "revert", user,
        "nothing to undo: the account was already disabled before Riposte "
        "acted; left disabled",
        log);
    return result;
  }
  // An Apply that finished leaves no "patch" in the memo, so one here is
  // this release's own: "not_sent" means the re-enabling PATCH is next.
  if (memo.patch != kNotSent) {
    RIPOSTE_ASSIGN_OR_RETURN(bool enabled, AccountEnabled(client, user, &log));
    if (enabled) {
      const bool ours = memo.patch == kMaybeSent;
      result.outcome = ours ? ActionResult::Outcome::kReverted
                            : ActionResult::Outcome::kAlreadyReverted;
      result.memo = EncodeMemo({memo.user, false});
      result.details = Details(
          "disable_user", "revert", user,
          ours ? "account re-enabled by an earlier attempt of this release"
               : "account was already re-enabled by someone else",
          log);
      return result;
    }
  }
  RIPOSTE_RETURN_IF_ERROR(
      SetAccountEnabled(client, request, {memo.user, false}, true, &log));
  result.outcome = ActionResult::Outcome::kReverted;
  result.memo = EncodeMemo({memo.user, false});
  result.details = Details("disable_user", "revert", user, "account re-enabled", log);
  return result;
}

}  // namespace riposte::actions::graph
