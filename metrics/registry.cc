#include "metrics/registry.h"

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/json.h"
#include "metrics/text_format.h"

namespace riposte {
namespace metrics {
namespace {

absl::Status ValidateBounds(absl::string_view name,
                            const std::vector<double>& bounds) {
  if (bounds.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": no bucket bounds (bad arguments to a bucket helper?)"));
  }
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": bucket bound ", FormatValue(bounds[i]), " is not finite"));
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": bucket bounds must increase strictly, got ",
          FormatValue(bounds[i - 1]), " then ", FormatValue(bounds[i])));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Registry::Reserve(absl::string_view name, absl::string_view help,
                               const std::vector<std::string>& label_names,
                               const std::vector<std::string>& sample_names) {
  absl::Status status = ValidateMetricName(name);
  if (!status.ok()) return status;
  if (help.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": empty help text"));
  }
  if (!IsValidUtf8(help)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": help text is not valid UTF-8"));
  }
  status = ValidateLabelNames(label_names);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", status.message()));
  }
  for (const std::string& sample : sample_names) {
    if (sample_names_.count(sample) > 0) {
      return absl::AlreadyExistsError(absl::StrCat(
          "metric ", name, ": name ", sample, " is already registered"));
    }
  }
  sample_names_.insert(sample_names.begin(), sample_names.end());
  return absl::OkStatus();
}

absl::StatusOr<CounterFamily*> Registry::AddCounter(
    absl::string_view name, absl::string_view help,
    std::vector<std::string> label_names) {
  if (!absl::EndsWith(name, "_total")) {
    return absl::InvalidArgumentError(
        absl::StrCat("counter ", JsonQuote(name), " must end in _total"));
  }
  absl::MutexLock lock(&mu_);
  absl::Status status =
      Reserve(name, help, label_names, {std::string(name)});
  if (!status.ok()) return status;
  auto* family = new CounterFamily(std::string(name), std::string(help),
                                   std::move(label_names));
  families_.emplace(std::string(name), std::unique_ptr<Family>(family));
  return family;
}

absl::StatusOr<GaugeFamily*> Registry::AddGauge(
    absl::string_view name, absl::string_view help,
    std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  absl::Status status =
      Reserve(name, help, label_names, {std::string(name)});
  if (!status.ok()) return status;
  auto* family = new GaugeFamily(std::string(name), std::string(help),
                                 std::move(label_names));
  families_.emplace(std::string(name), std::unique_ptr<Family>(family));
  return family;
}

absl::Status Registry::AddCallbackGauge(absl::string_view name,
                                        absl::string_view help,
                                        std::function<double()> callback) {
  if (!callback) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": empty callback"));
  }
  absl::StatusOr<GaugeFamily*> family = AddGauge(name, help, {});
  if (!family.ok()) return family.status();
  return (*family)->AddCallback({}, std::move(callback));
}

absl::StatusOr<HistogramFamily*> Registry::AddHistogram(
    absl::string_view name, absl::string_view help,
    std::vector<std::string> label_names, std::vector<double> bounds) {
  for (absl::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (absl::EndsWith(name, suffix)) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram ", JsonQuote(name), " must not end in ",
                       suffix, ": that suffix is added to its samples"));
    }
  }
  for (const std::string& label : label_names) {
    if (label == "le") {
      return absl::InvalidArgumentError(absl::StrCat(
          "histogram ", JsonQuote(name),
          ": \"le\" is reserved for bucket bounds"));
    }
  }
  // An explicit +Inf bucket is always there; accept it but do not store it.
  if (!bounds.empty() && std::isinf(bounds.back()) &&
      bounds.back() > 0) bounds.pop_back();
  absl::Status status = ValidateBounds(name, bounds);
  if (!status.ok()) return status;

  absl::MutexLock lock(&mu_);
  const std::string base(name);
  status = Reserve(name, help, label_names,
                   {base, base + "_bucket", base + "_sum", base + "_count"});
  if (!status.ok()) return status;
  auto* family = new HistogramFamily(base, std::string(help),
                                     std::move(label_names), std::move(bounds));
  families_.emplace(base, std::unique_ptr<Family>(family));
  return family;
}

std::string Registry::RenderText() const {
  // Families are never removed, so their pointers outlive the lock; render
  // without it so gauge callbacks may use the registry.
  std::vector<const Family*> families;
  {
    absl::MutexLock lock(&mu_);
    families.reserve(families_.size());
    for (const auto& [name, family] : families_) families.push_back(family.get());
  }
  std::string out;
  for (const Family* family : families) family->RenderText(&out);
  return out;
}

}  // namespace metrics
}  // namespace riposte
