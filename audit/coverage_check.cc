#include "audit/coverage_check.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_value.h"

namespace riposte::audit {
namespace {

constexpr absl::string_view kRunEventPrefix = "action.";

}  // namespace

void CoverageCheck::Add(const AuditRecord& record) {
  const std::string& event = record.event.event;
  const bool breach = event == "breach.received";
  const bool decision = event == "decision.made";
  const bool run = absl::StartsWith(event, kRunEventPrefix);
  if (!breach && !decision && !run) return;
  absl::StatusOr<JsonValue> details = JsonValue::Parse(record.event.details);
  if (!details.ok()) return;
  if (breach) {
    if (auto id = details->GetInt64("stored_breach_id")) breaches_.insert(*id);
  } else if (decision) {
    if (auto id = details->GetInt64("decision_id")) decisions_.insert(*id);
  } else if (auto id = details->GetInt64("run_id")) {
    RunRecords& r = runs_[*id];
    if (r.records++ == 0) {
      r.created_state = event.substr(kRunEventPrefix.size());
    }
  }
}

AuditedRows CoverageCheck::Named() const {
  AuditedRows rows;
  rows.breach_ids.assign(breaches_.begin(), breaches_.end());
  rows.decision_ids.assign(decisions_.begin(), decisions_.end());
  for (const auto& [id, records] : runs_) rows.runs.push_back({id, ""});
  return rows;
}

CoverageResult CoverageCheck::Check(const AuditedRows& rows) const {
  CoverageResult result;
  auto missing = [&](std::string what) {
    result.ok = false;
    ++result.missing;
    if (result.examples.size() < kMaxExamples) {
      result.examples.push_back(std::move(what));
    }
  };
  for (int64_t id : rows.breach_ids) {
    ++result.checked;
    if (breaches_.count(id) == 0) {
      missing(absl::StrCat("breach ", id, ": no breach.received record"));
    }
  }
  for (int64_t id : rows.decision_ids) {
    ++result.checked;
    if (decisions_.count(id) == 0) {
      missing(absl::StrCat("decision ", id, ": no decision.made record"));
    }
  }
  for (const AuditedRows::Run& run : rows.runs) {
    ++result.checked;
    auto it = runs_.find(run.id);
    if (it == runs_.end()) {
      missing(absl::StrCat("action run ", run.id, " (", run.state,
                           "): no action record"));
    } else if (it->second.records == 1 &&
               it->second.created_state != run.state) {
      missing(absl::StrCat("action run ", run.id, ": stored as ", run.state,
                           ", but its only record is action.",
                           it->second.created_state,
                           " (the transition has no record)"));
    }
  }
  return result;
}

}  // namespace riposte::audit
