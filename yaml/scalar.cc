#include "yaml/scalar.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace riposte::yaml {
namespace {

constexpr size_t kMaxQuotedChars = 80;

absl::Status WrongKind(const Node& node, absl::string_view expected) {
  if (node.IsNull()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", expected, ", got nothing (null)"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("expected ", expected, ", got a ", node.KindName()));
}

absl::Status BadDuration(absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "bad duration ", QuoteForMessage(text), " (use e.g. 30s, 5m, 24h)"));
}

bool IsDecimalNumber(absl::string_view text) {
  // digits, optionally followed by '.' and digits
  size_t i = 0;
  while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
  if (i == 0) return false;
  if (i == text.size()) return true;
  if (text[i] != '.') return false;
  ++i;
  size_t fraction_start = i;
  while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
  return i == text.size() && i > fraction_start;
}

}  // namespace

std::string QuoteForMessage(absl::string_view text) {
  bool cut = text.size() > kMaxQuotedChars;
  if (cut) text = text.substr(0, kMaxQuotedChars);
  return absl::StrCat("\"", absl::CHexEscape(text), cut ? "...\"" : "\"");
}

absl::StatusOr<std::string> ReadString(const Node& node) {
  if (!node.IsScalar()) return WrongKind(node, "a string");
  return node.scalar;
}

absl::StatusOr<int64_t> ReadInt64(const Node& node, IntBounds bounds) {
  if (!node.IsScalar()) return WrongKind(node, "an integer");
  absl::string_view text = node.scalar;
  absl::string_view digits = text;
  if (!digits.empty() && digits[0] == '-') digits.remove_prefix(1);
  bool all_digits = !digits.empty();
  for (char c : digits) all_digits = all_digits && absl::ascii_isdigit(c);
  if (!all_digits) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an integer, got ", QuoteForMessage(text)));
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("integer ", QuoteForMessage(text), " is out of range"));
  }
  if (value >= bounds.min && value <= bounds.max) return value;
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::string rule;
  if (bounds.max == kMax && bounds.min == 1) {
    rule = "must be positive";
  } else if (bounds.max == kMax && bounds.min == 0) {
    rule = "must not be negative";
  } else if (bounds.max == kMax) {
    rule = absl::StrCat("must be at least ", bounds.min);
  } else if (bounds.min == kMin) {
    rule = absl::StrCat("must be at most ", bounds.max);
  } else {
    rule = absl::StrCat("must be between ", bounds.min, " and ", bounds.max);
  }
  return absl::InvalidArgumentError(absl::StrCat(rule, ", got ", value));
}

absl::StatusOr<bool> ReadBool(const Node& node) {
  if (!node.IsScalar()) return WrongKind(node, "true or false");
  if (node.scalar == "true") return true;
  if (node.scalar == "false") return false;
  return absl::InvalidArgumentError(absl::StrCat(
      "expected true or false, got ", QuoteForMessage(node.scalar)));
}

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text) {
  absl::Duration result;
  size_t d = text.find('d');
  if (d == absl::string_view::npos) {
    // absl::ParseDuration's own units (ns, us, ms, s, m, h) have no 'd'.
    if (!absl::ParseDuration(text, &result)) return BadDuration(text);
  } else {
    absl::string_view days = text.substr(0, d);
    absl::string_view rest = text.substr(d + 1);
    bool negative = !days.empty() && days[0] == '-';
    if (negative) days.remove_prefix(1);
    absl::Duration day_part;
    if (!IsDecimalNumber(days) ||
        !absl::ParseDuration(absl::StrCat(days, "h"), &day_part)) {
      return BadDuration(text);
    }
    result = day_part * 24;
    if (!rest.empty()) {
      absl::Duration rest_part;
      if (rest[0] == '-' || rest[0] == '+' ||
          !absl::ParseDuration(rest, &rest_part)) {
        return BadDuration(text);
      }
      result += rest_part;
    }
    if (negative) result = -result;
  }
  if (result == absl::InfiniteDuration() ||
      result == -absl::InfiniteDuration()) {
    return BadDuration(text);
  }
  return result;
}

absl::StatusOr<absl::Duration> ReadDuration(const Node& node,
                                            DurationBounds bounds) {
  if (!node.IsScalar()) return WrongKind(node, "a duration such as 30s");
  absl::StatusOr<absl::Duration> d = ParseDurationText(node.scalar);
  if (!d.ok()) return d.status();
  if (*d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "must not be negative, got ", QuoteForMessage(node.scalar)));
  }
  if (*d == absl::ZeroDuration() && !bounds.allow_zero) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be positive, got ", QuoteForMessage(node.scalar)));
  }
  if (*d > bounds.max) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be at most ", absl::FormatDuration(bounds.max),
                     ", got ", QuoteForMessage(node.scalar)));
  }
  return *d;
}

}  // namespace riposte::yaml
