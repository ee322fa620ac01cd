#include "orchestrator/intake/intake_metrics.h"

#include <atomic>
#include <cstdlib>
#include <iostream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace riposte::intake {
namespace {

// Every IntakeMetrics gets its own number, so a thread's cache can never
// hand out a series of a registry that is gone (addresses get reused).
std::atomic<int64_t> next_instance{1};

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

IntakeMetrics::IntakeMetrics(metrics::Registry& registry)
    : instance_(next_instance.fetch_add(1)) {
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
  by_source_ = Must(registry.AddCounter(
      "riposte_breaches_by_source_total",
      "Valid breaches by detector, model category and outcome (accepted or "
      "duplicate).",
      {"detector", "category", "outcome"}));
  decisions_ = Must(registry.AddCounter(
      "riposte_decisions_total",
      "Decided actions by action, the mode their rule asked for, and the "
      "state they were decided into.",
      {"action", "mode", "state"}));
  budget_ = Must(registry.AddCounter(
      "riposte_budget_exhausted_total",
      "Actions that waited for approval because the tenant's blast-radius "
      "budget was used up.",
      {"action"}));
}

std::string ModelCategory(absl::string_view model_name) {
  const size_t slash = model_name.find(" / ");
  return std::string(model_name.substr(0, slash));
}


// Cached series per thread, instance and labels: after the first breach
// from a detector, counting takes no lock.
metrics::Counter* IntakeMetrics::Cached(metrics::CounterFamily* family,
                                        std::vector<std::string> labels) {
  thread_local absl::flat_hash_map<std::string, metrics::Counter*> cache;
  std::string key = absl::StrCat(instance_, "/",
                                 reinterpret_cast<uintptr_t>(family));
  for (const auto& l : labels) absl::StrAppend(&key, "\x1f", l);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  std::vector<absl::string_view> views(labels.begin(), labels.end());
  auto c = family->WithLabels(views);
  metrics::Counter* counter = c.ok() ? *c : nullptr;
  if (counter != nullptr) cache.emplace(std::move(key), counter);
  return counter;
}

void IntakeMetrics::Recorded(const v1::Breach& breach,
                             const v1::SubmitResponse& response,
                             absl::Duration latency) {
  const char* outcome = response.duplicate() ? "duplicate" : "accepted";
  if (response.duplicate()) {
    duplicate_->Increment();
  } else {
    accepted_->Increment();
    commit_seconds_->Observe(absl::ToDoubleSeconds(latency));
    for (const auto& a : response.decision().actions()) {
      if (auto* c = Cached(decisions_, {a.action(), a.rule_mode(), a.state()})) {
        c->Increment();
      }
      for (const auto& g : a.gates()) {
        if (g == "budget") {
          if (auto* c = Cached(budget_, {a.action()})) c->Increment();
        }
      }
    }
  }
  if (auto* c = Cached(by_source_, {breach.detector_id(),
                                    ModelCategory(breach.model_name()),
                                    outcome})) {
    c->Increment();
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
