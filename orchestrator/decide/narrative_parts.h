#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_NARRATIVE_PARTS_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_NARRATIVE_PARTS_H_

// The pieces WriteNarrative (narrative.h) is made of; internal to the
// decide library.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "orchestrator/decide/decide.h"
#include "policies/policy.h"

namespace riposte::decide::narrative {

// --- narrative_text.cc: words ------------------------------------------

std::string Score(double score);
std::string When(absl::Time t);
// To the second, where a sentence compares two moments.
std::string At(absl::Time t);
// "a", "a and b", "a, b and c".
std::string JoinAnd(const std::vector<std::string>& items);
// "run 9", "runs 9–11", "runs 4, 7 and 9–11".
std::string RunList(std::vector<int64_t> ids);
// "sign alice@contoso.com out of every session".
std::string Phrase(const std::string& action, const std::string& target);

// Who a paragraph is about: one target, or several that share the outcome.
struct Who {
  std::string name;
  bool plural = false;
  // The runs a suppressed duplicate defers to: "run 9", "runs 9–11".
  std::string runs;

  const char* It() const { return plural ? "they" : "it"; }
  const char* Them() const { return plural ? "them" : "it"; }
  const char* Is() const { return plural ? "are" : "is"; }
  // "s" for a verb whose subject is the target(s): "it ends", "they end".
  const char* S() const { return plural ? "" : "s"; }
};

// One target by name.
Who OneTarget(const ProposedAction& a);
// Several targets by name: "the 3 copies of message <m> in bob@…, carol@…
// and dave@…" when they are copies of one message, else their names (at
// most a handful, then "and N more").
Who SeveralTargets(const std::vector<const ProposedAction*>& actions);

// --- narrative_rules.cc: several rules on one target --------------------

// The requirement of the credited rule (the first if none is).
const Requirement* CreditedRequirement(const ProposedAction& a);
// "It combines what rules a (x) and b (y) ask for: ..." or, when nothing
// satisfies them all, which requirement is not met; "" for one rule's own
// action.
std::string Combination(const ProposedAction& a);
// "which combines what rules a (x) and b (y) ask for", for an action that
// combines requirements; "" otherwise.
std::string CombinesClause(const ProposedAction& a);
// For an action that combines requirements: which requirement each weaker
// candidate misses ("strip_attachment leaves out what rule b asks for
// (move_to_junk)"); "" when there is nothing to say.
std::string WeakerMisses(const ProposedAction& a,
                         const policies::Policy& policy);
// For a rule's own action when other rules ask for something too: "it also
// covers what rule b asks for (move_to_junk)"; "" otherwise.
std::string AlsoCovers(const ProposedAction& a, const policies::Policy& policy);

// --- narrative_inaction.cc: decisions that change nothing ----------------

// After "no policy rule matches": the nearest rule for this model and what
// it needs, or that no rule names the model.
std::string NoRuleMatches(const DecideInput& in, const policies::Policy& policy);
// Matched rules that found nothing to act on, and why.
std::string NoTargets(const DecideInput& in, const Decision& decision,
                      const policies::Policy& policy);
// "Next: ..." for a target that is only watched: which other rule for this
// model would act and what it needs, or that none will.
std::string WhoWouldAct(const DecideInput& in, const ProposedAction& a,
                        const policies::Policy& policy);
// The paragraph for an excluded target or a suppressed duplicate.
std::string SuppressedParagraph(const DecideInput& in, const ProposedAction& a,
                                const Who& who);

}  // namespace riposte::decide::narrative

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_NARRATIVE_PARTS_H_
