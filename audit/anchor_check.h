#ifndef RIPOSTE_AUDIT_ANCHOR_CHECK_H_
#define RIPOSTE_AUDIT_ANCHOR_CHECK_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "audit/audit_record.h"
#include "audit/chain_verifier.h"
#include "audit/checkpoint.h"

namespace riposte::audit {

// The outcome of comparing a chain with checkpoints taken of it earlier.
struct AnchorResult {
  bool ok = true;
  int64_t checkpoints = 0;  // checkpoints compared
  // When not ok: the first failing checkpoint (DescribeCheckpoint) and why.
  std::string checkpoint;
  int failing_ordinal = 0;
  std::string reason;
};

// Compares a chain with signed checkpoints of it (already verified): the
// chain must be at least as long as every checkpoint, and its record at
// each checkpoint's count must hash as the checkpoint says. This catches
// what the chain alone cannot: records cut off its end (or all of them),
// and a chain whose hashes were all recomputed after an edit.
//
// Feed the records that the ChainVerifier accepted, in order, then call
// Finish once. Not thread-safe.
class AnchorCheck {
 public:
  explicit AnchorCheck(std::vector<CheckpointNote> checkpoints);

  // The chain starts after `base` (its earlier records were archived):
  // checkpoints below the base are skipped (an archived segment is checked
  // on its own), one at the base is compared with the base's hash.
  void SetBase(const ChainBase& base);
  void Add(const AuditRecord& record);
  // `intact_head` is the last record the chain verifier accepted (its
  // head_seq).
  AnchorResult Finish(int64_t intact_head) const;

 private:
  std::vector<CheckpointNote> checkpoints_;
  int64_t base_seq_ = 0;
  // count -> indices into checkpoints_ with that count.
  std::multimap<int64_t, size_t> by_count_;
  // Index of a checkpoint -> the hash the chain has at its count.
  std::map<size_t, std::string> seen_;
};

}  // namespace riposte::audit

#endif  // RIPOSTE_AUDIT_ANCHOR_CHECK_H_
