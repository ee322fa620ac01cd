// pending, actions, approve, reject, revert, retry, extend.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/cli_status.h"
#include "cli/command.h"
#include "cli/json_output.h"
#include "cli/pagination.h"
#include "cli/run_view.h"
#include "cli/time_format.h"
#include "cli/watch.h"

namespace riposte::cli {
namespace {

const std::vector<std::string>& KnownStates() {
  static const auto* states = new std::vector<std::string>{
      "proposed", "awaiting_approval", "approved", "rejected", "approval_expired",
      "queued",   "running",           "active",   "done",     "failed",
      "reverting", "reverted",         "observed", "suppressed"};
  return *states;
}

// Notes on stderr that a list was cut at --limit.
void NoteTruncated(const CommandContext& ctx, const std::string& next_token,
                   int64_t limit, absl::string_view what) {
  if (ctx.json || next_token.empty()) return;
  *ctx.err << "(showing the first " << limit << " " << what
           << "; use --limit to see more)\n";
}

absl::Status Pending(CommandContext& ctx) {
  v1::ListRunsRequest request;
  request.add_states("awaiting_approval");
  if (auto t = ctx.args->Get("tenant")) request.set_tenant_id(*t);
  const bool watch = ctx.args->GetBool("watch");
  absl::Duration interval = absl::Seconds(2);
  if (auto text = ctx.args->Get("interval")) {
    if (!watch) return UsageError("riposte pending: --interval needs --watch");
    absl::StatusOr<absl::Duration> d = ParseDurationFlag("--interval", *text, false);
    if (!d.ok()) return AsUsageError(d.status());
    if (*d <= absl::ZeroDuration()) return UsageError("--interval: must be more than 0");
    interval = *d;
  }
  if (!watch) {
    absl::StatusOr<v1::ListRunsResponse> runs = ListAllRuns(*ctx.client, request, 0);
    if (!runs.ok()) return runs.status();
    if (ctx.json) {
      PrintJson(ctx, *runs);
    } else {
      *ctx.out << RenderPending(runs->runs(), ctx.View());
    }
    return absl::OkStatus();
  }
  auto poll = [&]() -> absl::StatusOr<WatchFrame> {
    absl::StatusOr<v1::ListRunsResponse> runs = ListAllRuns(*ctx.client, request, 0);
    if (!runs.ok()) return runs.status();
    WatchFrame frame;
    for (const v1::ActionRun& run : runs->runs()) frame.key += run.SerializeAsString();
    if (ctx.json) {
      frame.text = ToJsonLine(*runs);
    } else {
      const ViewOptions view = ctx.View();
      frame.text = absl::StrCat("Awaiting approval at ", FormatTimestamp(view.now),
                                " (every ", CompactDuration(interval),
                                "; Ctrl-C to stop):\n\n",
                                RenderPending(runs->runs(), view));
    }
    return frame;
  };
  WatchOptions options;
  options.interval = interval;
  options.clear_screen = ctx.stdout_is_tty && !ctx.json;
  options.blank_line_between = !ctx.json;
  return RunWatch(poll, options, *ctx.sleeper, *ctx.out, *ctx.err);
}

absl::Status Actions(CommandContext& ctx) {
  v1::ListRunsRequest request;
  for (const std::string& value : ctx.args->GetAll("state")) {
    for (absl::string_view s : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      const std::string state(s);
      if (std::find(KnownStates().begin(), KnownStates().end(), state) ==
          KnownStates().end()) {
        return UsageError(absl::StrCat("--state: unknown state \"", state,
                                       "\" (known: ",
                                       absl::StrJoin(KnownStates(), ", "), ")"));
      }
      request.add_states(state);
    }
  }
  if (auto v = ctx.args->Get("tenant")) request.set_tenant_id(*v);
  if (auto v = ctx.args->Get("target")) request.set_target_key(*v);
  if (auto v = ctx.args->Get("action")) request.set_action(*v);
  if (auto v = ctx.args->Get("incident")) {
    absl::StatusOr<int64_t> id = ParseId("--incident", *v);
    if (!id.ok()) return id.status();
    request.set_incident_id(*id);
  }
  if (auto v = ctx.args->Get("since")) {
    absl::StatusOr<absl::Time> since = ParseSince("--since", *v, ctx.clock->Now());
    if (!since.ok()) return AsUsageError(since.status());
    SetTimestamp(*since, request.mutable_since());
  }
  absl::StatusOr<int64_t> limit = ParsePositiveFlag(ctx, "limit", 100, true);
  if (!limit.ok()) return limit.status();
  absl::StatusOr<v1::ListRunsResponse> runs = ListAllRuns(*ctx.client, request, *limit);
  if (!runs.ok()) return runs.status();
  if (ctx.json) {
    PrintJson(ctx, *runs);
  } else {
    *ctx.out << RenderRunsTable(runs->runs(), ctx.View());
    NoteTruncated(ctx, runs->next_page_token(), *limit, "runs");
  }
  return absl::OkStatus();
}

// approve, reject, revert, retry: RUN_ID --reason.
std::function<absl::Status(CommandContext&)> RunCommandFn(
    absl::StatusOr<v1::ActionRun> (OperatorClient::*method)(const v1::RunCommand&)) {
  return [method](CommandContext& ctx) -> absl::Status {
    absl::StatusOr<int64_t> id = ParseId("RUN_ID", ctx.args->positionals()[0]);
    if (!id.ok()) return id.status();
    absl::StatusOr<std::string> reason = RequireReason(ctx);
    if (!reason.ok()) return reason.status();
    v1::RunCommand request;
    request.set_run_id(*id);
    request.set_reason(*reason);
    absl::StatusOr<v1::ActionRun> run = (ctx.client->*method)(request);
    if (!run.ok()) return run.status();
    if (ctx.json) {
      PrintJson(ctx, *run);
    } else {
      *ctx.out << RenderRunResult(ctx.command, *run, ctx.View());
    }
    return absl::OkStatus();
  };
}

absl::Status Extend(CommandContext& ctx) {
  absl::StatusOr<int64_t> id = ParseId("RUN_ID", ctx.args->positionals()[0]);
  if (!id.ok()) return id.status();
  v1::ExtendRequest request;
  request.set_run_id(*id);
  const int changes = ctx.args->Has("by") + ctx.args->Has("until") +
                      ctx.args->GetBool("permanent");
  if (changes != 1) {
    return UsageError(
        "riposte extend: give exactly one of --by DURATION, --until TIME or "
        "--permanent");
  }
  if (auto by = ctx.args->Get("by")) {
    absl::StatusOr<absl::Duration> d = ParseDurationFlag("--by", *by, true);
    if (!d.ok()) return AsUsageError(d.status());
    if (*d == absl::ZeroDuration()) return UsageError("--by: must not be zero");
    SetDuration(*d, request.mutable_extend_by());
  } else if (auto until = ctx.args->Get("until")) {
    absl::StatusOr<absl::Time> t = ParseRfc3339("--until", *until);
    if (!t.ok()) return AsUsageError(t.status());
    SetTimestamp(*t, request.mutable_expires_time());
  } else {
    request.set_permanent(true);
  }
  absl::StatusOr<std::string> reason = RequireReason(ctx);
  if (!reason.ok()) return reason.status();
  request.set_reason(*reason);
  absl::StatusOr<v1::ActionRun> run = ctx.client->Extend(request);
  if (!run.ok()) return run.status();
  if (ctx.json) {
    PrintJson(ctx, *run);
  } else {
    *ctx.out << RenderRunResult("extend", *run, ctx.View());
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<CommandSpec> RunCommands() {
  std::vector<CommandSpec> commands;
  commands.push_back(CommandSpec{
      "pending",
      "[--watch [--interval 2s]] [--tenant TENANT]",
      "List runs awaiting approval, with their narratives",
      "Lists the action runs awaiting an operator's approval, each with the\n"
      "narrative of the decision that proposed it. Approve or reject them with\n"
      "'riposte approve' and 'riposte reject'.\n"
      "\n"
      "With --watch, polls every --interval and redraws when the list changes,\n"
      "until Ctrl-C (then exits 0). With --json, prints one ListRunsResponse\n"
      "per change as JSON lines.",
      {{"watch", 'w', FlagSpec::Kind::kBool, "", "Keep polling and redraw on change."},
       {"interval", 0, FlagSpec::Kind::kValue, "DURATION",
        "How often --watch polls (default 2s)."},
       TenantFlag()},
      0, 0, Pending});
  commands.push_back(CommandSpec{
      "actions",
      "[--state STATE ...] [--tenant TENANT] [--target KEY] [--action ACTION]\n"
      "                       [--incident N] [--since WHEN] [--limit N]",
      "List action runs",
      "Lists action runs in the server's order, following pages up to\n"
      "--limit. States: proposed, awaiting_approval, approved, rejected,\n"
      "approval_expired, queued, running, active, done, failed, reverting,\n"
      "reverted, observed, suppressed.\n"
      "\n"
      "With --json: one ListRunsResponse holding the runs of every page read;\n"
      "next_page_token is set when --limit left some unread.",
      {{"state", 0, FlagSpec::Kind::kRepeated, "STATE",
        "Only runs in STATE; repeat or separate with commas for several."},
       TenantFlag(),
       {"target", 0, FlagSpec::Kind::kValue, "KEY",
        "Only runs on this target, e.g. user:alice@contoso.com."},
       {"action", 0, FlagSpec::Kind::kValue, "ACTION",
        "Only this action, e.g. disable_user."},
       {"incident", 0, FlagSpec::Kind::kValue, "N", "Only runs of incident N."},
       SinceFlag("Runs created"),
       LimitFlag("runs")},
      0, 0, Actions});
  commands.push_back(CommandSpec{
      "approve", "RUN_ID --reason TEXT", "Approve a run awaiting approval",
      "Approves a run awaiting approval; it is then queued and runs. A\n"
      "two-person run needs two different operators. Fails with\n"
      "FAILED_PRECONDITION if the run no longer awaits approval.",
      {ReasonFlag("you approve")}, 1, 1, RunCommandFn(&OperatorClient::Approve)});
  commands.push_back(CommandSpec{
      "reject", "RUN_ID --reason TEXT", "Reject a run awaiting approval",
      "Rejects a run awaiting approval; it will not run.",
      {ReasonFlag("you reject")}, 1, 1, RunCommandFn(&OperatorClient::Reject)});
  commands.push_back(CommandSpec{
      "revert", "RUN_ID --reason TEXT", "Undo an active reversible run now",
      "Undoes an active reversible action now, through its adapter (re-enables\n"
      "the account, releases the message), instead of waiting for its expiry.",
      {ReasonFlag("you revert")}, 1, 1, RunCommandFn(&OperatorClient::Revert)});
  commands.push_back(CommandSpec{
      "retry", "RUN_ID --reason TEXT", "Queue a failed run again",
      "Queues a failed run again with fresh attempts.",
      {ReasonFlag("you retry")}, 1, 1, RunCommandFn(&OperatorClient::Retry)});
  commands.push_back(CommandSpec{
      "extend",
      "RUN_ID (--by DURATION | --until TIME | --permanent) --reason TEXT",
      "Change when an active run expires",
      "Moves the expiry of an active reversible run: later with --by 2h,\n"
      "earlier with --by -30m, to a given time with --until, or removes it\n"
      "with --permanent (then the action stays until reverted).",
      {{"by", 0, FlagSpec::Kind::kValue, "DURATION",
        "Move the expiry by DURATION (2h, 1d, -30m)."},
       {"until", 0, FlagSpec::Kind::kValue, "TIME",
        "Set the expiry to TIME (RFC 3339, e.g. 2026-11-18T09:00:00Z)."},
       {"permanent", 0, FlagSpec::Kind::kBool, "",
        "No expiry: in effect until reverted."},
       ReasonFlag("you extend")},
      1, 1, Extend});
  return commands;
}

}  // namespace riposte::cli
