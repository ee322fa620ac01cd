#ifndef RIPOSTE_ORCHESTRATOR_INTAKE_INTAKE_METRICS_H_
#define RIPOSTE_ORCHESTRATOR_INTAKE_INTAKE_METRICS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "metrics/metrics.h"
#include "riposte/v1/intake.pb.h"

namespace riposte::intake {

// Intake's Prometheus series:
//   riposte_breaches_received_total{outcome="accepted|duplicate|invalid|failed"}
//   riposte_breaches_by_source_total{detector,category,outcome}  (accepted
//       and duplicate only: their ids passed validation; category is the
//       model name's first segment, e.g. "SaaS")
//   riposte_decisions_total{action,mode,state}   actions decided, by the
//       mode their rule asked for and the state
//       they were decided into (proposed, awaiting_approval, observed,
//       suppressed)
//   riposte_budget_exhausted_total{action}  blast-radius budget hits
//   riposte_breaches_invalid_total{field="breach.score"}   (indices folded:
//       "breach.evidence[3].key" counts as "breach.evidence[].key")
//   riposte_intake_commit_seconds   time from accepting a valid breach to
//       its reply being durable
// The accepted path touches only cached series: no lock per breach.
// Thread-safe.
class IntakeMetrics {
 public:
  explicit IntakeMetrics(metrics::Registry& registry);

  // `breach` is the validated breach the response answers.
  void Recorded(const v1::Breach& breach, const v1::SubmitResponse& response,
                absl::Duration latency);
  void Invalid(absl::string_view field);
  void Failed();

  // For tests.
  double Count(absl::string_view outcome) const;
  double InvalidCount(absl::string_view field) const;

 private:
  metrics::CounterFamily* received_ = nullptr;
  metrics::CounterFamily* invalid_ = nullptr;
  metrics::Counter* accepted_ = nullptr;
  metrics::Counter* duplicate_ = nullptr;
  metrics::Counter* invalid_total_ = nullptr;
  metrics::Counter* failed_ = nullptr;
  metrics::Histogram* commit_seconds_ = nullptr;
  metrics::Counter* Cached(metrics::CounterFamily* family,
                           std::vector<std::string> labels);

  const int64_t instance_;
  metrics::CounterFamily* by_source_ = nullptr;
  metrics::CounterFamily* decisions_ = nullptr;
  metrics::CounterFamily* budget_ = nullptr;
};

// "SaaS / Compromise / X" -> "SaaS".
std::string ModelCategory(absl::string_view model_name);

// "breach.evidence[3].key" -> "breach.evidence[].key".
std::string FoldIndices(absl::string_view field);

}  // namespace riposte::intake

#endif  // RIPOSTE_ORCHESTRATOR_INTAKE_INTAKE_METRICS_H_
