#ifndef RIPOSTE_METRICS_COUNTER_H_
#define RIPOSTE_METRICS_COUNTER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "metrics/atomic_double.h"
#include "metrics/family.h"

namespace riposte {
namespace metrics {

// A value that only goes up (breaches received, actions executed). Obtained
// from CounterFamily::WithLabels and cached by the caller.
//
// Thread-safe and lock-free: whole-number increments are one atomic add,
// fractional ones a compare-and-swap loop.
class Counter {
 public:
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment() { whole_.fetch_add(1, std::memory_order_relaxed); }

  // Adds `n`. Negative values are ignored: counters never go down.
  template <typename Int,
            typename std::enable_if<std::is_integral<Int>::value &&
                                        !std::is_same<Int, bool>::value,
                                    int>::type = 0>
  void Increment(Int n) {
    if constexpr (std::is_signed<Int>::value) {
      if (n < 0) return;
    }
    whole_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }

  // Adds `n` (seconds spent, bytes as a double...). Negative values and NaN
  // are ignored: counters never go down.
  void Increment(double n);

  // The current total.
  double Value() const;

  // The current total as it appears in the text format; whole-number totals
  // are exact even past 2^53.
  std::string FormattedValue() const;

 private:
  friend class CounterFamily;
  Counter() = default;

  // Whole-number increments, kept apart so the common case is exact and
  // cheap.
  std::atomic<uint64_t> whole_{0};
  AtomicDouble fraction_;
};

// All series of one counter metric: one Counter per combination of label
// values. Created by Registry::AddCounter.
//
// Thread-safe. WithLabels takes a lock; the returned Counter does not.
class CounterFamily : public Family {
 public:
  // The counter for `label_values`, one per label name in the order the
  // family declared them, created at 0 on first use. The pointer stays valid
  // as long as the Registry. InvalidArgument if the number of values is
  // wrong or a value is not valid UTF-8.
  absl::StatusOr<Counter*> WithLabels(
      absl::Span<const absl::string_view> label_values);

 private:
  friend class Registry;
  CounterFamily(std::string name, std::string help,
                std::vector<std::string> label_names);

  void AppendSamples(std::string* out) const override;

  SeriesMap<Counter> series_;
};

}  // namespace metrics
}  // namespace riposte

#endif  // RIPOSTE_METRICS_COUNTER_H_
