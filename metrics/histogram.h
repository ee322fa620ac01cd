#ifndef RIPOSTE_METRICS_HISTOGRAM_H_
#define RIPOSTE_METRICS_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "metrics/atomic_double.h"
#include "metrics/family.h"

namespace riposte {
namespace metrics {

// Bucket upper bounds start, start*factor, start*factor^2, ... (`count` of
// them). Needs start > 0, factor > 1 and count >= 1; otherwise returns an
// empty list, which Registry::AddHistogram rejects.
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// Bucket upper bounds start, start+width, ... (`count` of them). Needs
// width > 0 and count >= 1; otherwise returns an empty list, which
// Registry::AddHistogram rejects.
std::vector<double> LinearBuckets(double start, double width, int count);

// Bounds for latencies in seconds, 1 ms to 60 s: wide enough for a local
// decision and for a Graph call that is retried after a 429.
std::vector<double> DefaultLatencyBuckets();

// Counts observations (latencies, sizes) in fixed buckets and keeps their
// sum. Obtained from HistogramFamily::WithLabels and cached by the caller.
//
// Thread-safe and lock-free. A scrape that races with Observe may see the
// new observation in the buckets but not yet in the sum; _count is always
// the total of the buckets it was rendered with.
class Histogram {
 public:
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose upper bound is >= value (the
  // implicit +Inf bucket if none). NaN is ignored: it would make the sum NaN
  // for ever.
  void Observe(double value);

  // Per-bucket counts, cumulative as in the text format: element i counts
  // observations <= bounds()[i]; the last element, one past the bounds, is
  // the +Inf bucket, i.e. the total count.
  std::vector<uint64_t> CumulativeCounts() const;
  uint64_t Count() const;
  double Sum() const;

  // The finite upper bounds, ascending.
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  friend class HistogramFamily;
  explicit Histogram(const std::vector<double>& bounds);

  const std::vector<double>& bounds_;  // Owned by the family.
  // Non-cumulative: counts_[i] is bucket i alone; bounds_.size() + 1 of them.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  AtomicDouble sum_;
};

// All series of one histogram metric; they share the bucket bounds given at
// creation. Created by Registry::AddHistogram.
//
// Thread-safe. WithLabels takes a lock; the returned Histogram does not.
class HistogramFamily : public Family {
 public:
  // The histogram for `label_values`, created empty on first use; the
  // pointer stays valid as long as the Registry. InvalidArgument if the
  // number of values is wrong or a value is not valid UTF-8.
  absl::StatusOr<Histogram*> WithLabels(
      absl::Span<const absl::string_view> label_values);

  // The finite upper bounds, ascending.
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  friend class Registry;
  HistogramFamily(std::string name, std::string help,
                  std::vector<std::string> label_names,
                  std::vector<double> bounds);

  void AppendSamples(std::string* out) const override;

  const std::vector<double> bounds_;
  // The bounds as "le" label values, formatted once.
  std::vector<std::string> le_values_;
  SeriesMap<Histogram> series_;
};

}  // namespace metrics
}  // namespace riposte

#endif  // RIPOSTE_METRICS_HISTOGRAM_H_
