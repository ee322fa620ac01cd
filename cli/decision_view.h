#ifndef RIPOSTE_CLI_DECISION_VIEW_H_
#define RIPOSTE_CLI_DECISION_VIEW_H_

// Human-readable views of decisions: what `simulate` and `submit` print.

#include <string>

#include "cli/view_options.h"
#include "riposte/v1/decision.pb.h"
#include "riposte/v1/intake.pb.h"
#include "riposte/v1/operator.pb.h"

namespace riposte::cli {

// The decision's actions as a table (RUN, ACTION, TARGET, STATE, RULE,
// MODE, DURATION, GATES) or "No action.", then its narrative wrapped to the
// width; everything indented by `indent`.
std::string RenderDecision(const v1::Decision& decision, const ViewOptions& view,
                           int indent);

// `riposte simulate`: the policy version, then per breach a header
// "== detector/breach, incident N" and its decision.
std::string RenderSimulation(const v1::SimulateResponse& response,
                             const ViewOptions& view);

// `riposte submit`, per breach: the outcome ("accepted", "duplicate"), the
// stored breach and incident, then the decision.
std::string RenderSubmit(const v1::SubmitResponse& response,
                         const ViewOptions& view);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_DECISION_VIEW_H_
