#include "policies/policy_reader.h"

#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "policies/corroboration_reader.h"
#include "policies/read_util.h"
#include "policies/rule_reader.h"
#include "policies/story_reader.h"
#include "yaml/map_reader.h"

namespace riposte::policies {
namespace {

using yaml::DurationBounds;
using yaml::IntBounds;
using yaml::MapReader;
using yaml::Node;

// The entries of the map under `key` (whose keys are names the user
// chooses), or nullptr if it is absent, empty or not a map (reported).
const Node* NamedMap(MapReader& root, absl::string_view key,
                     absl::string_view what) {
  const Node* node = root.Get(key);
  if (node == nullptr || node->IsNull()) return nullptr;
  if (!node->IsMap()) {
    root.AddError(key, absl::StrCat("expected a map from ", what,
                                    " to settings, got a ", node->KindName()));
    return nullptr;
  }
  return node;
}

// Reads a required action name and checks that it is known.
bool ReadActionName(MapReader& reader, absl::string_view key,
                    std::string* out) {
  if (!reader.RequiredString(key, out)) return false;
  if (BuiltinActions().count(*out) > 0) return true;
  reader.AddError(key, UnknownActionMessage(*out));
  return false;
}

// Reads a group name (checked against every file's groups after merging).
bool ReadGroupRef(MapReader& reader, absl::string_view key, bool required,
                  int file, std::string* out, PolicyFileDraft* draft) {
  bool present = required ? reader.RequiredString(key, out)
                          : reader.OptionalString(key, out);
  if (!present) return false;
  if (out->empty()) {
    reader.AddError(key, "must not be empty");
    return false;
  }
  draft->group_refs.push_back(NameAt{*out, SiteOf(reader, key, file)});
  return true;
}

void ReadActionOverrides(MapReader& root, int file, PolicyFileDraft* out) {
  const Node* actions = NamedMap(root, "actions", "action names");
  if (actions == nullptr) return;
  for (const auto& entry : actions->entries) {
    // Named, not a structured binding: the lambda below uses it, and clang
    // before 16 (the fuzz build's) cannot capture a binding.
    const std::string& name = entry.first;
    const auto& value = entry.second;
    std::string path = absl::StrCat("actions.", name);
    Site site{file, value.BlameLine(), path};
    auto spec = BuiltinActions().find(name);
    if (spec == BuiltinActions().end()) {
      root.errors()->Add(site.line, path, UnknownActionMessage(name));
      continue;
    }
    ActionOverrideDraft override_draft;
    override_draft.site = site;
    override_draft.action = name;
    MapReader::ReadMap(value, path, root.errors(), [&](MapReader& a) {
      int64_t aggression = 0;
      if (a.OptionalInt64("aggression", &aggression, IntBounds::Range(0, 100))) {
        override_draft.aggression = static_cast<int>(aggression);
        override_draft.aggression_site = SiteOf(a, "aggression", file);
      }
      absl::Duration duration;
      if (a.OptionalDuration("default_duration", &duration,
                             DurationBounds::NonNegative())) {
        if (spec->second.reversible) {
          override_draft.default_duration = duration;
        } else {
          a.AddError("default_duration",
                     absl::StrCat(name,
                                  " cannot be undone, so it has no duration "
                                  "(reversible actions: ",
                                  ReversibleActionList(), ")"));
        }
      }
    });
    out->action_overrides.push_back(std::move(override_draft));
  }
}

// Reads a list of UPNs, ids or patterns, lower-cased.
void ReadLowerCaseList(MapReader& g, absl::string_view key, int file,
                       std::vector<std::string>* out) {
  std::vector<NameAt> items;
  ReadNameList(g, key, /*required=*/false, file, &items);
  for (NameAt& item : items) {
    out->push_back(absl::AsciiStrToLower(item.name));
  }
}

void ReadGroups(MapReader& root, int file, PolicyFileDraft* out) {
  const Node* groups = NamedMap(root, "groups", "group names");
  if (groups == nullptr) return;
  for (const auto& [name, value] : groups->entries) {
    std::string path = absl::StrCat("groups.", name);
    Site site{file, value.BlameLine(), path};
    if (!IsValidName(name)) {
      root.errors()->Add(site.line, path, InvalidNameMessage("group", name));
    }
    Group group;
    group.name = name;
    group.line = site.line;
    MapReader::ReadMap(value, path, root.errors(), [&](MapReader& g) {
      std::vector<std::string> members;
      ReadLowerCaseList(g, "members", file, &members);
      group.members.insert(members.begin(), members.end());
      ReadLowerCaseList(g, "patterns", file, &group.globs);
    });
    out->groups.emplace_back(std::move(group), std::move(site));
  }
}

void ReadGuards(MapReader& root, int file, PolicyFileDraft* out) {
  yaml::ErrorList* errors = root.errors();
  root.OptionalSequence("exclusions", [&](const Node& item,
                                          const std::string& path) {
    MapReader::ReadMap(item, path, errors, [&](MapReader& e) {
      Exclusion exclusion;
      exclusion.line = e.line();
      ReadGroupRef(e, "group", /*required=*/true, file, &exclusion.group, out);
      if (e.RequiredString("reason", &exclusion.reason) &&
          exclusion.reason.empty()) {
        e.AddError("reason",
                   "must not be empty: say why these subjects are never "
                   "touched");
      }
      out->exclusions.push_back(std::move(exclusion));
    });
  });
  root.OptionalSequence("caps", [&](const Node& item, const std::string& path) {
    MapReader::ReadMap(item, path, errors, [&](MapReader& c) {
      Cap cap;
      cap.line = c.line();
      ReadGroupRef(c, "group", /*required=*/true, file, &cap.group, out);
      ReadActionName(c, "max_autonomous", &cap.max_autonomous);
      out->caps.push_back(std::move(cap));
    });
  });
  root.OptionalSequence("budgets", [&](const Node& item,
                                       const std::string& path) {
    MapReader::ReadMap(item, path, errors, [&](MapReader& b) {
      Budget budget;
      budget.line = b.line();
      ReadActionName(b, "action", &budget.action);
      b.RequiredInt64("max", &budget.max, IntBounds::NonNegative());
      b.OptionalDuration("per", &budget.per, DurationBounds::Positive());
      out->budgets.push_back(std::move(budget));
    });
  });
  root.OptionalSequence("two_person", [&](const Node& item,
                                          const std::string& path) {
    MapReader::ReadMap(item, path, errors, [&](MapReader& t) {
      TwoPersonRule rule;
      rule.line = t.line();
      ReadActionName(t, "action", &rule.action);
      ReadGroupRef(t, "group", /*required=*/false, file, &rule.group, out);
      out->two_person.push_back(std::move(rule));
    });
  });
}

}  // namespace

void ReadPolicyFile(const Node& doc, int file, const std::string& file_name,
                    yaml::ErrorList* errors, PolicyFileDraft* out) {
  MapReader root(doc, "", errors);
  if (!doc.IsMap()) return;  // null is an empty file; others are reported

  Rule defaults;
  root.OptionalMap("defaults",
                   [&](MapReader& d) { ReadSharedSettings(d, &defaults); });
  ReadActionOverrides(root, file, out);
  ReadGroups(root, file, out);
  ReadGuards(root, file, out);
  ReadCorroboration(root, file, out);
  root.OptionalSequence("rules", [&](const Node& item,
                                     const std::string& path) {
    ReadRule(item, path, file, file_name, defaults, errors, out);
  });
  ReadStories(root, file, file_name, out);
  root.Finish();
}

}  // namespace riposte::policies
