#include "cli/command.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/cli_status.h"
#include "cli/json_output.h"
#include "common/text_rules.h"

namespace riposte::cli {

std::vector<CommandSpec> AllCommands() {
  std::vector<CommandSpec> all;
  for (auto group : {RunCommands, IncidentCommands, DecisionCommands,
                     PolicyCommands, AdminCommands, AuditCommands,
                     OcsfCommands}) {
    for (CommandSpec& spec : group()) all.push_back(std::move(spec));
  }
  return all;
}

absl::StatusOr<int64_t> ParseId(absl::string_view what, absl::string_view text) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(text, &id) || id <= 0) {
    return UsageError(absl::StrCat("bad ", what, " \"", text,
                                   "\": want a positive number"));
  }
  return id;
}

absl::StatusOr<std::string> RequireReason(const CommandContext& ctx) {
  std::optional<std::string> reason = ctx.args->Get("reason");
  if (!reason.has_value() || absl::StripAsciiWhitespace(*reason).empty()) {
    return UsageError(absl::StrCat(
        "riposte ", ctx.command,
        ": --reason is required: say why (it is audited with your identity)"));
  }
  // The server checks the rest of what a reason may hold and names it;
  // bytes that are not UTF-8 protobuf would refuse without a word.
  if (std::optional<std::string> problem = Utf8Problem(*reason)) {
    return UsageError(
        absl::StrCat("riposte ", ctx.command, ": --reason ", *problem));
  }
  return std::string(absl::StripAsciiWhitespace(*reason));
}

absl::StatusOr<int64_t> ParsePositiveFlag(const CommandContext& ctx,
                                          absl::string_view flag,
                                          int64_t default_value, bool allow_zero) {
  std::optional<std::string> text = ctx.args->Get(flag);
  if (!text.has_value()) return default_value;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value < 0 || (value == 0 && !allow_zero)) {
    return UsageError(absl::StrCat("--", flag, ": want a ",
                                   allow_zero ? "non-negative" : "positive",
                                   " number, got \"", *text, "\""));
  }
  return value;
}

void PrintJson(const CommandContext& ctx, const google::protobuf::Message& message) {
  *ctx.out << ToJsonDocument(message);
}

FlagSpec ReasonFlag(absl::string_view what) {
  return {"reason", 0, FlagSpec::Kind::kValue, "TEXT",
          absl::StrCat("Why ", what, " (required; audited with your identity).")};
}

FlagSpec TenantFlag() {
  return {"tenant", 0, FlagSpec::Kind::kValue, "TENANT", "Only this tenant."};
}

FlagSpec SinceFlag(absl::string_view what) {
  return {"since", 0, FlagSpec::Kind::kValue, "WHEN",
          absl::StrCat(what, " since WHEN: a duration back from now (24h, 7d)\n"
                             "or an RFC 3339 time (2026-11-16T09:00:00Z).")};
}

FlagSpec LimitFlag(absl::string_view what) {
  return {"limit", 0, FlagSpec::Kind::kValue, "N",
          absl::StrCat("At most N ", what, " (default 100; 0 = all).")};
}

}  // namespace riposte::cli
