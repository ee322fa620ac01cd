#include "metrics/counter.h"

#include <cmath>
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

void Counter::Increment(double n) {
  if (!(n >= 0)) return;  // Also catches NaN.
  // Whole numbers go to the exact integer part; 2^53 is where doubles stop
  // representing every integer.
  constexpr double kTwoTo53 = 9007199254740992.0;
  if (n < kTwoTo53 && std::trunc(n) == n) {
    whole_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    return;
  }
  fraction_.Add(n);
}

double Counter::Value() const {
  return static_cast<double>(whole_.load(std::memory_order_relaxed)) +
         fraction_.Load();
}

std::string Counter::FormattedValue() const {
  const uint64_t whole = whole_.load(std::memory_order_relaxed);
  const double fraction = fraction_.Load();
  if (fraction == 0) return absl::StrCat(whole);
  return FormatValue(static_cast<double>(whole) + fraction);
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : Family(MetricType::kCounter, std::move(name), std::move(help),
             std::move(label_names)) {}

absl::StatusOr<Counter*> CounterFamily::WithLabels(
    absl::Span<const absl::string_view> label_values) {
  absl::Status status = CheckLabelValues(label_values);
  if (!status.ok()) return status;
  return series_.FindOrCreate(label_values,
                              [] { return std::unique_ptr<Counter>(new Counter()); });
}

void CounterFamily::AppendSamples(std::string* out) const {
  for (const auto& [labels, counter] : series_.Snapshot()) {
    AppendSample(name(), label_names(), *labels, /*le=*/"",
                 counter->FormattedValue(), out);
  }
}

}  // namespace metrics
}  // namespace riposte
