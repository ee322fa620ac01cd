#ifndef RIPOSTE_METRICS_GAUGE_H_
#define RIPOSTE_METRICS_GAUGE_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "metrics/atomic_double.h"
#include "metrics/family.h"

namespace riposte {
namespace metrics {

// A value that goes up and down (queue depth, actions active, paused or
// not). Obtained from GaugeFamily::WithLabels and cached by the caller.
//
// Thread-safe and lock-free.
class Gauge {
 public:
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.Store(value); }
  void Add(double delta) { value_.Add(delta); }
  void Sub(double delta) { value_.Add(-delta); }
  void Increment() { Add(1); }
  void Decrement() { Add(-1); }

  // The current value; for a callback series, what the callback returns now.
  double Value() const;

 private:
  friend class GaugeFamily;
  Gauge() = default;
  explicit Gauge(std::function<double()> callback)
      : callback_(std::move(callback)) {}

  bool is_callback() const { return static_cast<bool>(callback_); }

  AtomicDouble value_;
  // Set only at creation, so reading it needs no lock.
  const std::function<double()> callback_;
};

// All series of one gauge metric. A series either holds a value that the
// program sets (WithLabels) or is computed by a callback at scrape time
// (AddCallback), e.g. the length of a queue the metrics code does not own.
// Created by Registry::AddGauge.
//
// Thread-safe. WithLabels and AddCallback take a lock; the returned Gauge
// does not.
class GaugeFamily : public Family {
 public:
  // The gauge for `label_values`, created at 0 on first use; the pointer
  // stays valid as long as the Registry. Returns
  //  - InvalidArgument if the number of values is wrong or a value is not
  //    valid UTF-8;
  //  - FailedPrecondition if that series was added with AddCallback.
  absl::StatusOr<Gauge*> WithLabels(
      absl::Span<const absl::string_view> label_values);

  // Makes the series for `label_values` report `callback()` at every scrape.
  // The callback runs on the scraping thread, without metrics locks held; it
  // must be thread-safe and must outlive the Registry's use of it. Returns
  //  - InvalidArgument as WithLabels, or if `callback` is empty;
  //  - AlreadyExists if the series already exists, of either kind.
  absl::Status AddCallback(absl::Span<const absl::string_view> label_values,
                           std::function<double()> callback);

 private:
  friend class Registry;
  GaugeFamily(std::string name, std::string help,
              std::vector<std::string> label_names);

  void AppendSamples(std::string* out) const override;

  SeriesMap<Gauge> series_;
};

}  // namespace metrics
}  // namespace riposte

#endif  // RIPOSTE_METRICS_GAUGE_H_
