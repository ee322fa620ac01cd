#include "actions/webhook/body_template.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "actions/common/json_value.h"
#include "common/json.h"

namespace riposte::actions::webhook {

const std::vector<std::string>& BodyTemplate::KnownPlaceholders() {
  static const std::vector<std::string>* const names = new std::vector<std::string>{
      "action", "target",          "target_display", "tenant",     "incident",
      "run",    "idempotency_key", "narrative",      "expires_at", "phase"};
  return *names;
}

absl::StatusOr<BodyTemplate> BodyTemplate::Parse(absl::string_view text) {
  BodyTemplate out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == absl::string_view::npos) {
      out.segments_.push_back({false, std::string(text.substr(pos))});
      break;
    }
    if (open > pos) out.segments_.push_back({false, std::string(text.substr(pos, open - pos))});
    const size_t close = text.find("}}", open + 2);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("unclosed \"{{\" at byte ", open));
    }
    const std::string name(
        absl::StripAsciiWhitespace(text.substr(open + 2, close - open - 2)));
    const auto& known = KnownPlaceholders();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown placeholder \"{{", name, "}}\" at byte ", open));
    }
    out.segments_.push_back({true, name});
    pos = close + 2;
  }
  return out;
}

absl::Status BodyTemplate::CheckJson(absl::string_view text) {
  absl::StatusOr<BodyTemplate> parsed = Parse(text);
  if (!parsed.ok()) return parsed.status();
  // A value with a quote and a backslash shows placeholders outside strings.
  std::map<std::string, std::string> sample;
  for (const std::string& name : KnownPlaceholders()) sample[name] = "sample \"value\\";
  absl::StatusOr<common::JsonValue> filled = common::JsonValue::Parse(parsed->Fill(sample));
  if (!filled.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON once filled (placeholders belong inside quotes): ",
                     filled.status().message()));
  }
  return absl::OkStatus();
}

bool IsJsonMediaType(absl::string_view content_type) {
  const std::string type = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';'))));
  return type == "application/json" ||
         (absl::StartsWith(type, "application/") && absl::EndsWith(type, "+json"));
}

std::string BodyTemplate::Fill(const std::map<std::string, std::string>& values) const {
  std::string out;
  for (const Segment& s : segments_) {
    if (!s.placeholder) {
      out += s.text;
      continue;
    }
    auto it = values.find(s.text);
    if (it == values.end()) continue;
    const std::string quoted = JsonQuote(it->second);
    out.append(quoted, 1, quoted.size() - 2);
  }
  return out;
}

}  // namespace riposte::actions::webhook
