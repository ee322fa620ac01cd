#include "orchestrator/operator/request_checks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace riposte::operator_api {
namespace {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;
// 10,000 years, google.protobuf.Duration's bound.
constexpr int64_t kMaxDurationSeconds = 315576000000;
constexpr int32_t kMaxNanos = 999999999;

}  // namespace

absl::StatusOr<int> CheckedPageSize(int32_t requested, absl::string_view field) {
  if (requested < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must not be negative, got ", requested,
        " (0 or unset means ", kDefaultPageSize, ", at most ", kMaxPageSize,
        ")"));
  }
  if (requested == 0) return kDefaultPageSize;
  return std::min<int>(requested, kMaxPageSize);
}

absl::StatusOr<absl::Time> CheckedTime(const google::protobuf::Timestamp& ts,
                                       absl::string_view field) {
  if (ts.seconds() < kMinSeconds || ts.seconds() > kMaxSeconds) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", ts.seconds(),
        " seconds is outside RFC 3339's range (years 0001 to 9999)"));
  }
  if (ts.nanos() < 0 || ts.nanos() > kMaxNanos) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".nanos: must be within [0, 999999999], got ", ts.nanos()));
  }
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::StatusOr<absl::Time> CheckedTimeOr(const google::protobuf::Timestamp& ts,
                                         bool set, absl::string_view field,
                                         absl::Time unset) {
  if (!set) return unset;
  return CheckedTime(ts, field);
}

absl::Status CheckedRange(absl::Time since, absl::Time until) {
  if (until <= since) {
    return absl::InvalidArgumentError(absl::StrCat(
        "until: must be later than since (", absl::FormatTime(since),
        " to ", absl::FormatTime(until), " is empty)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> CheckedDuration(
    const google::protobuf::Duration& d, absl::string_view field) {
  if (d.seconds() < -kMaxDurationSeconds || d.seconds() > kMaxDurationSeconds) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", d.seconds(), " seconds is beyond 10,000 years"));
  }
  if (d.nanos() < -kMaxNanos || d.nanos() > kMaxNanos ||
      (d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".nanos: must be within ±999999999 and of the seconds' sign, "
               "got ",
        d.nanos()));
  }
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

absl::Status CheckedAfterSeq(int64_t after_seq, absl::string_view field) {
  if (after_seq < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not be negative, got ", after_seq));
  }
  return absl::OkStatus();
}

}  // namespace riposte::operator_api
