#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_CHOOSE_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_CHOOSE_H_

// One action per target when several rules ask for something on it
// (docs/POLICY.md, "Several rules on one target"):
//
// - each matching rule requires its rung's action;
// - an action satisfies a requirement when it contains everything the
//   required action contains;
// - the candidates are the actions on the ladders of the rules with a
//   requirement on the target that can act on the target's kind;
// - the chosen action is the least aggressive candidate (aggression, then
//   name) that satisfies every requirement. When none does, it is the
//   strongest required action (aggression; then the most cautious mode; then
//   policy order), and the requirements it misses are named;
// - the action is credited to a rule whose ladder holds it: the one that
//   required exactly it if any, then the most cautious mode, then policy
//   order. That rule's duration, approval settings and ladder drive it.
// - when no rule required exactly the chosen action, it combines the
//   requirements of the rules that shaped it (those whose required action
//   contains something and no other requirement contains strictly more);
//   it then proceeds in the most cautious mode of the credited rule and
//   those rules, since none of them alone asked for it.
//
// Pure and deterministic.

#include <string>
#include <vector>

#include "orchestrator/decide/decide.h"
#include "policies/policy.h"

namespace riposte::decide {

// A rule with what it requires of one target.
struct RuleRequirement {
  const policies::Rule* rule = nullptr;
  Requirement req;
};

// Whether `action` contains everything `required` contains.
bool Satisfies(const policies::ActionSpec& action,
               const policies::ActionSpec& required);

struct Choice {
  const policies::ActionSpec* action = nullptr;
  // Indexes into the requirements.
  int credited = 0;
  std::vector<int> credited_all;  // every holder of the action; `credited` first
  std::vector<int> combined;      // empty when a rule required exactly it
  std::vector<int> unmet;         // requirements the action does not satisfy
  int mode_from = 0;              // whose mode applies
  // The candidates, least aggressive first.
  std::vector<const policies::ActionSpec*> candidates;
};

// Chooses among `reqs` (non-empty, in policy order) for a target of `kind`.
Choice Choose(const std::vector<RuleRequirement>& reqs,
              policies::TargetKind kind, const policies::Policy& policy);

// How cautious a mode is: autonomous 0, confirm 1, observe 2.
int ModeCaution(policies::Mode mode);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_CHOOSE_H_
