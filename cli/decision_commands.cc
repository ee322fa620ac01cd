// simulate, submit.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/breach_input.h"
#include "cli/cli_status.h"
#include "cli/command.h"
#include "cli/decision_view.h"
#include "cli/input_file.h"
#include "cli/json_output.h"

namespace riposte::cli {
namespace {

absl::StatusOr<BreachInput> ReadBreaches(const CommandContext& ctx) {
  std::optional<std::string> path = ctx.args->Get("file");
  if (!path.has_value()) {
    return UsageError(absl::StrCat("riposte ", ctx.command,
                                   ": -f FILE is required (\"-\" reads stdin)"));
  }
  absl::StatusOr<std::string> text = ReadInput(*path, *ctx.in);
  if (!text.ok()) return text.status();
  return ParseBreachInput(*text, InputName(*path));
}

absl::Status Simulate(CommandContext& ctx) {
  absl::StatusOr<BreachInput> input = ReadBreaches(ctx);
  if (!input.ok()) return input.status();
  v1::SimulateRequest request = std::move(input->request);
  const std::vector<std::string> policy_paths = ctx.args->GetAll("policy");
  if (!policy_paths.empty()) {
    absl::StatusOr<std::vector<v1::PolicySource>> sources =
        ReadPolicySources(policy_paths);
    if (!sources.ok()) return sources.status();
    request.clear_policy();
    for (v1::PolicySource& s : *sources) *request.add_policy() = std::move(s);
  }
  if (ctx.args->GetBool("paused")) request.set_paused(true);
  absl::StatusOr<v1::SimulateResponse> response = ctx.client->Simulate(request);
  if (!response.ok()) return response.status();
  if (ctx.json) {
    PrintJson(ctx, *response);
  } else {
    *ctx.out << RenderSimulation(*response, ctx.View());
  }
  return absl::OkStatus();
}

absl::Status Submit(CommandContext& ctx) {
  absl::StatusOr<BreachInput> input = ReadBreaches(ctx);
  if (!input.ok()) return input.status();
  if (input->request.policy_size() > 0 || input->request.paused()) {
    return UsageError(absl::StrCat(
        "riposte submit: ", InputName(*ctx.args->Get("file")),
        " has policy or paused: those are for 'riposte simulate'"));
  }
  const auto& breaches = input->request.breaches();
  const bool single = breaches.size() == 1 && input->shape == BreachInput::Shape::kSingle;
  for (int i = 0; i < breaches.size(); ++i) {
    v1::SubmitRequest request;
    *request.mutable_breach() = breaches[i];
    absl::StatusOr<v1::SubmitResponse> response = ctx.client->Submit(request);
    if (!response.ok()) {
      // Stop at the first refusal: later breaches may build on this one.
      if (single) return response.status();
      if (i > 0) {
        ctx.out->flush();
        *ctx.err << "riposte: submitted " << i << " of " << breaches.size()
                 << " breaches; stopped at [" << i << "], the rest were not sent\n";
      }
      return absl::Status(
          response.status().code(),
          absl::StrCat("breach [", i, "] (", breaches[i].detector_id(), "/",
                       breaches[i].breach_id(), "): ", response.status().message()));
    }
    if (ctx.json) {
      *ctx.out << (single ? ToJsonDocument(*response) : ToJsonLine(*response));
    } else {
      if (i > 0) *ctx.out << "\n";
      *ctx.out << RenderSubmit(*response, ctx.View());
    }
    ctx.out->flush();
  }
  return absl::OkStatus();
}

FlagSpec FileFlag(const char* help) {
  return {"file", 'f', FlagSpec::Kind::kValue, "FILE", help};
}

}  // namespace

std::vector<CommandSpec> DecisionCommands() {
  std::vector<CommandSpec> commands;
  commands.push_back(CommandSpec{
      "simulate", "-f FILE [--policy FILE_OR_DIR ...] [--paused]",
      "Decide breaches without storing or touching anything",
      "Asks riposted what it would decide for the breaches in FILE, in order,\n"
      "each seeing what the earlier ones would have done, and prints each\n"
      "decision with its narrative. Nothing is stored and nothing is run.\n"
      "\n"
      "FILE (\"-\" = stdin) holds proto JSON: an array of Breach objects, one\n"
      "Breach, or a SimulateRequest {\"breaches\": [...], \"policy\": [...],\n"
      "\"paused\": true}. Field names may be lowerCamelCase or snake_case.\n"
      "--policy decides against local policy files instead of the running\n"
      "policy (a directory means its *.yaml and *.yml files); it replaces any\n"
      "policy given in FILE.",
      {FileFlag("The breaches (\"-\" = stdin)."),
       {"policy", 0, FlagSpec::Kind::kRepeated, "FILE_OR_DIR",
        "Decide against these policy files; repeatable."},
       {"paused", 0, FlagSpec::Kind::kBool, "", "Simulate with autonomy paused."}},
      0, 0, Simulate});
  commands.push_back(CommandSpec{
      "submit", "-f FILE",
      "Submit breaches as a detector would (Intake/Submit)",
      "Submits the breaches in FILE (\"-\" = stdin; one Breach or an array, in\n"
      "proto JSON) one by one through riposte.v1.Intake/Submit, as a detector\n"
      "would, and prints each outcome and decision. Stops at the first breach\n"
      "refused. For scripts and for testing detectors.\n"
      "\n"
      "With --json: one SubmitResponse document for a single breach, JSON\n"
      "lines (one SubmitResponse each) for an array.",
      {FileFlag("The breaches (\"-\" = stdin).")},
      0, 0, Submit});
  return commands;
}

}  // namespace riposte::cli
