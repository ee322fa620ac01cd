#ifndef RIPOSTE_AUDIT_COVERAGE_CHECK_H_
#define RIPOSTE_AUDIT_COVERAGE_CHECK_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "audit/audit_record.h"

namespace riposte::audit {

// The stored rows whose writes each append an audit record in the same
// unit of work: breaches (breach.received, details.stored_breach_id),
// decisions (decision.made, details.decision_id) and action runs (action.*
// records, details.run_id: one when the run is created, one per transition).
struct AuditedRows {
  std::vector<int64_t> breach_ids;
  std::vector<int64_t> decision_ids;
  struct Run {
    int64_t id = 0;
    std::string state;  // runs::RunStateName
  };
  std::vector<Run> runs;
};

struct CoverageResult {
  bool ok = true;
  int64_t checked = 0;  // rows compared
  int64_t missing = 0;  // rows without their record
  // The first few missing ones in words, e.g. "breach 17: no
  // breach.received record".
  std::vector<std::string> examples;
};

// Checks that every stored breach, decision and action run has its audit
// record: a row without one was written behind riposted's back, or its
// record was cut from the chain. A run whose state is no longer the one it
// was created in must have a later record too. Feed every record of the
// chain, then call Check. Not thread-safe.
class CoverageCheck {
 public:
  static constexpr size_t kMaxExamples = 10;

  void Add(const AuditRecord& record);
  CoverageResult Check(const AuditedRows& rows) const;
  // The rows the records fed so far name (runs without a state).
  AuditedRows Named() const;

 private:
  struct RunRecords {
    std::string created_state;  // from the first record's event name
    int64_t records = 0;
  };
  std::set<int64_t> breaches_;
  std::set<int64_t> decisions_;
  std::map<int64_t, RunRecords> runs_;
};

}  // namespace riposte::audit

#endif  // RIPOSTE_AUDIT_COVERAGE_CHECK_H_
