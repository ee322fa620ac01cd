#include "orchestrator/intake/intake_metrics.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/ascii.h"

namespace riposte::intake {
namespace {

// Registration happens once at start-up with fixed names; a failure is a
// programming error.
template <typename T>
T Must(absl::StatusOr<T> v) {
  if (!v.ok()) {
    std::cerr << "intake metrics: " << v.status() << "\n";
    std::abort();
  }
  return *v;
}

}  // namespace

std::string FoldIndices(absl::string_view field) {
  std::string out;
  out.reserve(field.size());
  bool in_index = false;
  for (char c : field) {
    if (c == '[') {
      in_index = true;
      out.push_back(c);
    } else if (c == ']') {
      in_index = false;
      out.push_back(c);
    } else if (!in_index || !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      out.push_back(c);
    }
  }
  return out;
}

IntakeMetrics::IntakeMetrics(metrics::Registry& registry) {
  received_ = Must(registry.AddCounter(
      "riposte_breaches_received_total",
      "Breaches received from detectors, by outcome: accepted (stored), "
      "duplicate (seen before; original outcome returned), invalid "
      "(refused), failed (store error; the detector should retry).",
      {"outcome"}));
  invalid_ = Must(registry.AddCounter(
      "riposte_breaches_invalid_total",
      "Breaches refused as invalid, by the offending field.", {"field"}));
  auto* commit = Must(registry.AddHistogram(
      "riposte_intake_commit_seconds",
      "Time from accepting a valid breach until it is durably stored.", {},
      metrics::ExponentialBuckets(0.0005, 2, 14)));
  accepted_ = Must(received_->WithLabels({"accepted"}));
  duplicate_ = Must(received_->WithLabels({"duplicate"}));
  invalid_total_ = Must(received_->WithLabels({"invalid"}));
  failed_ = Must(received_->WithLabels({"failed"}));
  commit_seconds_ = Must(commit->WithLabels({}));
}

void IntakeMetrics::Recorded(const v1::SubmitResponse& response,
                             absl::Duration latency) {
  if (response.duplicate()) {
    duplicate_->Increment();
  } else {
    accepted_->Increment();
    commit_seconds_->Observe(absl::ToDoubleSeconds(latency));
  }
}

void IntakeMetrics::Invalid(absl::string_view field) {
  invalid_total_->Increment();
  auto counter = invalid_->WithLabels({FoldIndices(field)});
  if (counter.ok()) (*counter)->Increment();
}

void IntakeMetrics::Failed() { failed_->Increment(); }

double IntakeMetrics::Count(absl::string_view outcome) const {
  auto c = received_->WithLabels({outcome});
  return c.ok() ? (*c)->Value() : -1;
}

double IntakeMetrics::InvalidCount(absl::string_view field) const {
  auto c = invalid_->WithLabels({field});
  return c.ok() ? (*c)->Value() : -1;
}

}  // namespace riposte::intake
