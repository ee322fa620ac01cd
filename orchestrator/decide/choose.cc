#include "orchestrator/decide/choose.h"

#include <algorithm>

namespace riposte::decide {
namespace {

using policies::ActionSpec;

bool LessAggressive(const ActionSpec* a, const ActionSpec* b) {
  return a->aggression != b->aggression ? a->aggression < b->aggression
                                        : a->name < b->name;
}

bool InLadder(const policies::Rule& rule, const std::string& action) {
  return std::find(rule.ladder.begin(), rule.ladder.end(), action) !=
         rule.ladder.end();
}

// Of `from` (indexes into reqs), the one with the most cautious mode; ties go
// to the earliest.
int MostCautious(const std::vector<RuleRequirement>& reqs,
                 const std::vector<int>& from) {
  int best = from.front();
  for (int i : from) {
    if (ModeCaution(reqs[i].rule->mode) > ModeCaution(reqs[best].rule->mode)) {
      best = i;
    }
  }
  return best;
}

}  // namespace

int ModeCaution(policies::Mode mode) {
  switch (mode) {
    case policies::Mode::kAutonomous:
      return 0;
    case policies::Mode::kConfirm:
      return 1;
    case policies::Mode::kObserve:
      return 2;
  }
  return 2;
}

bool Satisfies(const ActionSpec& action, const ActionSpec& required) {
  return std::includes(action.contains.begin(), action.contains.end(),
                       required.contains.begin(), required.contains.end());
}

Choice Choose(const std::vector<RuleRequirement>& reqs,
              policies::TargetKind kind, const policies::Policy& policy) {
  Choice c;
  std::vector<const ActionSpec*> required;
  required.reserve(reqs.size());
  for (const RuleRequirement& r : reqs) {
    required.push_back(policy.FindAction(r.req.action));
    for (const std::string& name : r.rule->ladder) {
      const ActionSpec* spec = policy.FindAction(name);
      if (spec == nullptr || spec->targets.count(kind) == 0) continue;
      if (std::find(c.candidates.begin(), c.candidates.end(), spec) ==
          c.candidates.end()) {
        c.candidates.push_back(spec);
      }
    }
  }
  std::sort(c.candidates.begin(), c.candidates.end(), LessAggressive);

  for (const ActionSpec* candidate : c.candidates) {
    bool all = true;
    for (const ActionSpec* need : required) all = all && Satisfies(*candidate, *need);
    if (all) {
      c.action = candidate;
      break;
    }
  }

  if (c.action == nullptr) {
    // Nothing satisfies every requirement: follow the strongest one.
    int strongest = 0;
    for (int i = 1; i < static_cast<int>(reqs.size()); ++i) {
      const int a = required[i]->aggression;
      const int b = required[strongest]->aggression;
      if (a > b || (a == b && ModeCaution(reqs[i].rule->mode) >
                                  ModeCaution(reqs[strongest].rule->mode))) {
        strongest = i;
      }
    }
    c.action = required[strongest];
    for (int i = 0; i < static_cast<int>(reqs.size()); ++i) {
      if (!Satisfies(*c.action, *required[i])) c.unmet.push_back(i);
    }
  }

  std::vector<int> holders;
  std::vector<int> exact;
  for (int i = 0; i < static_cast<int>(reqs.size()); ++i) {
    if (!InLadder(*reqs[i].rule, c.action->name)) continue;
    holders.push_back(i);
    if (required[i] == c.action) exact.push_back(i);
  }
  if (holders.empty()) holders.push_back(0);  // unreachable: a ladder holds it
  c.credited = MostCautious(reqs, exact.empty() ? holders : exact);
  c.credited_all.push_back(c.credited);
  for (int i : holders) {
    if (i != c.credited) c.credited_all.push_back(i);
  }

  c.mode_from = c.credited;
  if (exact.empty()) {
    for (int i = 0; i < static_cast<int>(reqs.size()); ++i) {
      if (required[i]->contains.empty()) continue;
      bool exceeded = false;
      for (const ActionSpec* other : required) {
        exceeded = exceeded || (other->contains.size() > required[i]->contains.size() &&
                                Satisfies(*other, *required[i]));
      }
      if (!exceeded) c.combined.push_back(i);
    }
    std::vector<int> shaping = {c.credited};
    shaping.insert(shaping.end(), c.combined.begin(), c.combined.end());
    c.mode_from = MostCautious(reqs, shaping);
  }
  return c;
}

}  // namespace riposte::decide
