#ifndef RIPOSTE_AUDIT_TESTING_TEST_CHAIN_H_
#define RIPOSTE_AUDIT_TESTING_TEST_CHAIN_H_

#include <vector>

#include "audit/audit_record.h"

namespace riposte::audit::testing {

// An intact chain of `n` breach.received records (details {"n":i}).
std::vector<AuditRecord> MakeTestChain(int n);

}  // namespace riposte::audit::testing

#endif  // RIPOSTE_AUDIT_TESTING_TEST_CHAIN_H_
