#include "audit/anchor_check.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace riposte::audit {

AnchorCheck::AnchorCheck(std::vector<CheckpointNote> checkpoints)
    : checkpoints_(std::move(checkpoints)) {
  for (size_t i = 0; i < checkpoints_.size(); ++i) {
    by_count_.emplace(checkpoints_[i].checkpoint.count, i);
  }
}

void AnchorCheck::SetBase(const ChainBase& base) {
  base_seq_ = base.seq;
  if (base.seq > 0) {
    AuditRecord at_base;
    at_base.seq = base.seq;
    at_base.hash = base.hash;
    Add(at_base);
  }
}

void AnchorCheck::Add(const AuditRecord& record) {
  auto [begin, end] = by_count_.equal_range(record.seq);
  for (auto it = begin; it != end; ++it) seen_[it->second] = record.hash;
}

AnchorResult AnchorCheck::Finish(int64_t intact_head) const {
  AnchorResult result;
  // In file order, so the message names the earliest checkpoint that fails.
  for (size_t i = 0; i < checkpoints_.size(); ++i) {
    const CheckpointNote& note = checkpoints_[i];
    const Checkpoint& cp = note.checkpoint;
    std::string reason;
    if (cp.count < base_seq_) {
      continue;  // archived: verified with its segment
    } else if (cp.count == 0) {
      if (cp.head_hash != kGenesisHash) {
        reason = "an empty chain's checkpoint must name the genesis hash";
      }
    } else if (cp.count > intact_head) {
      reason = absl::StrCat("the chain has ", intact_head,
                            " intact records, fewer than the ", cp.count,
                            " this checkpoint covers (records deleted from "
                            "its end, or the chain is broken before)");
    } else if (auto it = seen_.find(i); it == seen_.end()) {
      reason = absl::StrCat("record ", cp.count, " was not checked");
    } else if (it->second != cp.head_hash) {
      reason = absl::StrCat("record ", cp.count, " hashes to ", it->second,
                            ", not to the checkpoint's ", cp.head_hash,
                            " (the chain was rewritten)");
    }
    if (!reason.empty()) {
      result.ok = false;
      result.checkpoint = DescribeCheckpoint(note);
      result.failing_ordinal = note.ordinal;
      result.reason = std::move(reason);
      return result;
    }
    ++result.checkpoints;
  }
  return result;
}

}  // namespace riposte::audit
