#include "policies/read_util.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "yaml/scalar.h"

namespace riposte::policies {
namespace {

// Built-in actions from least to most aggressive.
std::vector<const ActionSpec*> ByAggression() {
  std::vector<const ActionSpec*> specs;
  for (const auto& [name, spec] : BuiltinActions()) specs.push_back(&spec);
  std::stable_sort(specs.begin(), specs.end(),
                   [](const ActionSpec* a, const ActionSpec* b) {
                     return a->aggression < b->aggression;
                   });
  return specs;
}

bool IsPlainDecimal(absl::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  size_t i = 0;
  while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
  if (i == 0) return false;
  if (i == text.size()) return true;
  if (text[i] != '.') return false;
  size_t fraction = ++i;
  while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
  return i == text.size() && i > fraction;
}

}  // namespace

const std::map<std::string, ActionSpec>& BuiltinActions() {
  static const auto* const kCatalog =
      new std::map<std::string, ActionSpec>(DefaultActionCatalog());
  return *kCatalog;
}

const std::string& KnownActionList() {
  static const std::string* const kList = [] {
    std::vector<std::string> names;
    for (const ActionSpec* spec : ByAggression()) names.push_back(spec->name);
    return new std::string(absl::StrJoin(names, ", "));
  }();
  return *kList;
}

const std::string& ReversibleActionList() {
  static const std::string* const kList = [] {
    std::vector<std::string> names;
    for (const ActionSpec* spec : ByAggression()) {
      if (spec->reversible) names.push_back(spec->name);
    }
    return new std::string(absl::StrJoin(names, ", "));
  }();
  return *kList;
}

std::string UnknownActionMessage(absl::string_view name) {
  return absl::StrCat("unknown action '", name, "' (known: ",
                      KnownActionList(), ")");
}

bool IsValidName(absl::string_view name) {
  if (name.empty()) return false;
  auto lower_or_digit = [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c);
  };
  if (!lower_or_digit(name[0])) return false;
  for (char c : name) {
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

std::string InvalidNameMessage(absl::string_view what, absl::string_view name) {
  if (name.empty()) return absl::StrCat("the ", what, " name must not be empty");
  return absl::StrCat(what, " name ", yaml::QuoteForMessage(name),
                      " must start with a lower-case letter or digit and "
                      "hold only a-z, 0-9, '.', '_' and '-'");
}

Site SiteOf(const yaml::MapReader& reader, absl::string_view key, int file) {
  return Site{file, reader.LineOf(key), reader.PathOf(key)};
}

bool ReadNameList(yaml::MapReader& reader, absl::string_view key,
                  bool required, int file, std::vector<NameAt>* out) {
  bool all_good = true;
  auto read_item = [&](const yaml::Node& item, const std::string& path) {
    int line = item.line > 0 ? item.line : reader.LineOf(key);
    absl::StatusOr<std::string> text = yaml::ReadString(item);
    if (!text.ok()) {
      reader.errors()->Add(line, path, text.status().message());
      all_good = false;
      return;
    }
    if (text->empty()) {
      reader.errors()->Add(line, path, "must not be empty");
      all_good = false;
      return;
    }
    out->push_back(NameAt{*std::move(text), Site{file, line, path}});
  };
  bool present = required ? reader.RequiredSequence(key, read_item)
                          : reader.OptionalSequence(key, read_item);
  return present && all_good;
}

bool ReadNumber(yaml::MapReader& reader, absl::string_view key, bool required,
                double* out) {
  const yaml::Node* node = reader.Get(key);
  if (node == nullptr) {
    if (required) {
      reader.errors()->Add(reader.line(), reader.PathOf(key),
                           "required key is missing");
    }
    return false;
  }
  if (!node->IsScalar() || !IsPlainDecimal(node->scalar)) {
    reader.AddError(
        key, absl::StrCat("expected a number such as 40 or 62.5, got ",
                          node->IsScalar() ? yaml::QuoteForMessage(node->scalar)
                                           : absl::StrCat("a ", node->KindName())));
    return false;
  }
  double value = 0;
  if (!absl::SimpleAtod(node->scalar, &value)) {
    reader.AddError(key, absl::StrCat("number ",
                                      yaml::QuoteForMessage(node->scalar),
                                      " is out of range"));
    return false;
  }
  *out = value;
  return true;
}

bool ReadChoice(yaml::MapReader& reader, absl::string_view key,
                absl::string_view what,
                std::initializer_list<absl::string_view> allowed, int* index) {
  std::string value;
  if (!reader.OptionalString(key, &value)) return false;
  int i = 0;
  for (absl::string_view candidate : allowed) {
    if (candidate == value) {
      *index = i;
      return true;
    }
    ++i;
  }
  reader.AddError(key, absl::StrCat("unknown ", what, " ",
                                    yaml::QuoteForMessage(value), " (allowed: ",
                                    absl::StrJoin(allowed, ", "), ")"));
  return false;
}

std::string FormatScore(double score) { return absl::StrCat(score); }

}  // namespace riposte::policies
