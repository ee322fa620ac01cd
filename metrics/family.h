#ifndef RIPOSTE_METRICS_FAMILY_H_
#define RIPOSTE_METRICS_FAMILY_H_

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace riposte {
namespace metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

// "counter", "gauge" or "histogram", as in a "# TYPE" line.
absl::string_view MetricTypeName(MetricType type);

// What the three kinds of family share: a name, help text, label names, and
// rendering as one block of the text format. Families are created by a
// Registry (see registry.h), which validates the name, help and label names,
// and live as long as it does.
//
// Thread-safe.
class Family {
 public:
  virtual ~Family() = default;

  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  MetricType type() const { return type_; }

  // Appends "# HELP", "# TYPE" and one line per sample, series in order of
  // their label values. Appends nothing while the family has no series.
  // Gauge callbacks are called from here, without any lock held.
  void RenderText(std::string* out) const;

 protected:
  Family(MetricType type, std::string name, std::string help,
         std::vector<std::string> label_names)
      : type_(type),
        name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)) {}

  // InvalidArgument unless there is one value per label name and each is
  // valid UTF-8 (Prometheus rejects a whole scrape over one bad value).
  absl::Status CheckLabelValues(
      absl::Span<const absl::string_view> values) const;

  // Appends the sample lines of every series.
  virtual void AppendSamples(std::string* out) const = 0;

 private:
  const MetricType type_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

// Orders label value lists lexicographically; compares owned keys with
// borrowed lookups so finding a series allocates nothing.
struct LabelValuesLess {
  using is_transparent = void;

  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](absl::string_view x, absl::string_view y) { return x < y; });
  }
};

// The series of one family, keyed by label values. Series are created on
// first use and never removed, so the pointers handed out stay valid for the
// life of the map; only lookups and creation take the lock.
//
// Thread-safe. Implementation detail of //metrics.
template <typename Series>
class SeriesMap {
 public:
  using Key = std::vector<std::string>;

  // Returns the series for `values`, creating it with `make()` (which
  // returns std::unique_ptr<Series>) if there is none. `*created` (if not
  // null) says which happened.
  template <typename Make>
  Series* FindOrCreate(absl::Span<const absl::string_view> values, Make make,
                       bool* created = nullptr) {
    absl::MutexLock lock(&mu_);
    auto it = map_.find(values);
    const bool is_new = it == map_.end();
    if (is_new) {
      it = map_.emplace(Key(values.begin(), values.end()), make()).first;
    }
    if (created != nullptr) *created = is_new;
    return it->second.get();
  }

  // Every series with its label values, in key order. The pointers stay
  // valid after the lock is released.
  std::vector<std::pair<const Key*, const Series*>> Snapshot() const {
    absl::MutexLock lock(&mu_);
    std::vector<std::pair<const Key*, const Series*>> out;
    out.reserve(map_.size());
    for (const auto& [key, series] : map_) {
      out.emplace_back(&key, series.get());
    }
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<Key, std::unique_ptr<Series>, LabelValuesLess> map_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace metrics
}  // namespace riposte

#endif  // RIPOSTE_METRICS_FAMILY_H_
