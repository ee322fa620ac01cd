#ifndef RIPOSTE_YAML_SCALAR_H_
#define RIPOSTE_YAML_SCALAR_H_

// Typed reading of one scalar node. These are the rules every Riposte YAML
// document shares (config, policies): integers are plain decimal, booleans
// are exactly true/false, durations are absl forms plus days.
//
// Each function returns InvalidArgument whose message says what was wrong
// with the value but not where (e.g. `bad duration "5 minutes" (use e.g. 30s,
// 5m, 24h)`); the caller adds file, line and field path (see MapReader).

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "yaml/yaml_document.h"

namespace riposte::yaml {

// Inclusive range an integer must fall in.
struct IntBounds {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();

  static IntBounds Any() { return IntBounds{}; }
  static IntBounds NonNegative() { return IntBounds{0}; }
  static IntBounds Positive() { return IntBounds{1}; }
  static IntBounds Range(int64_t min, int64_t max) { return IntBounds{min, max}; }
};

// What a duration may be. Negative durations are never accepted.
struct DurationBounds {
  bool allow_zero = true;
  absl::Duration max = absl::InfiniteDuration();

  static DurationBounds NonNegative() { return DurationBounds{}; }
  static DurationBounds Positive() { return DurationBounds{false}; }
};

// The scalar's text. Fails for null, sequences and maps.
absl::StatusOr<std::string> ReadString(const Node& node);

// A decimal integer ("-12", "4194304"): no fractions, exponents, hex or
// spaces; fails on overflow and outside `bounds`.
absl::StatusOr<int64_t> ReadInt64(const Node& node,
                                  IntBounds bounds = IntBounds::Any());

// Exactly "true" or "false".
absl::StatusOr<bool> ReadBool(const Node& node);

// A duration in absl::ParseDuration form ("500ms", "30s", "5m", "24h",
// "1h30m", "1.5h", "0") or with a leading whole or fractional number of days
// ("7d", "1d12h"). Infinite and negative durations are rejected.
absl::StatusOr<absl::Duration> ReadDuration(
    const Node& node, DurationBounds bounds = DurationBounds::NonNegative());

// The text rules of ReadDuration, without the bounds: parses `text` or
// returns InvalidArgument `bad duration "..." (use e.g. 30s, 5m, 24h)`.
// Negative values parse (so callers can say "must not be negative").
absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text);

// `text` in double quotes with control characters and quotes escaped, cut
// to a readable length, for error messages.
std::string QuoteForMessage(absl::string_view text);

}  // namespace riposte::yaml

#endif  // RIPOSTE_YAML_SCALAR_H_
