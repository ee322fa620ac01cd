#include "cli/flags.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/cli_status.h"

namespace riposte::cli {
namespace {

int EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

const FlagSpec* FindLong(const std::vector<FlagSpec>& specs, absl::string_view name) {
  for (const FlagSpec& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const FlagSpec* FindShort(const std::vector<FlagSpec>& specs, char c) {
  for (const FlagSpec& s : specs) {
    if (s.short_name != 0 && s.short_name == c) return &s;
  }
  return nullptr;
}

absl::Status UnknownFlag(absl::string_view flag, const std::vector<FlagSpec>& specs,
                         absl::string_view command) {
  std::vector<std::string> names;
  for (const FlagSpec& s : specs) names.push_back(absl::StrCat("--", s.name));
  std::string text = absl::StrCat(command, ": unknown flag ", flag);
  const std::string close = ClosestMatch(flag, names);
  if (!close.empty()) absl::StrAppend(&text, " (did you mean ", close, "?)");
  absl::StrAppend(&text, "; see '", command, " --help'");
  return UsageError(text);
}

}  // namespace

bool ParsedArgs::Has(absl::string_view name) const {
  return values_.find(name) != values_.end();
}

std::optional<std::string> ParsedArgs::Get(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return {};
  return it->second;
}

bool ParsedArgs::GetBool(absl::string_view name) const {
  std::optional<std::string> v = Get(name);
  return v.has_value() && *v == "true";
}

void ParsedArgs::Set(const std::string& name, std::string value, bool repeated) {
  std::vector<std::string>& slot = values_[name];
  if (!repeated) slot.clear();
  slot.push_back(std::move(value));
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<FlagSpec>& specs,
                                     absl::string_view command) {
  ParsedArgs parsed;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg == "-" || arg.empty() || arg[0] != '-') {
      parsed.AddPositional(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    std::string shown;  // the flag as the user wrote it, for messages
    if (absl::StartsWith(arg, "--")) {
      std::string name = arg.substr(2);
      if (size_t eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      shown = absl::StrCat("--", name);
      spec = FindLong(specs, name);
    } else {
      shown = arg.substr(0, 2);
      spec = FindShort(specs, arg[1]);
      if (arg.size() > 2) {
        inline_value = arg[2] == '=' ? arg.substr(3) : arg.substr(2);
      }
    }
    if (spec == nullptr) return UnknownFlag(shown, specs, command);
    if (spec->kind == FlagSpec::Kind::kBool) {
      std::string value = inline_value.value_or("true");
      if (value != "true" && value != "false") {
        return UsageError(absl::StrCat(command, ": ", shown,
                                       " takes no value (or =true, =false), got \"",
                                       value, "\""));
      }
      parsed.Set(spec->name, value, false);
      continue;
    }
    std::string value;
    if (inline_value.has_value()) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return UsageError(absl::StrCat(command, ": ", shown, " needs a value (",
                                     shown, " ", spec->value_name, ")"));
    }
    parsed.Set(spec->name, std::move(value),
               spec->kind == FlagSpec::Kind::kRepeated);
  }
  return parsed;
}

std::string FormatFlagHelp(const std::vector<FlagSpec>& specs) {
  std::vector<std::string> left;
  size_t width = 0;
  for (const FlagSpec& s : specs) {
    std::string l = s.short_name != 0 ? absl::StrCat("  -", std::string(1, s.short_name), ", ")
                                      : "      ";
    absl::StrAppend(&l, "--", s.name);
    if (s.kind != FlagSpec::Kind::kBool) absl::StrAppend(&l, " ", s.value_name);
    width = std::max(width, l.size());
    left.push_back(std::move(l));
  }
  std::string out;
  for (size_t i = 0; i < specs.size(); ++i) {
    const std::string indent(width + 3, ' ');
    std::string help = specs[i].help;
    // Continuation lines of a multi-line help align under the first.
    std::string aligned;
    for (char c : help) {
      aligned += c;
      if (c == '\n') aligned += indent;
    }
    absl::StrAppend(&out, left[i], std::string(width - left[i].size() + 3, ' '),
                    aligned, "\n");
  }
  return out;
}

std::string ClosestMatch(absl::string_view word,
                         const std::vector<std::string>& candidates) {
  std::string best;
  int best_distance = 3;  // suggest only within two edits
  for (const std::string& c : candidates) {
    const int d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace riposte::cli
