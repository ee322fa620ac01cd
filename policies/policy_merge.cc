#include "policies/policy_merge.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace riposte::policies {
namespace {

class Merger {
 public:
  Merger(const std::vector<std::string>& file_names,
         std::vector<yaml::ErrorList>* errors, Policy* policy)
      : file_names_(file_names), errors_(*errors), policy_(*policy) {}

  void Run(std::vector<PolicyFileDraft> drafts) {
    policy_.actions = DefaultActionCatalog();
    for (PolicyFileDraft& draft : drafts) ApplyOverrides(draft);
    CheckDistinctAggression();
    for (PolicyFileDraft& draft : drafts) AddGroups(draft);
    for (PolicyFileDraft& draft : drafts) {
      CheckGroupRefs(draft);
      AddGuards(draft);
      AddCorroboration(draft);
      AddRules(draft);
      AddStories(draft);
    }
  }

 private:
  void Report(const Site& site, absl::string_view message) {
    errors_[site.file].Add(site.line, site.path, message);
  }

  std::string Where(const Site& site) const {
    return absl::StrCat(file_names_[site.file], ":", site.line);
  }

  void ApplyOverrides(PolicyFileDraft& draft) {
    for (ActionOverrideDraft& o : draft.action_overrides) {
      auto [first, inserted] = override_sites_.emplace(o.action, o.site);
      if (!inserted) {
        Report(o.site, absl::StrCat("'", o.action,
                                    "' is already overridden at ",
                                    Where(first->second),
                                    "; override each action in one place"));
        continue;
      }
      ActionSpec& spec = policy_.actions[o.action];
      if (o.aggression.has_value()) {
        spec.aggression = *o.aggression;
        aggression_sites_.emplace(o.action, o.aggression_site);
      }
      if (o.default_duration.has_value()) {
        spec.default_duration = *o.default_duration;
      }
    }
  }

  // "Least aggressive" must always pick one action, so no two actions may
  // share a level. The built-in levels are distinct; only an override can
  // make them collide, and the override is what gets blamed.
  void CheckDistinctAggression() {
    for (const auto& [name, site] : aggression_sites_) {
      int level = policy_.actions[name].aggression;
      std::vector<std::string> same;
      for (const auto& [other, spec] : policy_.actions) {
        if (other != name && spec.aggression == level) same.push_back(other);
      }
      if (same.empty()) continue;
      Report(site, absl::StrCat("aggression ", level, " is also ",
                                absl::StrJoin(same, " and "),
                                "'s; give every action its own level so "
                                "that the least aggressive one is always "
                                "clear"));
    }
  }

  void AddGroups(PolicyFileDraft& draft) {
    for (auto& [group, site] : draft.groups) {
      auto [first, inserted] = group_sites_.emplace(group.name, site);
      if (!inserted) {
        Report(site, absl::StrCat("group '", group.name,
                                  "' is already defined at ",
                                  Where(first->second)));
        continue;
      }
      std::string name = group.name;
      policy_.groups.emplace(std::move(name), std::move(group));
    }
  }

  void CheckGroupRefs(const PolicyFileDraft& draft) {
    for (const NameAt& ref : draft.group_refs) {
      if (group_sites_.count(ref.name) > 0) continue;
      std::vector<std::string> names;
      for (const auto& [name, site] : group_sites_) names.push_back(name);
      std::string known =
          names.empty() ? "no groups are defined; define it under 'groups:'"
                        : absl::StrCat("defined groups: ",
                                       absl::StrJoin(names, ", "));
      Report(ref.site,
             absl::StrCat("unknown group '", ref.name, "' (", known, ")"));
    }
  }

  void AddGuards(PolicyFileDraft& draft) {
    auto append = [](auto& to, auto& from) {
      to.insert(to.end(), std::make_move_iterator(from.begin()),
                std::make_move_iterator(from.end()));
    };
    append(policy_.exclusions, draft.exclusions);
    append(policy_.caps, draft.caps);
    append(policy_.budgets, draft.budgets);
    append(policy_.two_person, draft.two_person);
  }

  // One file says how repeated reports are recognised.
  void AddCorroboration(PolicyFileDraft& draft) {
    if (!draft.corroboration.has_value()) return;
    auto& [settings, site] = *draft.corroboration;
    if (corroboration_site_.has_value()) {
      Report(site, absl::StrCat("corroboration is already set at ",
                                Where(*corroboration_site_),
                                "; set it in one file"));
      return;
    }
    corroboration_site_ = site;
    policy_.corroboration = std::move(settings);
  }

  void AddRules(PolicyFileDraft& draft) {
    for (RuleDraft& rule_draft : draft.rules) {
      const Rule& rule = rule_draft.rule;
      if (!rule.name.empty()) {
        auto [first, inserted] =
            rule_sites_.emplace(rule.name, rule_draft.name_site);
        if (!inserted) {
          Report(rule_draft.name_site,
                 absl::StrCat("rule '", rule.name, "' is already defined at ",
                              Where(first->second),
                              "; rule names must be unique"));
        }
      }
      CheckLadderOrder(rule_draft);
      policy_.rules.push_back(std::move(rule_draft.rule));
    }
  }

  // One story per model pattern: a second one for the same pattern could
  // only ever lose to the first, which is a mistake worth naming.
  void AddStories(PolicyFileDraft& draft) {
    for (StoryDraft& story_draft : draft.stories) {
      const Story& story = story_draft.story;
      for (size_t i = 0; i < story.models.size(); ++i) {
        const Site& site = story_draft.model_sites[i];
        auto [first, inserted] =
            story_sites_.emplace(story.models[i].text, site);
        if (inserted) continue;
        Report(site, absl::StrCat("'", story.models[i].text,
                                  "' already has a story at ",
                                  Where(first->second),
                                  "; give each model pattern one story"));
      }
      policy_.stories.push_back(std::move(story_draft.story));
    }
  }

  // Each rung must be more aggressive than every rung before it. Unknown
  // and repeated rungs were reported by the reader and are skipped here.
  void CheckLadderOrder(const RuleDraft& draft) {
    const ActionSpec* strongest = nullptr;
    std::vector<std::string> seen;
    for (size_t i = 0; i < draft.rule.ladder.size(); ++i) {
      const std::string& name = draft.rule.ladder[i];
      const ActionSpec* spec = policy_.FindAction(name);
      if (spec == nullptr) continue;
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
      seen.push_back(name);
      if (strongest != nullptr && spec->aggression <= strongest->aggression) {
        Report(draft.ladder_sites[i],
               absl::StrCat("ladder must go from least to most aggressive: ",
                            name, " (", spec->aggression, ") comes after ",
                            strongest->name, " (", strongest->aggression,
                            ")"));
        continue;
      }
      strongest = spec;
    }
  }

  const std::vector<std::string>& file_names_;
  std::vector<yaml::ErrorList>& errors_;
  Policy& policy_;
  std::map<std::string, Site> override_sites_;
  std::map<std::string, Site> aggression_sites_;
  std::map<std::string, Site> group_sites_;
  std::map<std::string, Site> rule_sites_;
  std::optional<Site> corroboration_site_;
  std::map<std::string, Site> story_sites_;
};

}  // namespace

void MergeDrafts(std::vector<PolicyFileDraft> drafts,
                 const std::vector<std::string>& file_names,
                 std::vector<yaml::ErrorList>* errors, Policy* policy) {
  Merger(file_names, errors, policy).Run(std::move(drafts));
}

}  // namespace riposte::policies
