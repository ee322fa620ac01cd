#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_MATCH_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_MATCH_H_

// Whether a rule's conditions other than its models hold for a breach, and
// if not, which fail: Decide matches with it, and narratives use the
// failures to say what would have made a rule act.

#include <string>
#include <vector>

#include "policies/policy.h"
#include "riposte/v1/breach.pb.h"

namespace riposte::decide {

// One condition of a rule that a breach fails.
struct Mismatch {
  enum class Kind {
    kScore,        // below match.min_score
    kSubjectKind,  // match.subject names another kind
    kTagsAny,      // none of match.tags_any
    kTagsAll,      // some of match.tags_all missing (names: those)
    kGroupsAny,    // the subject is in none of match.groups_any
    kGroupsNone,   // the subject is in some of match.groups_none (names: those)
  };
  Kind kind = Kind::kScore;
  std::vector<std::string> names;
};

// Every condition of `rule`, other than its models, that `breach` fails, in
// the order above; empty when the rule matches. `subject_groups` are the
// groups of the breach's subject.
std::vector<Mismatch> Mismatches(const policies::Rule& rule,
                                 const v1::Breach& breach,
                                 const std::vector<std::string>& subject_groups);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_MATCH_H_
