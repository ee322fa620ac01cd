#include "audit/chain_verifier.h"

#include "absl/strings/str_cat.h"

namespace riposte::audit {

bool ChainVerifier::Add(const AuditRecord& record) {
  if (!result_.ok) return false;
  auto broken = [&](std::string reason) {
    result_.ok = false;
    result_.first_broken_seq = record.seq;
    result_.reason = std::move(reason);
    return false;
  };
  const int64_t want_seq = result_.head_seq + 1;
  if (record.seq != want_seq) {
    // Name the position we expected: that is where the damage starts.
    result_.ok = false;
    result_.first_broken_seq = want_seq;
    result_.reason = absl::StrCat("expected record ", want_seq, ", found ",
                                  record.seq, " (records missing or reordered)");
    return false;
  }
  if (record.prev_hash != result_.head_hash) {
    return broken(absl::StrCat("prev_hash ", record.prev_hash,
                               " does not match the hash of record ",
                               result_.head_seq, " (", result_.head_hash, ")"));
  }
  const std::string recomputed = ComputeHash(record);
  if (recomputed != record.hash) {
    return broken(absl::StrCat("content does not match its hash: stored ",
                               record.hash, ", recomputed ", recomputed));
  }
  ++result_.records;
  result_.head_seq = record.seq;
  result_.head_hash = record.hash;
  return true;
}

}  // namespace riposte::audit
