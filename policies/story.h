#ifndef RIPOSTE_POLICIES_STORY_H_
#define RIPOSTE_POLICIES_STORY_H_

// Tells what a breach is about in one sentence, from the policy's story
// templates (story_template.h) and the breach's evidence and entities:
// "alice@contoso.com signed in from 45.62.170.237 (M247 Europe SRL) after
// 14 failed attempts." Narratives put it first.
//
// A placeholder's value is, in this order:
//   - for "subject" and "subject.<kind>.<field>": the breach's subject
//     entity ("subject" is its user principal name, mailbox, hostname or
//     address);
//   - the first evidence item with exactly that key;
//   - for "email.subject", "email.from", "email.message_uid" and
//     "file.name": the breach's email (its subject when that is an email,
//     else its first related email) and that email's first attachment.
//
// What is never rendered: values of keys that look secret (LooksSecret),
// values that look like credentials themselves (a bearer or basic
// authorization header, a JSON Web Token, a PEM block), control characters,
// NUL, ANSI escape sequences and bidirectional-text controls (dropped, or
// replaced by a space). Runs of white space collapse to one space, values
// longer than kMaxStoryValueChars are cut with an ellipsis, and integers
// read with thousands separators ("2,300") unless the key's last part is an
// identifier (id, uid, pid, port, number, code). A value that is empty after
// all this counts as missing.
//
// Pure and thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "policies/policy.h"
#include "policies/story_template.h"
#include "riposte/v1/breach.pb.h"

namespace riposte::policies {

// The longest value rendered, in characters, before "…".
inline constexpr int kMaxStoryValueChars = 120;

// Renders `story` over `breach`, or nullopt when a placeholder outside any
// optional part has neither a value nor a fallback. The sentence ends with
// '.', '!' or '?' (a '.' is added otherwise).
std::optional<std::string> RenderStory(const StoryTemplate& story,
                                       const v1::Breach& breach);

// The stories whose patterns match `model_name`, most specific first: an
// exact name before any category prefix, a longer prefix before a shorter
// one, any prefix before a glob; ties in policy order.
std::vector<const Story*> StoriesFor(const Policy& policy,
                                     absl::string_view model_name);

// The first of StoriesFor(breach's model) that renders, or "" if none does.
std::string TellStory(const Policy& policy, const v1::Breach& breach);

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_STORY_H_
