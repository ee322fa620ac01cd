#include "actions/webhook/body_template.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
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
