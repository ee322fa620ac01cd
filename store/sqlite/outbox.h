#ifndef RIPOSTE_STORE_SQLITE_OUTBOX_H_
#define RIPOSTE_STORE_SQLITE_OUTBOX_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/outbox.h"
#include "store/sqlite/cached_statement.h"
#include "store/sqlite/sqlite_db.h"

namespace riposte::store::sqlite {

// The OCSF outbox table. seq is AUTOINCREMENT, so a seq is never handed
// out twice even after retention removed the newest rows: a sink's cursor
// never skips a later row. Not thread-safe (one connection, one thread).
class Outbox {
 public:
  explicit Outbox(Database& db) : db_(db) {}

  // A row whose uid is stored already is left as it is.
  absl::Status Append(const OutboxRow& row);
  absl::StatusOr<std::vector<OutboxRow>> Read(int64_t after_seq,
                                              int64_t limit);
  absl::StatusOr<int64_t> LastSeq();
  // Returns how many rows it removed.
  absl::StatusOr<int64_t> Prune(int64_t up_to_seq, absl::Time before,
                                int64_t limit);

 private:
  Database& db_;
  CachedStatement append_, read_, last_, prune_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_OUTBOX_H_
