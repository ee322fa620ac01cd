// pause, resume, status, whoami.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/cli_status.h"
#include "cli/command.h"
#include "cli/json_output.h"
#include "cli/text.h"
#include "cli/time_format.h"

namespace riposte::cli {
namespace {

std::string Clean(const std::string& s) { return SanitizeForTerminal(s, false); }

// "PAUSED since 2026-11-16 09:00:00 UTC (5m ago) by bob: maintenance" or "on".
std::string PauseLine(const v1::PauseState& state, const ViewOptions& view) {
  if (!state.paused()) return "on (autonomous actions run)";
  std::string line = "PAUSED";
  if (IsSet(state.since())) {
    absl::StrAppend(&line, " since ", FormatTimestamp(ToTime(state.since())), " (",
                    FormatRelative(ToTime(state.since()), view.now), ")");
  }
  if (!state.by().empty()) absl::StrAppend(&line, " by ", Clean(state.by()));
  if (!state.reason().empty()) absl::StrAppend(&line, ": ", Clean(state.reason()));
  return line;
}

std::function<absl::Status(CommandContext&)> SetPausedFn(bool paused) {
  return [paused](CommandContext& ctx) -> absl::Status {
    absl::StatusOr<std::string> reason = RequireReason(ctx);
    if (!reason.ok()) return reason.status();
    v1::SetPausedRequest request;
    request.set_paused(paused);
    request.set_reason(*reason);
    absl::StatusOr<v1::PauseState> state = ctx.client->SetPaused(request);
    if (!state.ok()) return state.status();
    if (ctx.json) {
      PrintJson(ctx, *state);
    } else if (state->paused()) {
      *ctx.out << "Autonomy is " << PauseLine(*state, ctx.View())
               << ".\nNothing runs autonomously until 'riposte resume'.\n";
    } else {
      *ctx.out << "Autonomy is on again: autonomous actions run.\n";
    }
    return absl::OkStatus();
  };
}

absl::Status Status(CommandContext& ctx) {
  absl::StatusOr<v1::PauseState> pause = ctx.client->GetPause({});
  if (!pause.ok()) return pause.status();
  absl::StatusOr<v1::WhoAmIResponse> who = ctx.client->WhoAmI({});
  if (!who.ok()) return who.status();
  absl::StatusOr<v1::PolicyInfo> policy = ctx.client->GetPolicy({});
  if (!policy.ok()) return policy.status();
  policy->clear_files();  // a summary; 'policy show' has the text
  if (ctx.json) {
    *ctx.out << ToJsonDocument({{"pause", &*pause}, {"identity", &*who},
                                {"policy", &*policy}});
    return absl::OkStatus();
  }
  const int files = policy->sources_size();
  *ctx.out << "Server:    " << ctx.server << "\n"
           << "Identity:  " << Clean(who->identity()) << " (" << Clean(who->role())
           << ")\n"
           << "Autonomy:  " << PauseLine(*pause, ctx.View()) << "\n"
           << "Policy:    " << ShortVersion(policy->version()) << ", "
           << policy->rules() << (policy->rules() == 1 ? " rule" : " rules");
  if (!policy->path().empty()) *ctx.out << " from " << Clean(policy->path());
  if (files > 0) *ctx.out << " (" << files << (files == 1 ? " file)" : " files)");
  *ctx.out << "\n";
  return absl::OkStatus();
}

absl::Status WhoAmI(CommandContext& ctx) {
  absl::StatusOr<v1::WhoAmIResponse> who = ctx.client->WhoAmI({});
  if (!who.ok()) return who.status();
  if (ctx.json) {
    PrintJson(ctx, *who);
  } else {
    *ctx.out << Clean(who->identity()) << " (" << Clean(who->role()) << ")\n";
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<CommandSpec> AdminCommands() {
  std::vector<CommandSpec> commands;
  commands.push_back(CommandSpec{
      "pause", "--reason TEXT", "Pause autonomy: the kill switch (admin)",
      "Pauses autonomy: from now on nothing runs autonomously; decided actions\n"
      "wait for approval instead. Admins only.",
      {ReasonFlag("you pause")}, 0, 0, SetPausedFn(true)});
  commands.push_back(CommandSpec{
      "resume", "--reason TEXT", "Resume autonomy (admin)",
      "Ends a pause: autonomous actions run again. Admins only.",
      {ReasonFlag("you resume")}, 0, 0, SetPausedFn(false)});
  commands.push_back(CommandSpec{
      "status", "", "Show the server, your identity, pause state and policy",
      "Shows where the CLI connects, who the server takes you for, whether\n"
      "autonomy is paused, and the running policy.\n"
      "\n"
      "With --json: {\"pause\": PauseState, \"identity\": WhoAmIResponse,\n"
      "\"policy\": PolicyInfo} (the policy without its files' text).",
      {}, 0, 0, Status});
  commands.push_back(CommandSpec{
      "whoami", "", "Show your identity and role as the server sees them",
      "Shows the identity and role the server gives your credentials.",
      {}, 0, 0, WhoAmI});
  return commands;
}

}  // namespace riposte::cli
