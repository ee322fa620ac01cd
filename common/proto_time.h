#ifndef RIPOSTE_COMMON_PROTO_TIME_H_
#define RIPOSTE_COMMON_PROTO_TIME_H_

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace riposte {

// Converts between absl::Time and google.protobuf.Timestamp, at microsecond
// precision (what the store keeps). Times before 1970 are handled.
inline void ToProtoTime(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1'000'000;
  int64_t rem = micros % 1'000'000;
  if (rem < 0) {
    rem += 1'000'000;
    --seconds;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rem * 1000));
}

inline absl::Time FromProtoTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

}  // namespace riposte

#endif  // RIPOSTE_COMMON_PROTO_TIME_H_
