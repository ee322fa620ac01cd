#ifndef RIPOSTE_OCSF_OUTBOX_STORE_OUTBOX_SOURCE_H_
#define RIPOSTE_OCSF_OUTBOX_STORE_OUTBOX_SOURCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ocsf/sinks/outbox_source.h"
#include "store/store.h"

namespace riposte::ocsf {

// The setting a sink's cursor is kept in: "ocsf.cursor.<sink>".
std::string CursorSettingKey(absl::string_view sink);

// The outbox and the sinks' cursors in the store, whatever the engine.
// A cursor only moves forward: saving a smaller seq than the stored one
// (a worker that lost its lease to another replica and caught up late)
// leaves the larger, so a cursor never goes back and never skips.
// Thread-safe (the Store is).
class StoreOutboxSource : public OutboxSource {
 public:
  explicit StoreOutboxSource(store::Store* store) : store_(store) {}

  absl::StatusOr<std::vector<store::OutboxRow>> Read(int64_t after_seq,
                                                     int limit) override;
  absl::StatusOr<int64_t> LoadCursor(absl::string_view sink) override;
  absl::Status SaveCursor(absl::string_view sink, int64_t seq) override;
  absl::StatusOr<int64_t> LastSeq() override;

 private:
  store::Store* const store_;
};

// How far every one of `sinks` has delivered: the smallest cursor, or the
// outbox's last seq when there is no sink (then only `riposte ocsf export`
// reads the outbox, and retention goes by age alone).
absl::StatusOr<int64_t> DeliveredByAll(OutboxSource& source,
                                       const std::vector<std::string>& sinks);

}  // namespace riposte::ocsf

#endif  // RIPOSTE_OCSF_OUTBOX_STORE_OUTBOX_SOURCE_H_
