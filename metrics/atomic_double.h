#ifndef RIPOSTE_METRICS_ATOMIC_DOUBLE_H_
#define RIPOSTE_METRICS_ATOMIC_DOUBLE_H_

#include <atomic>
#include <cstdint>

#include "absl/base/casts.h"

namespace riposte {
namespace metrics {

// A double that can be read, set and added to from many threads without a
// lock: the bits live in a std::atomic<uint64_t>, and Add is a
// compare-and-swap loop. Relaxed ordering: metric values carry no
// happens-before relations with other data.
//
// Thread-safe. Implementation detail of //metrics.
class AtomicDouble {
 public:
  explicit AtomicDouble(double value = 0)
      : bits_(absl::bit_cast<uint64_t>(value)) {}

  AtomicDouble(const AtomicDouble&) = delete;
  AtomicDouble& operator=(const AtomicDouble&) = delete;

  double Load() const {
    return absl::bit_cast<double>(bits_.load(std::memory_order_relaxed));
  }

  void Store(double value) {
    bits_.store(absl::bit_cast<uint64_t>(value), std::memory_order_relaxed);
  }

  void Add(double delta) {
    uint64_t old_bits = bits_.load(std::memory_order_relaxed);
    // On failure compare_exchange_weak reloads old_bits; retry with it.
    while (!bits_.compare_exchange_weak(
        old_bits,
        absl::bit_cast<uint64_t>(absl::bit_cast<double>(old_bits) + delta),
        std::memory_order_relaxed)) {
    }
  }

 private:
  static_assert(std::atomic<uint64_t>::is_always_lock_free,
                "metric updates must not take a lock");

  std::atomic<uint64_t> bits_;
};

}  // namespace metrics
}  // namespace riposte

#endif  // RIPOSTE_METRICS_ATOMIC_DOUBLE_H_
