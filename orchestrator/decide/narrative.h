#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_NARRATIVE_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_NARRATIVE_H_

#include <string>

#include "orchestrator/decide/decide.h"
#include "policies/policy.h"

namespace riposte::decide {

// The plain-English explanation of a decision, for a junior analyst: what
// happened, what Riposte does or proposes and in which mode, why nothing
// weaker suffices, why nothing stronger is needed, when it expires and what
// happens then, and what would make it escalate. Deterministic: the same
// decision always reads the same. One paragraph per action, separated by
// blank lines; no line breaks inside a paragraph (callers wrap).
std::string WriteNarrative(const DecideInput& input, const Decision& decision,
                           const policies::Policy& policy);

// "4h", "30m", "7d", "1h30m".
std::string HumanDuration(absl::Duration d);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_NARRATIVE_H_
