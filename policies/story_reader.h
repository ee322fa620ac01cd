#ifndef RIPOSTE_POLICIES_STORY_READER_H_
#define RIPOSTE_POLICIES_STORY_READER_H_

// Reads a policy file's `stories:` sequence. Internal to the loader.

#include <string>

#include "policies/policy_draft.h"
#include "yaml/map_reader.h"

namespace riposte::policies {

// Reads `stories` from the file's root map `root` (file number `file`, named
// `file_name`) into `out->stories`, reporting missing or empty model lists,
// template syntax errors (story_template.h) and keys a story may not read
// (secret ones, unknown entity fields). Patterns that already have a story
// are reported after merging, when every file is known.
void ReadStories(yaml::MapReader& root, int file, const std::string& file_name,
                 PolicyFileDraft* out);

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_STORY_READER_H_
