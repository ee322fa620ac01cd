#ifndef RIPOSTE_OCSF_SINKS_OUTBOX_SOURCE_H_
#define RIPOSTE_OCSF_SINKS_OUTBOX_SOURCE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/outbox.h"

namespace riposte::ocsf {

// Where a sink worker reads events and keeps its place: the store's outbox
// and one durable cursor per sink. Implemented over the Store for riposted;
// tests use an in-memory one. Thread-safe.
class OutboxSource {
 public:
  virtual ~OutboxSource() = default;
  // Up to `limit` rows with seq > after_seq, in seq order.
  virtual absl::StatusOr<std::vector<store::OutboxRow>> Read(int64_t after_seq,
                                                             int limit) = 0;
  // The last seq the named sink has delivered; 0 before its first.
  virtual absl::StatusOr<int64_t> LoadCursor(absl::string_view sink) = 0;
  // Durable before it returns. A crash between a delivery and this call
  // repeats the delivered rows (same uids): at least once.
  virtual absl::Status SaveCursor(absl::string_view sink, int64_t seq) = 0;
  // The highest seq in the outbox (0 when empty), to report a sink's lag.
  virtual absl::StatusOr<int64_t> LastSeq() = 0;
};

}  // namespace riposte::ocsf

#endif  // RIPOSTE_OCSF_SINKS_OUTBOX_SOURCE_H_
