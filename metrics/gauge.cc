#include "metrics/gauge.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "metrics/text_format.h"

namespace riposte {
namespace metrics {
namespace {

std::string DescribeSeries(absl::string_view name,
                           absl::Span<const absl::string_view> values) {
  return absl::StrCat(name, "{", absl::StrJoin(values, ","), "}");
}

}  // namespace

double Gauge::Value() const {
  if (callback_) return callback_();
  return value_.Load();
}

GaugeFamily::GaugeFamily(std::string name, std::string help,
                         std::vector<std::string> label_names)
    : Family(MetricType::kGauge, std::move(name), std::move(help),
             std::move(label_names)) {}

absl::StatusOr<Gauge*> GaugeFamily::WithLabels(
    absl::Span<const absl::string_view> label_values) {
  absl::Status status = CheckLabelValues(label_values);
  if (!status.ok()) return status;
  Gauge* gauge = series_.FindOrCreate(
      label_values, [] { return std::unique_ptr<Gauge>(new Gauge()); });
  if (gauge->is_callback()) {
    return absl::FailedPreconditionError(
        absl::StrCat(DescribeSeries(name(), label_values),
                     " is computed by a callback and cannot be set"));
  }
  return gauge;
}

absl::Status GaugeFamily::AddCallback(
    absl::Span<const absl::string_view> label_values,
    std::function<double()> callback) {
  absl::Status status = CheckLabelValues(label_values);
  if (!status.ok()) return status;
  if (!callback) {
    return absl::InvalidArgumentError(
        absl::StrCat(DescribeSeries(name(), label_values), ": empty callback"));
  }
  bool created = false;
  series_.FindOrCreate(
      label_values,
      [&callback] {
        return std::unique_ptr<Gauge>(new Gauge(std::move(callback)));
      },
      &created);
  if (!created) {
    return absl::AlreadyExistsError(absl::StrCat(
        DescribeSeries(name(), label_values), " already exists"));
  }
  return absl::OkStatus();
}

void GaugeFamily::AppendSamples(std::string* out) const {
  // Snapshot() releases the lock before any callback runs.
  for (const auto& [labels, gauge] : series_.Snapshot()) {
    AppendSample(name(), label_names(), *labels, /*le=*/"",
                 FormatValue(gauge->Value()), out);
  }
}

}  // namespace metrics
}  // namespace riposte
