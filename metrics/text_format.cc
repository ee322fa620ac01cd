#include "metrics/text_format.h"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/json.h"

namespace riposte {
namespace metrics {
namespace {

// Metric names may also contain ':'; label names may not.
bool IsNameChar(char c, bool first, bool allow_colon) {
  if (absl::ascii_isalpha(c) || c == '_') return true;
  if (allow_colon && c == ':') return true;
  return !first && absl::ascii_isdigit(c);
}

bool IsName(absl::string_view s, bool allow_colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsNameChar(s[i], i == 0, allow_colon)) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateMetricName(absl::string_view name) {
  if (!IsName(name, /*allow_colon=*/true)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid metric name ", JsonQuote(name),
        ": must match [a-zA-Z_:][a-zA-Z0-9_:]*"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLabelNames(const std::vector<std::string>& names) {
  std::set<absl::string_view> seen;
  for (const std::string& name : names) {
    if (!IsName(name, /*allow_colon=*/false)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label name ", JsonQuote(name),
                       ": must match [a-zA-Z_][a-zA-Z0-9_]*"));
    }
    if (absl::StartsWith(name, "__")) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label name ", JsonQuote(name),
                       ": names starting with \"__\" are reserved"));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate label name ", JsonQuote(name)));
    }
  }
  return absl::OkStatus();
}

std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '"') {
      out.append("\\\"");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // JSON and Prometheus spell finite numbers the same way.
  return JsonDouble(value);
}

void AppendSample(absl::string_view name,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values,
                  absl::string_view le, absl::string_view value,
                  std::string* out) {
  out->append(name.data(), name.size());
  if (!label_names.empty() || !le.empty()) {
    out->push_back('{');
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) out->push_back(',');
      absl::StrAppend(out, label_names[i], "=\"",
                      EscapeLabelValue(label_values[i]), "\"");
    }
    if (!le.empty()) {
      if (!label_names.empty()) out->push_back(',');
      absl::StrAppend(out, "le=\"", le, "\"");
    }
    out->push_back('}');
  }
  absl::StrAppend(out, " ", value, "\n");
}

}  // namespace metrics
}  // namespace riposte
