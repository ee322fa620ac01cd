#ifndef RIPOSTE_POLICIES_RULE_READER_H_
#define RIPOSTE_POLICIES_RULE_READER_H_

// Reads one item of a policy file's `rules:` sequence, and the settings a
// file's `defaults:` block shares with its rules. Internal to the loader.

#include <string>
#include <vector>

#include "policies/policy.h"
#include "policies/policy_draft.h"
#include "yaml/error_list.h"
#include "yaml/map_reader.h"
#include "yaml/yaml_document.h"

namespace riposte::policies {

// Reads mode, escalation_window, quiet_period and approval from `reader`
// into `rule`, keeping the fields that are absent.
void ReadSharedSettings(yaml::MapReader& reader, Rule* rule);

// Reads the rule `item` (at `path`, e.g. "rules[3]") of file number `file`,
// named `file_name`, starting from `defaults` (the file's defaults), and
// appends it to `out->rules`; its group references go to `out->group_refs`.
// Reports everything that can be checked within the rule; the ladder's
// aggression order and the group references are checked after merging, when
// every file is known.
void ReadRule(const yaml::Node& item, const std::string& path, int file,
              const std::string& file_name, const Rule& defaults,
              yaml::ErrorList* errors, PolicyFileDraft* out);

// How a rule's `models` entry is matched (see ModelPattern).
ModelPattern ClassifyModelPattern(const std::string& text);

// Reads `models` from `reader` (of file number `file`): a required, non-empty
// list of model names and patterns, appended to `patterns` classified, and
// their sites to `sites` unless it is null. Rules and stories name models
// the same way.
void ReadModelPatterns(yaml::MapReader& reader, int file,
                       std::vector<ModelPattern>* patterns,
                       std::vector<Site>* sites);

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_RULE_READER_H_
