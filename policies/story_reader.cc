#include "policies/story_reader.h"

#include <set>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "policies/rule_reader.h"
#include "policies/story_template.h"

namespace riposte::policies {
namespace {

void ReadStory(yaml::MapReader& s, int file, const std::string& file_name,
               PolicyFileDraft* out) {
  StoryDraft draft;
  draft.story.file = file_name;
  draft.story.line = s.line();
  ReadModelPatterns(s, file, &draft.story.models, &draft.model_sites);
  if (s.RequiredString("template", &draft.story.text)) {
    absl::StatusOr<StoryTemplate> compiled =
        ParseStoryTemplate(draft.story.text);
    if (compiled.ok()) {
      std::set<std::string> reported;
      for (const std::string& key : compiled->Keys()) {
        std::string problem = StoryKeyProblem(key);
        if (!problem.empty() && reported.insert(key).second) {
          s.AddError("template",
                     absl::StrCat("placeholder {", key, "}: ", problem));
        }
      }
      draft.story.compiled = *std::move(compiled);
    } else {
      s.AddError("template", compiled.status().message());
    }
  }
  out->stories.push_back(std::move(draft));
}

}  // namespace

void ReadStories(yaml::MapReader& root, int file, const std::string& file_name,
                 PolicyFileDraft* out) {
  root.OptionalSequence(
      "stories", [&](const yaml::Node& item, const std::string& path) {
        yaml::MapReader::ReadMap(
            item, path, root.errors(),
            [&](yaml::MapReader& s) { ReadStory(s, file, file_name, out); });
      });
}

}  // namespace riposte::policies
