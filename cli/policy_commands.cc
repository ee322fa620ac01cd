// policy show, policy validate, policy reload.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/cli_status.h"
#include "cli/command.h"
#include "cli/input_file.h"
#include "cli/text.h"

namespace riposte::cli {
namespace {

std::string PolicySummary(const v1::PolicyInfo& info) {
  std::string out = absl::StrCat("Policy version ", info.version(), "\n");
  if (!info.path().empty()) {
    absl::StrAppend(&out, "Path:     ", SanitizeForTerminal(info.path(), false), "\n");
  }
  absl::StrAppend(&out, "Rules:    ", info.rules(), "\n");
  std::vector<std::string> names(info.sources().begin(), info.sources().end());
  if (names.empty()) {
    for (const v1::PolicySource& f : info.files()) names.push_back(f.name());
  }
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "Files:    " : "          ",
                    SanitizeForTerminal(names[i], false), "\n");
  }
  return out;
}

absl::Status Show(CommandContext& ctx) {
  absl::StatusOr<v1::PolicyInfo> info = ctx.client->GetPolicy({});
  if (!info.ok()) return info.status();
  if (ctx.json) {
    PrintJson(ctx, *info);
    return absl::OkStatus();
  }
  *ctx.out << PolicySummary(*info);
  for (const v1::PolicySource& file : info->files()) {
    *ctx.out << "\n--- " << SanitizeForTerminal(file.name(), false) << " ---\n"
             << SanitizeForTerminal(file.yaml(), true);
    if (!file.yaml().empty() && file.yaml().back() != '\n') *ctx.out << "\n";
  }
  return absl::OkStatus();
}

absl::Status Validate(CommandContext& ctx) {
  v1::ValidatePolicyRequest request;
  const std::vector<std::string> paths = ctx.args->GetAll("file");
  if (!paths.empty()) {
    absl::StatusOr<std::vector<v1::PolicySource>> sources = ReadPolicySources(paths);
    if (!sources.ok()) return sources.status();
    for (v1::PolicySource& s : *sources) *request.add_policy() = std::move(s);
  }
  absl::StatusOr<v1::ValidatePolicyResponse> response =
      ctx.client->ValidatePolicy(request);
  if (!response.ok()) return response.status();
  if (ctx.json) {
    PrintJson(ctx, *response);
  } else if (response->valid()) {
    *ctx.out << "The policy is valid: version " << response->version() << " ("
             << (request.policy_size() > 0
                     ? absl::StrCat(request.policy_size(),
                                    request.policy_size() == 1 ? " file" : " files")
                     : std::string("the server's policy files"))
             << ").\n";
  } else {
    *ctx.err << "riposte: the policy is invalid:\n";
    for (absl::string_view line :
         absl::StrSplit(response->errors(), '\n', absl::SkipEmpty())) {
      *ctx.err << "  " << SanitizeForTerminal(line, false) << "\n";
    }
  }
  return response->valid() ? absl::OkStatus() : SilentExit(kExitFailed);
}

absl::Status Reload(CommandContext& ctx) {
  absl::StatusOr<std::string> reason = RequireReason(ctx);
  if (!reason.ok()) return reason.status();
  v1::ReloadPolicyRequest request;
  request.set_reason(*reason);
  absl::StatusOr<v1::PolicyInfo> info = ctx.client->ReloadPolicy(request);
  if (!info.ok()) return info.status();
  if (ctx.json) {
    PrintJson(ctx, *info);
  } else {
    *ctx.out << "Reloaded the policy.\n" << PolicySummary(*info);
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<CommandSpec> PolicyCommands() {
  std::vector<CommandSpec> commands;
  commands.push_back(CommandSpec{
      "policy show", "", "Show the running policy",
      "Prints the running policy's version, path, rule count and files, then\n"
      "the text of each file.",
      {}, 0, 0, Show});
  commands.push_back(CommandSpec{
      "policy validate", "[-f FILE_OR_DIR ...]", "Check policy files",
      "Has riposted validate the given policy files (a directory means its\n"
      "*.yaml and *.yml files) without loading them; without -f, the server\n"
      "checks its own policy files, as a reload would read them. Exits 0 if\n"
      "valid, 1 if not, listing every error as file:line: field: message.",
      {{"file", 'f', FlagSpec::Kind::kRepeated, "FILE_OR_DIR",
        "A policy file or directory; repeatable."}},
      0, 0, Validate});
  commands.push_back(CommandSpec{
      "policy reload", "--reason TEXT", "Reload the policy (admin)",
      "Has riposted re-read its policy files. A valid policy is swapped in\n"
      "atomically; an invalid one is refused and the running one stays.\n"
      "Admins only.",
      {ReasonFlag("you reload")}, 0, 0, Reload});
  return commands;
}

}  // namespace riposte::cli
