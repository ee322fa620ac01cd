#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_DECISION_PROTO_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_DECISION_PROTO_H_

#include <vector>

#include "absl/time/time.h"
#include "orchestrator/decide/decide.h"
#include "riposte/v1/decision.pb.h"

namespace riposte::decide {

// The wire form of a decision. `run_ids` (parallel to decision.actions, or
// empty) and `decision_id` are the stored ids; zero in a simulation.
v1::Decision ToProto(const Decision& decision, absl::Time now,
                     int64_t decision_id, const std::vector<int64_t>& run_ids);

// Comma-separated gate names in precedence order, e.g. "paused,cap".
std::string GateList(const ProposedAction& action);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_DECISION_PROTO_H_
