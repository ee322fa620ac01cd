#ifndef RIPOSTE_AUDIT_CHAIN_VERIFIER_H_
#define RIPOSTE_AUDIT_CHAIN_VERIFIER_H_

#include <cstdint>
#include <string>

#include "audit/audit_record.h"

namespace riposte::audit {

// The outcome of checking a chain from its first record.
struct VerifyResult {
  bool ok = true;
  int64_t records = 0;          // records checked
  int64_t first_broken_seq = 0;  // 0 when ok
  std::string reason;            // why that record is broken
  int64_t head_seq = 0;          // last good record
  std::string head_hash = std::string(kGenesisHash);
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
  // Returns false once the chain is broken; later calls are ignored.
  bool Add(const AuditRecord& record);
  const VerifyResult& result() const { return result_; }

 private:
  VerifyResult result_;
};

}  // namespace riposte::audit

#endif  // RIPOSTE_AUDIT_CHAIN_VERIFIER_H_
