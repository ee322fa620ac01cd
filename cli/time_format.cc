#include "cli/time_format.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "yaml/scalar.h"

namespace riposte::cli {

std::string FormatAge(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = -d;
  const int64_t s = absl::ToInt64Seconds(d);
  if (s < 60) return absl::StrCat(s, "s");
  const int64_t m = s / 60;
  if (m < 60) return absl::StrCat(m, "m");
  const int64_t h = m / 60;
  if (h < 10) {
    return m % 60 == 0 ? absl::StrCat(h, "h") : absl::StrCat(h, "h", m % 60, "m");
  }
  if (h < 24) return absl::StrCat(h, "h");
  const int64_t days = h / 24;
  if (days < 10 && h % 24 != 0) return absl::StrCat(days, "d", h % 24, "h");
  return absl::StrCat(days, "d");
}

std::string FormatRelative(absl::Time t, absl::Time now) {
  const absl::Duration d = t - now;
  if (absl::AbsDuration(d) < absl::Seconds(1)) return "now";
  if (d < absl::ZeroDuration()) return absl::StrCat(FormatAge(d), " ago");
  return absl::StrCat("in ", FormatAge(d));
}

std::string FormatTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

std::string CompactDuration(absl::Duration d) {
  if (d == absl::ZeroDuration()) return "0s";
  std::string out;
  if (d < absl::ZeroDuration()) {
    out = "-";
    d = -d;
  }
  const int64_t days = absl::IDivDuration(d, absl::Hours(24), &d);
  const int64_t hours = absl::IDivDuration(d, absl::Hours(1), &d);
  const int64_t minutes = absl::IDivDuration(d, absl::Minutes(1), &d);
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  const int64_t millis = absl::IDivDuration(d, absl::Milliseconds(1), &d);
  if (days) absl::StrAppend(&out, days, "d");
  if (hours) absl::StrAppend(&out, hours, "h");
  if (minutes) absl::StrAppend(&out, minutes, "m");
  if (seconds) absl::StrAppend(&out, seconds, "s");
  if (millis) absl::StrAppend(&out, millis, "ms");
  if (out.empty() || out == "-") absl::StrAppend(&out, absl::FormatDuration(d));
  return out;
}

bool IsSet(const google::protobuf::Timestamp& ts) {
  return ts.seconds() != 0 || ts.nanos() != 0;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rem = nanos % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    --seconds;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rem));
}

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  // Proto Durations keep seconds and nanos with the same sign.
  absl::Duration rem;
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &rem);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rem)));
}

absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view flag,
                                                 absl::string_view text,
                                                 bool allow_negative) {
  absl::StatusOr<absl::Duration> d = yaml::ParseDurationText(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", d.status().message()));
  }
  if (!allow_negative && *d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": must not be negative, got ", text));
  }
  return *d;
}

absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view flag,
                                        absl::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": want an RFC 3339 time such as 2026-11-16T09:00:00Z, got \"",
        text, "\""));
  }
  return t;
}

absl::StatusOr<absl::Time> ParseSince(absl::string_view flag,
                                      absl::string_view text, absl::Time now) {
  if (absl::StatusOr<absl::Duration> d = yaml::ParseDurationText(text); d.ok()) {
    if (*d < absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": must not be negative, got ", text));
    }
    return now - *d;
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) return t;
  return absl::InvalidArgumentError(absl::StrCat(
      flag, ": want a duration back from now such as 24h or 7d, or an RFC 3339 "
            "time such as 2026-11-16T09:00:00Z; got \"",
      text, "\""));
}

}  // namespace riposte::cli
