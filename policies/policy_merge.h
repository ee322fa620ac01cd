#ifndef RIPOSTE_POLICIES_POLICY_MERGE_H_
#define RIPOSTE_POLICIES_POLICY_MERGE_H_

// Merges the drafts of every policy file into one Policy and runs the checks
// that need all of them. Internal to the loader (policy_loader.h).

#include <string>
#include <vector>

#include "policies/policy.h"
#include "policies/policy_draft.h"
#include "yaml/error_list.h"

namespace riposte::policies {

// Fills policy->actions (the built-in catalog with the overrides applied),
// groups, guards, rules and stories from `drafts` (one per file, in load
// order), and reports into (*errors)[site.file]:
//   - an action overridden in two places, or two actions left at the same
//     aggression by an override;
//   - group and rule names defined twice (naming both places);
//   - references to groups no file defines;
//   - ladders that do not ascend in aggression under the final catalog;
//   - a model pattern given a story twice.
// `file_names[i]` names file i in messages. Does not build the index.
void MergeDrafts(std::vector<PolicyFileDraft> drafts,
                 const std::vector<std::string>& file_names,
                 std::vector<yaml::ErrorList>* errors, Policy* policy);

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_POLICY_MERGE_H_
