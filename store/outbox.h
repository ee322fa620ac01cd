#ifndef RIPOSTE_STORE_OUTBOX_H_
#define RIPOSTE_STORE_OUTBOX_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace riposte::store {

// One OCSF event in the outbox: written in the same transaction as what it
// describes, read by the sink workers in seq order, each from its own
// durable cursor. Delivered rows stay until retention removes them.
struct OutboxRow {
  // Assigned by the store when the transaction commits; increasing in
  // commit order, so a reader that has seen seq N has seen every row <= N.
  int64_t seq = 0;
  // The event's metadata.uid: the same on every delivery of this row, so a
  // consumer can drop a repeat.
  std::string uid;
  int64_t class_uid = 0;
  absl::Time time;    // the event's time
  std::string event;  // the OCSF event: one JSON object, one line
};

}  // namespace riposte::store

#endif  // RIPOSTE_STORE_OUTBOX_H_
