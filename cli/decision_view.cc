#include "cli/decision_view.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/table.h"
#include "cli/text.h"
#include "cli/time_format.h"

namespace riposte::cli {

std::string RenderDecision(const v1::Decision& decision, const ViewOptions& view,
                           int indent) {
  std::string out;
  if (decision.actions().empty()) {
    absl::StrAppend(&out, std::string(indent, ' '), "No action.\n");
  } else {
    Table table({"RUN", "ACTION", "TARGET", "STATE", "RULE", "MODE", "DURATION",
                 "GATES"});
    for (const v1::ProposedAction& a : decision.actions()) {
      const absl::Duration d = ToDuration(a.duration());
      table.AddRow({absl::StrCat(a.run_id()), a.action(), a.target_key(),
                    a.state(), a.rule(), a.rule_mode(),
                    d > absl::ZeroDuration() ? CompactDuration(d) : "",
                    absl::StrJoin(a.gates(), ",")});
    }
    out += table.Render(indent);
  }
  if (!decision.narrative().empty()) {
    out += "\n";
    out += Wrap(decision.narrative(), view.width, indent);
  }
  return out;
}

std::string RenderSimulation(const v1::SimulateResponse& response,
                             const ViewOptions& view) {
  std::string out = absl::StrCat(
      "Simulated against policy ", ShortVersion(response.policy_version()),
      "; nothing was stored or changed.\n");
  for (const v1::SimulatedDecision& result : response.results()) {
    absl::StrAppend(&out, "\n== ",
                    SanitizeForTerminal(result.detector_id(), false), "/",
                    SanitizeForTerminal(result.breach_id(), false),
                    ", incident ", result.incident(),
                    result.duplicate() ? " (duplicate: the original decision)" : "",
                    result.corroborates() > 0
                        ? absl::StrCat(" (repeats breach ", result.corroborates(), ")")
                        : "",
                    "\n");
    out += RenderDecision(result.decision(), view, 2);
  }
  return out;
}

std::string RenderSubmit(const v1::SubmitResponse& response,
                         const ViewOptions& view) {
  std::string out = absl::StrCat(SanitizeForTerminal(response.detector_id(), false),
                                 "/", SanitizeForTerminal(response.breach_id(), false),
                                 ": ");
  if (!response.duplicate()) {
    absl::StrAppend(&out, "accepted as breach ", response.stored_breach_id(),
                    " in incident ", response.incident_id(),
                    response.new_incident() ? " (new incident)" : "", "\n");
  } else {
    absl::StrAppend(&out, "duplicate of breach ", response.stored_breach_id(),
                    " in incident ", response.incident_id(),
                    "; nothing changed");
    if (response.duplicate_differs()) {
      out += " (this copy differs from the stored breach, which wins)";
    }
    out += "\n";
  }
  if (response.has_decision()) {
    out += RenderDecision(response.decision(), view, 2);
  } else {
    out += "  No decision (riposted runs without a policy).\n";
  }
  return out;
}

}  // namespace riposte::cli
