#include "cli/run_view.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/table.h"
#include "cli/text.h"
#include "cli/time_format.h"

namespace riposte::cli {
namespace {

std::string RelativeOrEmpty(const google::protobuf::Timestamp& ts,
                            const ViewOptions& view) {
  return IsSet(ts) ? FormatRelative(ToTime(ts), view.now) : "";
}

std::string AgeCell(const v1::ActionRun& run, const ViewOptions& view) {
  return IsSet(run.created_time())
             ? FormatAge(view.now - ToTime(run.created_time()))
             : "";
}

std::string Approvals(const v1::ActionRun& run) {
  return absl::StrCat(run.approvers_size(), "/", run.two_person() ? 2 : 1);
}

// "reverted" alone reads as "the effect was undone": say when it was not.
std::string StateCell(const v1::ActionRun& run) {
  std::string state = SanitizeForTerminal(run.state(), false);
  if (run.outcome() == "nothing_to_undo") {
    absl::StrAppend(&state, " (nothing to undo)");
  } else if (run.state() == "reverted" && run.outcome() == "already_reverted") {
    absl::StrAppend(&state, " (by someone else)");
  }
  return state;
}

std::string TargetOf(const v1::ActionRun& run) {
  return SanitizeForTerminal(run.target_key(), false);
}

}  // namespace

std::string DescribeRun(const v1::ActionRun& run) {
  return absl::StrCat(SanitizeForTerminal(run.action(), false), " on ",
                      TargetOf(run));
}

std::string ExpiresCell(const v1::ActionRun& run, const ViewOptions& view) {
  if (IsSet(run.expires_time())) return FormatRelative(ToTime(run.expires_time()), view.now);
  if (run.state() == "active" && run.reversible()) return "never";
  return "";
}

std::string RenderPending(const Runs& runs, const ViewOptions& view) {
  if (runs.empty()) return "No runs are awaiting approval.\n";
  Table table({"ID", "ACTION", "TARGET", "RULE", "TENANT", "APPROVALS",
               "DEADLINE", "AGE"});
  table.set_blank_line_after_detail(true);
  for (const v1::ActionRun& run : runs) {
    table.AddRow({absl::StrCat(run.run_id()), run.action(), run.target_key(),
                  run.rule(), run.tenant_id(), Approvals(run),
                  RelativeOrEmpty(run.approval_deadline(), view),
                  AgeCell(run, view)},
                 Wrap(run.narrative(), view.width, 4));
  }
  return table.Render();
}

std::string RenderRunsTable(const Runs& runs, const ViewOptions& view,
                            int indent) {
  if (runs.empty()) return absl::StrCat(std::string(indent, ' '), "No action runs.\n");
  Table table({"ID", "STATE", "ACTION", "TARGET", "RULE", "TENANT", "INCIDENT",
               "AGE", "EXPIRES"});
  for (const v1::ActionRun& run : runs) {
    std::string detail;
    if (run.state() == "failed" && !run.last_error().empty()) {
      detail = Wrap(absl::StrCat("error: ", run.last_error()), view.width,
                    indent + 4);
    } else if (!run.outcome_note().empty() &&
               (run.outcome() == "nothing_to_undo" ||
                run.outcome() == "already_reverted" ||
                run.outcome() == "already_applied")) {
      detail = Wrap(SanitizeForTerminal(run.outcome_note(), false), view.width,
                    indent + 4);
    }
    table.AddRow({absl::StrCat(run.run_id()), StateCell(run), run.action(),
                  run.target_key(), run.rule(), run.tenant_id(),
                  run.incident_id() > 0 ? absl::StrCat(run.incident_id()) : "",
                  AgeCell(run, view), ExpiresCell(run, view)},
                 std::move(detail));
  }
  return table.Render(indent);
}

std::string RenderRunResult(absl::string_view command, const v1::ActionRun& run,
                            const ViewOptions& view) {
  const std::string what =
      absl::StrCat("run ", run.run_id(), " (", DescribeRun(run), ")");
  const std::string state = SanitizeForTerminal(run.state(), false);
  std::string line;
  if (command == "approve") {
    if (run.state() == "awaiting_approval") {
      line = absl::StrCat("Approved ", what, ": ", run.approvers_size(), " of ",
                          run.two_person() ? 2 : 1,
                          " approvals, waiting for another operator.");
    } else {
      line = absl::StrCat("Approved ", what, "; it is now ", state, ".");
    }
  } else if (command == "reject") {
    line = absl::StrCat("Rejected ", what, "; it is now ", state, ".");
  } else if (command == "revert") {
    line = absl::StrCat("Reverting ", what, "; it is now ", state, ".");
  } else if (command == "retry") {
    line = absl::StrCat("Retrying ", what, "; it is now ", state, ".");
  } else if (command == "extend") {
    if (IsSet(run.expires_time())) {
      const absl::Time expires = ToTime(run.expires_time());
      line = absl::StrCat("Extended ", what, ": it now expires ",
                          FormatTimestamp(expires), " (",
                          FormatRelative(expires, view.now), ").");
    } else {
      line = absl::StrCat("Extended ", what,
                          ": it now stays in effect until reverted.");
    }
  } else {
    line = absl::StrCat(what, " is now ", state, ".");
  }
  return absl::StrCat(line, "\n");
}

}  // namespace riposte::cli
