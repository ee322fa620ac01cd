#ifndef RIPOSTE_ORCHESTRATOR_SERVER_AUDIT_ARCHIVER_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_AUDIT_ARCHIVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/checkpoint.h"
#include "common/clock.h"
#include "store/store.h"

namespace riposte::server {

struct ArchiverOptions {
  std::string archive_dir;  // must exist
  std::string origin;       // the checkpoints' first line
  absl::Duration keep = absl::Hours(24 * 400);
  int64_t segment_records = 100000;
};

// Moves the oldest audit records out of the store in whole segments
// (docs/AUDIT.md, "Segments"). A segment is records base+1 ..
// base+segment_records; it leaves only when its last record is older than
// `keep`, the chain's head is past it, and no stored breach, decision or
// run is named in it (so every stored row keeps its record). It is written
// to archive_dir with a signed checkpoint of its last record and synced
// before its records are deleted and the store's base moves to that record.
// Thread-compatible: one archiver per store.
class AuditArchiver {
 public:
  AuditArchiver(store::Store* store,
                std::unique_ptr<audit::CheckpointSigner> signer,
                ArchiverOptions options, Clock* clock)
      : store_(store),
        signer_(std::move(signer)),
        options_(std::move(options)),
        clock_(clock) {}

  // Archives the oldest segment if it may go. Returns the records archived
  // (0: none may go yet). Errors: the store's; the archive's I/O error
  // (then nothing left the store); DataLoss when the records to archive do
  // not chain from the base (verify will say more).
  absl::StatusOr<int64_t> ArchiveOne();

 private:
  store::Store* const store_;
  const std::unique_ptr<audit::CheckpointSigner> signer_;
  const ArchiverOptions options_;
  Clock* const clock_;
};

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_AUDIT_ARCHIVER_H_
