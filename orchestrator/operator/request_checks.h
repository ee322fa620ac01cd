#ifndef RIPOSTE_ORCHESTRATOR_OPERATOR_REQUEST_CHECKS_H_
#define RIPOSTE_ORCHESTRATOR_OPERATOR_REQUEST_CHECKS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace riposte::operator_api {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// A list request's page size: 0 (unset in proto3) is the default of 50,
// more than 500 is 500, a negative size is INVALID_ARGUMENT naming `field`.
absl::StatusOr<int> CheckedPageSize(int32_t requested,
                                    absl::string_view field = "page_size");

// A timestamp a caller sent: seconds within RFC 3339's years 0001 to 9999
// and nanos within [0, 999999999], as google.protobuf.Timestamp requires;
// otherwise INVALID_ARGUMENT naming `field`.
absl::StatusOr<absl::Time> CheckedTime(const google::protobuf::Timestamp& ts,
                                       absl::string_view field);

// As CheckedTime, for an optional field: `unset` when it is not set.
absl::StatusOr<absl::Time> CheckedTimeOr(const google::protobuf::Timestamp& ts,
                                         bool set, absl::string_view field,
                                         absl::Time unset);

// A [since, until) range: INVALID_ARGUMENT naming "until" when it does not
// end after it begins.
absl::Status CheckedRange(absl::Time since, absl::Time until);

// A duration a caller sent: within google.protobuf.Duration's ±10,000 years,
// nanos within ±999999999 and of the seconds' sign.
absl::StatusOr<absl::Duration> CheckedDuration(
    const google::protobuf::Duration& d, absl::string_view field);

// A sequence number to read after: not negative.
absl::Status CheckedAfterSeq(int64_t after_seq, absl::string_view field);

}  // namespace riposte::operator_api

#endif  // RIPOSTE_ORCHESTRATOR_OPERATOR_REQUEST_CHECKS_H_
