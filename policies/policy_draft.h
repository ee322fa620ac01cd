#ifndef RIPOSTE_POLICIES_POLICY_DRAFT_H_
#define RIPOSTE_POLICIES_POLICY_DRAFT_H_

// What the policy reader produces from one file, before files are merged:
// the Policy pieces plus where each name was written, so that the checks
// that need every file (duplicates, group references, the ladder order under
// the final aggression levels) can still point at file, line and field.
//
// Internal to the loader; other code uses Policy (policy.h).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "policies/policy.h"

namespace riposte::policies {

// Where something is written.
struct Site {
  int file = 0;      // index into the loader's sources
  int line = 0;      // 1-based
  std::string path;  // dotted field path, e.g. "rules[2].ladder[1]"
};

// A name together with where it is written.
struct NameAt {
  std::string name;
  Site site;
};

// `actions.<name>` in one file.
struct ActionOverrideDraft {
  Site site;  // path "actions.<name>", line of the name
  std::string action;
  std::optional<int> aggression;
  Site aggression_site;
  std::optional<absl::Duration> default_duration;
};

struct RuleDraft {
  Rule rule;
  Site name_site;  // where `name` is (the rule's line if it has none)
  // Parallel to rule.ladder: where each rung is written.
  std::vector<Site> ladder_sites;
};

struct StoryDraft {
  Story story;
  // Parallel to story.models: where each pattern is written.
  std::vector<Site> model_sites;
};

// Everything read from one file.
struct PolicyFileDraft {
  std::vector<ActionOverrideDraft> action_overrides;
  std::vector<std::pair<Group, Site>> groups;
  std::vector<Exclusion> exclusions;
  std::vector<Cap> caps;
  std::vector<Budget> budgets;
  std::vector<TwoPersonRule> two_person;
  std::vector<RuleDraft> rules;
  // `corroboration:`, if this file sets it.
  std::optional<std::pair<Corroboration, Site>> corroboration;
  std::vector<StoryDraft> stories;
  // Every use of a group name in this file (guards and rule matches), to be
  // checked against the groups of all files.
  std::vector<NameAt> group_refs;
};

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_POLICY_DRAFT_H_
