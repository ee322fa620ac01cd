// Narrative sentences for a target that several rules ask for something on
// (choose.h has the rule they explain).

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "orchestrator/decide/choose.h"
#include "orchestrator/decide/narrative_parts.h"

namespace riposte::decide::narrative {
namespace {

bool Listed(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// "rule a (x)" or "rules a (x) and b (y)", for the requirements of `rules`.
std::string RulesAsking(const ProposedAction& a,
                        const std::vector<std::string>& rules) {
  std::vector<std::string> parts;
  for (const Requirement& r : a.requirements) {
    if (Listed(rules, r.rule)) parts.push_back(absl::StrCat(r.rule, " (", r.action, ")"));
  }
  return absl::StrCat(parts.size() == 1 ? "rule " : "rules ", JoinAnd(parts));
}

const char* Ask(size_t n) { return n == 1 ? "asks" : "ask"; }

}  // namespace

const Requirement* CreditedRequirement(const ProposedAction& a) {
  for (const auto& r : a.requirements) {
    if (r.rule == a.rule) return &r;
  }
  return a.requirements.empty() ? nullptr : &a.requirements.front();
}

std::string Combination(const ProposedAction& a) {
  if (!a.unmet_rules.empty()) {
    return absl::StrCat(
        "No action on the matching rules' ladders contains everything they "
        "ask for, so Riposte follows the strongest requirement, rule ",
        a.rule, "'s: ", a.action, " leaves out what ",
        RulesAsking(a, a.unmet_rules), " ", Ask(a.unmet_rules.size()), " for.");
  }
  if (a.combined_rules.empty()) return "";
  return absl::StrCat(
      "It combines what ", RulesAsking(a, a.combined_rules), " ",
      Ask(a.combined_rules.size()), " for: ", a.action,
      " is the least aggressive action on the matching rules' ladders that "
      "contains all of it.");
}

std::string CombinesClause(const ProposedAction& a) {
  if (a.combined_rules.empty()) return "";
  return absl::StrCat("which combines what ", RulesAsking(a, a.combined_rules),
                      " ", Ask(a.combined_rules.size()), " for");
}

std::string WeakerMisses(const ProposedAction& a,
                         const policies::Policy& policy) {
  if (a.combined_rules.empty()) return "";
  const auto chosen = std::find(a.candidates.begin(), a.candidates.end(), a.action);
  std::vector<std::string> parts;
  // Nearest first: the strongest of the weaker candidates.
  for (auto it = std::make_reverse_iterator(chosen); it != a.candidates.rend(); ++it) {
    const policies::ActionSpec* weaker = policy.FindAction(*it);
    if (weaker == nullptr || weaker->records_only) continue;
    for (const Requirement& r : a.requirements) {
      const policies::ActionSpec* need = policy.FindAction(r.action);
      if (need == nullptr || Satisfies(*weaker, *need)) continue;
      parts.push_back(absl::StrCat(*it, " leaves out what rule ", r.rule,
                                   " asks for (", r.action, ")"));
      break;
    }
  }
  if (parts.empty()) return "";
  return absl::StrCat("Why not weaker: ", absl::StrJoin(parts, "; "), ".");
}

std::string AlsoCovers(const ProposedAction& a, const policies::Policy& policy) {
  if (!a.combined_rules.empty() || !a.unmet_rules.empty()) return "";
  std::vector<std::string> others;
  for (const Requirement& r : a.requirements) {
    const policies::ActionSpec* spec = policy.FindAction(r.action);
    if (r.rule == a.rule || spec == nullptr || spec->records_only) continue;
    others.push_back(r.rule);
  }
  if (others.empty()) return "";
  return absl::StrCat("it also covers what ", RulesAsking(a, others), " ",
                      Ask(others.size()), " for");
}

}  // namespace riposte::decide::narrative
