#ifndef RIPOSTE_METRICS_TEXT_FORMAT_H_
#define RIPOSTE_METRICS_TEXT_FORMAT_H_

// The pieces of the Prometheus text exposition format 0.0.4 that metric
// families need: name rules, escaping and number spelling. See
// https://prometheus.io/docs/instrumenting/exposition_formats/.
//
// All functions are pure and thread-safe.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace riposte {
namespace metrics {

// The Content-Type a /metrics handler serves RenderText() output with.
inline constexpr absl::string_view kTextContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// OK if `name` matches [a-zA-Z_:][a-zA-Z0-9_:]*, else InvalidArgument.
absl::Status ValidateMetricName(absl::string_view name);

// OK if `names` are valid label names ([a-zA-Z_][a-zA-Z0-9_]*, not starting
// with "__", which Prometheus reserves) and distinct, else InvalidArgument.
absl::Status ValidateLabelNames(const std::vector<std::string>& names);

// Help text: `\` -> `\\`, newline -> `\n`.
std::string EscapeHelp(absl::string_view help);

// Label value: `\` -> `\\`, `"` -> `\"`, newline -> `\n`.
std::string EscapeLabelValue(absl::string_view value);

// A sample value or bucket bound: "+Inf", "-Inf", "NaN"; integral values
// (|v| < 2^63) as plain integers ("1000000", not "1e+06"); anything else in
// the shortest form that parses back to the same double ("0.005", "1e-07").
std::string FormatValue(double value);

// Appends one sample line:
//   <name>{<label_names[i]>="<label_values[i]>",...[,le="<le>"]} <value>\n
// with label values escaped; the braces are left out when there are no
// labels. `le` is added only when non-empty. `value` is already formatted.
void AppendSample(absl::string_view name,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values,
                  absl::string_view le, absl::string_view value,
                  std::string* out);

}  // namespace metrics
}  // namespace riposte

#endif  // RIPOSTE_METRICS_TEXT_FORMAT_H_
