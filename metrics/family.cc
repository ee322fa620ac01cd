#include "metrics/family.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/json.h"
#include "metrics/text_format.h"

namespace riposte {
namespace metrics {

absl::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void Family::RenderText(std::string* out) const {
  std::string samples;
  AppendSamples(&samples);
  if (samples.empty()) return;
  absl::StrAppend(out, "# HELP ", name_, " ", EscapeHelp(help_), "\n",
                  "# TYPE ", name_, " ", MetricTypeName(type_), "\n", samples);
}

absl::Status Family::CheckLabelValues(
    absl::Span<const absl::string_view> values) const {
  if (values.size() != label_names_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": got ", values.size(), " label values, want ",
        label_names_.size(), " (", absl::StrJoin(label_names_, ", "), ")"));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!IsValidUtf8(values[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(name_, ": value of label \"", label_names_[i],
                       "\" is not valid UTF-8: ", JsonQuote(values[i])));
    }
  }
  return absl::OkStatus();
}

}  // namespace metrics
}  // namespace riposte
