#ifndef RIPOSTE_METRICS_REGISTRY_H_
#define RIPOSTE_METRICS_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "metrics/counter.h"
#include "metrics/family.h"
#include "metrics/gauge.h"
#include "metrics/histogram.h"

namespace riposte {
namespace metrics {

// Owns the metric families of one process (or one test) and renders them for
// Prometheus. There is no global registry: the server creates one and hands
// it to the components that record metrics.
//
//   Registry registry;
//   CounterFamily* breaches = registry.AddCounter(
//       "riposte_breaches_received_total", "Breaches received.",
//       {"outcome"}).value();             // at start-up
//   Counter* accepted = breaches->WithLabels({"accepted"}).value();
//   accepted->Increment();                // on the hot path, lock-free
//
// Add* return errors rather than abort, so that start-up can report every
// problem the same way as a bad config; a program that treats them as bugs
// calls .value() and stops there.
//
// Thread-safe. Families and series are never removed; the pointers the
// registry hands out stay valid until it is destroyed.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Adds a counter family. `name` must end in "_total". Returns
  //  - InvalidArgument for a bad metric name, missing "_total", empty or
  //    non-UTF-8 help, or bad or repeated label names;
  //  - AlreadyExists if the name, or a sample name it produces, is taken.
  absl::StatusOr<CounterFamily*> AddCounter(
      absl::string_view name, absl::string_view help,
      std::vector<std::string> label_names);

  // Adds a gauge family. Errors as AddCounter, without the "_total" rule.
  absl::StatusOr<GaugeFamily*> AddGauge(absl::string_view name,
                                        absl::string_view help,
                                        std::vector<std::string> label_names);

  // Adds a gauge without labels whose value is `callback()` at every
  // scrape (see GaugeFamily::AddCallback). Errors as AddGauge, plus
  // InvalidArgument for an empty callback.
  absl::Status AddCallbackGauge(absl::string_view name, absl::string_view help,
                                std::function<double()> callback);

  // Adds a histogram family with the given finite, strictly increasing bucket
  // upper bounds (a trailing +Inf may be given; it is always implied). The
  // name must not end in "_bucket", "_sum" or "_count", and "le" is not a
  // label name. Returns
  //  - InvalidArgument for those rules, an empty bound list (what the bucket
  //    helpers return for bad arguments), NaN or unordered bounds, or any
  //    reason AddGauge gives;
  //  - AlreadyExists if the name, name_bucket, name_sum or name_count is
  //    taken.
  absl::StatusOr<HistogramFamily*> AddHistogram(
      absl::string_view name, absl::string_view help,
      std::vector<std::string> label_names, std::vector<double> bounds);

  // Every family with at least one series, in the Prometheus text exposition
  // format 0.0.4 (serve it as kTextContentType): families sorted by name,
  // series by label values. Deterministic for given values.
  std::string RenderText() const;

 private:
  // Checks name, help and label names, and that none of `sample_names` is
  // taken; then claims them.
  absl::Status Reserve(absl::string_view name, absl::string_view help,
                       const std::vector<std::string>& label_names,
                       const std::vector<std::string>& sample_names)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_
      ABSL_GUARDED_BY(mu_);
  // Every sample name a family writes, e.g. x_bucket, x_sum and x_count for
  // histogram x, so no two families write the same series.
  std::set<std::string, std::less<>> sample_names_ ABSL_GUARDED_BY(mu_);
};

}  // namespace metrics
}  // namespace riposte

#endif  // RIPOSTE_METRICS_REGISTRY_H_
