#include "metrics/histogram.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "metrics/text_format.h"

namespace riposte {
namespace metrics {

std::vector<double> ExponentialBuckets(double start, double factor,
                                       int count) {
  if (!(start > 0) || !(factor > 1) || count < 1) return {};
  std::vector<double> bounds;
  bounds.reserve(count);
  double bound = start;
  for (int i = 0; i < count; ++i) {
    bounds.push_back(bound);
    bound *= factor;
  }
  return bounds;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  if (!std::isfinite(start) || !(width > 0) || count < 1) return {};
  std::vector<double> bounds;
  bounds.reserve(count);
  for (int i = 0; i < count; ++i) bounds.push_back(start + i * width);
  return bounds;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
          0.5,   1,      2.5,   5,    10,    30,   60};
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds),
      counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    counts_[i].store(0, std::memory_order_relaxed);
  }
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  const size_t bucket =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) -
      bounds_.begin();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.Add(value);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> cumulative(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    cumulative[i] = total;
  }
  return cumulative;
}

uint64_t Histogram::Count() const { return CumulativeCounts().back(); }

double Histogram::Sum() const { return sum_.Load(); }

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names,
                                 std::vector<double> bounds)
    : Family(MetricType::kHistogram, std::move(name), std::move(help),
             std::move(label_names)),
      bounds_(std::move(bounds)) {
  le_values_.reserve(bounds_.size() + 1);
  for (double bound : bounds_) le_values_.push_back(FormatValue(bound));
  le_values_.push_back("+Inf");
}

absl::StatusOr<Histogram*> HistogramFamily::WithLabels(
    absl::Span<const absl::string_view> label_values) {
  absl::Status status = CheckLabelValues(label_values);
  if (!status.ok()) return status;
  return series_.FindOrCreate(label_values, [this] {
    return std::unique_ptr<Histogram>(new Histogram(bounds_));
  });
}

void HistogramFamily::AppendSamples(std::string* out) const {
  const std::string bucket_name = absl::StrCat(name(), "_bucket");
  const std::string sum_name = absl::StrCat(name(), "_sum");
  const std::string count_name = absl::StrCat(name(), "_count");
  for (const auto& [labels, histogram] : series_.Snapshot()) {
    // Read the buckets once so that +Inf and _count agree.
    const std::vector<uint64_t> cumulative = histogram->CumulativeCounts();
    for (size_t i = 0; i < cumulative.size(); ++i) {
      AppendSample(bucket_name, label_names(), *labels, le_values_[i],
                   absl::StrCat(cumulative[i]), out);
    }
    AppendSample(sum_name, label_names(), *labels, /*le=*/"",
                 FormatValue(histogram->Sum()), out);
    AppendSample(count_name, label_names(), *labels, /*le=*/"",
                 absl::StrCat(cumulative.back()), out);
  }
}

}  // namespace metrics
}  // namespace riposte
