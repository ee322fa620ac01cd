#include "audit/testing/test_chain.h"

#include <string>

namespace riposte::audit::testing {

std::vector<AuditRecord> MakeTestChain(int n) {
  std::vector<AuditRecord> chain;
  int64_t seq = 0;
  std::string prev(kGenesisHash);
  for (int i = 0; i < n; ++i) {
    AuditRecord r;
    r.time = absl::FromUnixMicros(1'700'000'000'000'000 + i);
    r.event.actor = "detector:d1";
    r.event.event = "breach.received";
    r.event.subject = "contoso/user:alice@contoso.com";
    r.event.details = "{\"n\":" + std::to_string(i) + "}";
    Seal(seq, prev, r);
    seq = r.seq;
    prev = r.hash;
    chain.push_back(r);
  }
  return chain;
}

}  // namespace riposte::audit::testing
