#ifndef RIPOSTE_POLICIES_STORY_TEMPLATE_H_
#define RIPOSTE_POLICIES_STORY_TEMPLATE_H_

// The story template language: one short sentence over a breach's evidence
// and entities, such as
//
//   {subject} signed in from {src_endpoint.ip|an unusual address}
//   [ ({src_endpoint.autonomous_system.name})][ after {failed_attempts}
//   failed attempts].
//
//   {key}            the value of an evidence key or entity field; when it
//                    has none, the whole story is not told
//   {key|text}       the value, or `text` when there is none
//   [ ... ]          an optional part, dropped when a placeholder inside it
//                    (one without its own fallback) has no value
//   [ ... |text]     an optional part with a fallback: `text` instead
//   {{ }} [[ ]]      literal braces and brackets ("||" is a literal '|'
//                    inside an optional part)
//
// docs/POLICY.md describes the language for policy authors. This target only
// parses and checks templates; policies/story.h renders them.
//
// Thread-safe: the functions keep no state.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::policies {

// One piece of a template: literal text, or a placeholder.
struct StoryPart {
  std::string text;  // literal text; empty for a placeholder
  std::string key;   // the placeholder's key; empty for literal text
  bool has_fallback = false;
  std::string fallback;  // what a placeholder renders without a value
};

// A run of parts; an optional one is dropped, or replaced by its fallback,
// when one of its placeholders has no value and no fallback of its own.
struct StorySegment {
  bool optional = false;
  std::vector<StoryPart> parts;
  bool has_fallback = false;
  std::string fallback;
};

// A compiled template.
struct StoryTemplate {
  std::vector<StorySegment> segments;

  // Every placeholder's key, in template order (repeats kept).
  std::vector<std::string> Keys() const;
};

// The longest template accepted, in characters: a story is one sentence.
inline constexpr int kMaxStoryTemplateChars = 300;

// Compiles `text`. Returns InvalidArgument naming the first problem and its
// position ("'{' at character 12 is never closed ..."): an empty template,
// one longer than kMaxStoryTemplateChars, unbalanced braces or brackets,
// nested optional parts, an optional part without a placeholder, an empty
// placeholder, a malformed key (see IsWellFormedStoryKey), a second '|', or
// a control character. Does not judge keys beyond their form (see
// StoryKeyProblem).
absl::StatusOr<StoryTemplate> ParseStoryTemplate(absl::string_view text);

// Keys are parts of letters, digits and '_' separated by single dots, as
// OCSF attribute paths are written: "src_endpoint.ip", "failed_attempts".
bool IsWellFormedStoryKey(absl::string_view key);

// True when `key` names something that must never be shown: any of its
// parts (split at '.', '_' and '-', compared without case) is or contains a
// word such as password, secret, token, key, authorization, cookie or
// credential ("api_key", "session.token", "Authorization").
bool LooksSecret(absl::string_view key);

// Why a well-formed `key` cannot be used in a story, or "" if it can: secret
// keys (LooksSecret), and entity fields that do not exist ("subject.user.upn").
// Keys outside the entity namespaces are free-form evidence keys and are
// always allowed.
std::string StoryKeyProblem(absl::string_view key);

// The entity fields a template may read besides evidence, for messages and
// docs: "subject", "subject.user.user_principal_name", ..., "email.subject",
// "email.from", "email.message_uid", "file.name".
const std::vector<std::string>& StoryEntityKeys();

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_STORY_TEMPLATE_H_
