#ifndef RIPOSTE_AUDIT_CHAIN_VERIFIER_H_
#define RIPOSTE_AUDIT_CHAIN_VERIFIER_H_

#include <cstdint>
#include <string>

#include "audit/audit_record.h"

namespace riposte::audit {

// Where a chain starts: the last record before it (0 and kGenesisHash for a
// chain from its first record; else the last record archived out of the
// store, see docs/AUDIT.md "Segments").
struct ChainBase {
  int64_t seq = 0;
  std::string hash = std::string(kGenesisHash);
};

// The outcome of checking a chain from its base.
struct VerifyResult {
  bool ok = true;
  int64_t records = 0;          // records checked
  int64_t first_broken_seq = 0;  // 0 when ok
  std::string reason;            // why that record is broken
  int64_t head_seq = 0;          // last good record
  std::string head_hash = std::string(kGenesisHash);
  int64_t base_seq = 0;  // records up to this one were not checked here
};

// Recomputes the chain record by record, in sequence order, and stops at the
// first record that is broken: a gap or repeat in the sequence, a prev_hash
// that does not match its predecessor, or a hash that does not match the
// record's content. Not thread-safe; one verifier per pass.
//
// Removing records from the end cannot be seen from the chain alone: compare
// head_seq/head_hash with a value kept elsewhere (e.g. an exported copy).
class ChainVerifier {
 public:
  ChainVerifier() = default;
  // A chain whose first record follows `base`.
  explicit ChainVerifier(const ChainBase& base) {
    result_.head_seq = result_.base_seq = base.seq;
    result_.head_hash = base.hash;
  }

  // Returns false once the chain is broken; later calls are ignored.
  bool Add(const AuditRecord& record);
  const VerifyResult& result() const { return result_; }

 private:
  VerifyResult result_;
};

}  // namespace riposte::audit

#endif  // RIPOSTE_AUDIT_CHAIN_VERIFIER_H_
