#include "cli/incident_view.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/run_view.h"
#include "cli/table.h"
#include "cli/text.h"
#include "cli/time_format.h"

namespace riposte::cli {
namespace {

std::string When(const google::protobuf::Timestamp& ts, const ViewOptions& view) {
  if (!IsSet(ts)) return "(unknown time)";
  return absl::StrCat(FormatTimestamp(ToTime(ts)), " (",
                      FormatRelative(ToTime(ts), view.now), ")");
}

std::string Clean(const std::string& s) { return SanitizeForTerminal(s, false); }

std::string ScoreText(double score) {
  // Scores are usually whole; keep one decimal when they are not.
  if (score == static_cast<int64_t>(score)) return absl::StrCat(static_cast<int64_t>(score));
  return absl::StrFormat("%.1f", score);
}

void AppendDecision(const v1::DecisionRecord& d, const v1::IncidentDetail& detail,
                    const ViewOptions& view, std::set<int64_t>* shown_runs,
                    std::string* out) {
  absl::StrAppend(out, "  decision ", d.decision_id());
  if (IsSet(d.decided_time())) {
    absl::StrAppend(out, " at ", FormatTimestamp(ToTime(d.decided_time())));
  }
  std::vector<std::string> notes;
  if (!d.matched_rules().empty()) {
    notes.push_back(absl::StrCat("rules ", Clean(absl::StrJoin(d.matched_rules(), ", "))));
  }
  if (!d.policy_version().empty()) {
    notes.push_back(absl::StrCat("policy ", ShortVersion(d.policy_version())));
  }
  if (!notes.empty()) absl::StrAppend(out, " (", absl::StrJoin(notes, "; "), ")");
  *out += "\n";
  *out += Wrap(d.narrative(), view.width, 4);
  for (const v1::ActionRun& run : detail.runs()) {
    if (run.decision_id() != d.decision_id()) continue;
    shown_runs->insert(run.run_id());
    absl::StrAppend(out, "    -> run ", run.run_id(), ": ", DescribeRun(run),
                    ", ", Clean(run.state()), "\n");
  }
}

}  // namespace

std::string RenderIncident(const v1::IncidentDetail& detail,
                           const ViewOptions& view) {
  const v1::Incident& inc = detail.incident();
  std::string out = absl::StrCat("Incident ", inc.incident_id(), ": ",
                                 Clean(inc.subject_key()));
  if (!inc.subject_kind().empty()) absl::StrAppend(&out, " (", Clean(inc.subject_kind()), ")");
  if (!inc.tenant_id().empty()) absl::StrAppend(&out, " in tenant ", Clean(inc.tenant_id()));
  absl::StrAppend(&out, "\n  first seen ", When(inc.first_seen(), view),
                  "\n  last seen  ", When(inc.last_seen(), view), "\n  ",
                  inc.breach_count(),
                  inc.breach_count() == 1 ? " breach" : " breaches");
  if (inc.corroborations() > 0) {
    absl::StrAppend(&out, " (", inc.corroborations(),
                    inc.corroborations() == 1 ? " repeats" : " repeat",
                    " an earlier report)");
  }
  out += "\n";

  out += "\nTimeline:\n";
  std::set<int64_t> shown_decisions;
  std::set<int64_t> shown_runs;
  if (detail.breaches().empty()) out += "  No breaches.\n";
  for (const v1::StoredBreachSummary& b : detail.breaches()) {
    const google::protobuf::Timestamp& when =
        IsSet(b.observed_time()) ? b.observed_time() : b.received_time();
    absl::StrAppend(&out, "\n", IsSet(when) ? FormatTimestamp(ToTime(when)) : "-",
                    "  breach ", b.stored_breach_id(), " from ",
                    Clean(b.detector_id()), "/", Clean(b.breach_id()), ", score ",
                    ScoreText(b.score()),
                    b.corroborates() > 0
                        ? absl::StrCat(", repeats breach ", b.corroborates())
                        : "",
                    "\n");
    out += Wrap(b.model_name(), view.width, 2);
    for (const v1::DecisionRecord& d : detail.decisions()) {
      if (d.stored_breach_id() != b.stored_breach_id()) continue;
      shown_decisions.insert(d.decision_id());
      AppendDecision(d, detail, view, &shown_runs, &out);
    }
  }
  bool header = false;
  for (const v1::DecisionRecord& d : detail.decisions()) {
    if (shown_decisions.count(d.decision_id())) continue;
    if (!header) {
      out += "\nOther decisions:\n";
      header = true;
    }
    AppendDecision(d, detail, view, &shown_runs, &out);
  }

  out += "\nRuns:\n";
  out += RenderRunsTable(detail.runs(), view, 2);
  return out;
}

std::string RenderIncidents(
    const google::protobuf::RepeatedPtrField<v1::Incident>& incidents,
    const ViewOptions& view) {
  if (incidents.empty()) return "No incidents.\n";
  Table table({"ID", "TENANT", "SUBJECT", "KIND", "BREACHES", "FIRST SEEN",
               "LAST SEEN"});
  for (const v1::Incident& inc : incidents) {
    table.AddRow({absl::StrCat(inc.incident_id()), inc.tenant_id(),
                  inc.subject_key(), inc.subject_kind(),
                  absl::StrCat(inc.breach_count()),
                  IsSet(inc.first_seen()) ? FormatRelative(ToTime(inc.first_seen()), view.now) : "",
                  IsSet(inc.last_seen()) ? FormatRelative(ToTime(inc.last_seen()), view.now) : ""});
  }
  return table.Render();
}

}  // namespace riposte::cli
