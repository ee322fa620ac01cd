#ifndef RIPOSTE_CLI_TIME_FORMAT_H_
#define RIPOSTE_CLI_TIME_FORMAT_H_

// Times and durations as the CLI prints and reads them.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace riposte::cli {

// A short, rounded-down age for tables: "45s", "3m", "2h30m", "15h",
// "3d4h", "12d". The secondary unit shows only for hours under 10h and
// days under 10d. Negative durations are formatted by magnitude.
std::string FormatAge(absl::Duration d);

// `t` relative to `now`: "3m ago", "in 2h", or "now" within a second.
std::string FormatRelative(absl::Time t, absl::Time now);

// "2026-11-16 08:00:00 UTC".
std::string FormatTimestamp(absl::Time t);

// An exact duration with every non-zero unit: "4h", "3d", "1h30m", "90ms";
// "0s" for zero; a leading "-" when negative.
std::string CompactDuration(absl::Duration d);

// Whether a proto Timestamp/Duration carries a value (proto3 has no
// presence for fields inside; all-zero means unset).
bool IsSet(const google::protobuf::Timestamp& ts);
absl::Time ToTime(const google::protobuf::Timestamp& ts);
absl::Duration ToDuration(const google::protobuf::Duration& d);
void SetTimestamp(absl::Time t, google::protobuf::Timestamp* ts);
void SetDuration(absl::Duration d, google::protobuf::Duration* out);

// A duration flag value: absl forms plus days ("30s", "5m", "24h", "7d",
// "1d12h"). Negative values only with `allow_negative`. InvalidArgument
// names `flag` ("--timeout: bad duration ...").
absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view flag,
                                                 absl::string_view text,
                                                 bool allow_negative);

// An RFC 3339 time ("2026-11-16T09:00:00Z", "2026-11-16T10:00:00+01:00").
absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view flag,
                                        absl::string_view text);

// --since: a duration back from `now` ("24h", "7d") or an RFC 3339 time.
absl::StatusOr<absl::Time> ParseSince(absl::string_view flag,
                                      absl::string_view text, absl::Time now);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_TIME_FORMAT_H_
