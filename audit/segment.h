#ifndef RIPOSTE_AUDIT_SEGMENT_H_
#define RIPOSTE_AUDIT_SEGMENT_H_

// An archived segment of the audit chain (docs/AUDIT.md, "Segments"): whole
// records first..last leave the store only after they are written, as a
// file that can be checked on its own:
//
//   {"seq":first,...}\n          one JSON line per record (audit::ToJson)
//   ...
//   {"seq":last,...}\n
//   \n
//   <signed checkpoint of the chain at record `last`>\n
//
// The checkpoint is a signed note as in checkpoint.h, with count = last and
// the hash of record `last`: the chain inside the file must be whole, and
// its last record must be the one the key signed.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "audit/audit_record.h"
#include "audit/checkpoint.h"

namespace riposte::audit {

// A record from its ToJson line. InvalidArgument when it is not one.
absl::StatusOr<AuditRecord> AuditRecordFromJson(absl::string_view line);

// The file's text for `records` (in order, at least one) and the signed
// note of the checkpoint at the last of them.
std::string SegmentText(const std::vector<AuditRecord>& records,
                        absl::string_view signed_note);

// "audit-<first, 12 digits>-<last, 12 digits>.jsonl", so names sort in
// chain order.
std::string SegmentFileName(int64_t first, int64_t last);

// Writes one segment file record by record, so a large segment never has
// to be held in memory: to dir/name.tmp, then at Finish the checkpoint,
// sync, rename to dir/name and sync the directory, so the segment is whole
// on disk or not there at all. A writer destroyed before Finish removes
// its temporary file. Errors are Unavailable (PermissionDenied when not
// allowed) naming the path. Not thread-safe.
class SegmentWriter {
 public:
  static absl::StatusOr<std::unique_ptr<SegmentWriter>> Create(
      const std::string& dir, const std::string& name);
  ~SegmentWriter();

  absl::Status Add(const AuditRecord& record);
  // Appends the blank line and the signed note; returns the final path.
  absl::StatusOr<std::string> Finish(absl::string_view signed_note);

 private:
  SegmentWriter(std::string dir, std::string path, int fd)
      : dir_(std::move(dir)), path_(std::move(path)), fd_(fd) {}
  absl::Status Write(absl::string_view text);

  const std::string dir_;
  const std::string path_;
  int fd_;
  std::string buffer_;
};

struct Segment {
  std::vector<AuditRecord> records;
  CheckpointNote checkpoint;
};

// Parses a segment's text; `name` is used in messages. InvalidArgument
// naming the line for a malformed record or checkpoint, or a file without
// records or without its checkpoint.
absl::StatusOr<Segment> ParseSegment(absl::string_view name,
                                     absl::string_view text);

// What checking a segment on its own found.
struct SegmentResult {
  bool ok = false;
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  std::string prev_hash;  // of the record before first_seq
  std::string head_hash;  // of last_seq
  std::string problem;    // "" when ok
};

// Checks a segment on its own: the records chain from the first one's
// prev_hash without a gap or a changed record, the checkpoint's signature
// verifies, and it names the last record (count and hash).
SegmentResult VerifySegment(const Segment& segment,
                            const CheckpointVerifier& verifier);

}  // namespace riposte::audit

#endif  // RIPOSTE_AUDIT_SEGMENT_H_
