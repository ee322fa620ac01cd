#ifndef RIPOSTE_OCSF_EVENTS_H_
#define RIPOSTE_OCSF_EVENTS_H_

// What Riposte records, as OCSF 1.3.0 events (docs/OCSF.md has the mapping
// table and its reasoning). Pure functions: the same input gives the same
// event byte for byte, and metadata.uid is derived from what the event
// describes (never a clock or a random number), so an event rendered again
// after a crash has the uid a consumer already saw.

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "riposte/v1/breach.pb.h"
#include "riposte/v1/decision.pb.h"
#include "store/outbox.h"
#include "store/store.h"

namespace riposte::ocsf {

// The OCSF version every event says it follows (metadata.version).
inline constexpr char kOcsfVersion[] = "1.3.0";

// One rendered event: the outbox row without its seq.
struct Event {
  std::string uid;  // metadata.uid
  int64_t class_uid = 0;
  absl::Time time;
  std::string json;  // one JSON object, no newline

  store::OutboxRow ToRow() const;
};

// A breach as Riposte stored it, with what was decided for it.
struct BreachFacts {
  const v1::Breach* breach = nullptr;
  int64_t stored_breach_id = 0;
  int64_t incident_id = 0;
  absl::Time observed;  // as Riposte took it (the received time if unsent)
  absl::Time received;
  // Null when no policy is loaded: the breach was recorded, not decided.
  const v1::Decision* decision = nullptr;
};

// Detection Finding (2004), activity Create: the breach as a finding of
// its detector, its decision in remediation.desc.
Event DetectionFinding(const BreachFacts& facts);

// An action's effect, or its undo, once the adapter reported it done:
// Account Change (3001) for accounts, Email Activity remediations as
// Remediation Activity (7001). `undo` is true for a revert.
struct EffectFacts {
  const store::ActionRunRow* run = nullptr;
  bool undo = false;
  absl::Time at;
  std::string adapter;   // "graph", "gateway", "dryrun", ...
  std::string outcome;   // the adapter's outcome name
  std::string note;      // the adapter's note, may be empty
};
Event ActionEffect(const EffectFacts& facts);

// An operator's command on a run: approve, reject, extend, revert, retry,
// made_permanent (as the audit trail names them), as API Activity (6003).
struct OperatorFacts {
  const store::ActionRunRow* run = nullptr;
  std::string command;   // "approve", "reject", ...
  std::string identity;  // who
  std::string role;
  std::string reason;    // may be empty
  absl::Time at;
  // Distinguishes two commands of the same kind on one run (e.g. the run's
  // updated time or the audit seq they are recorded with).
  std::string occurrence;
};
Event OperatorCommand(const OperatorFacts& facts);

// The OCSF severity_id for a Riposte score (0-100): 1 Informational below
// 20, 2 Low below 40, 3 Medium below 60, 4 High below 80, 5 Critical from 80.
int SeverityIdForScore(double score);

}  // namespace riposte::ocsf

#endif  // RIPOSTE_OCSF_EVENTS_H_
