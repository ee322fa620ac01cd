#ifndef RIPOSTE_POLICIES_POLICY_READER_H_
#define RIPOSTE_POLICIES_POLICY_READER_H_

// Reads one parsed policy file into a PolicyFileDraft. Internal to the
// loader (policy_loader.h), which merges the drafts of every file.

#include <string>

#include "policies/policy_draft.h"
#include "yaml/error_list.h"
#include "yaml/yaml_document.h"

namespace riposte::policies {

// Reads `doc`, file number `file` named `file_name`, into `out`, reporting
// into `errors` every problem that can be seen within the file: unknown
// keys, wrong types, bad values, unknown actions, and the rule checks of
// rule_reader.h. An empty document is an empty draft.
void ReadPolicyFile(const yaml::Node& doc, int file,
                    const std::string& file_name, yaml::ErrorList* errors,
                    PolicyFileDraft* out);

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_POLICY_READER_H_
