#ifndef RIPOSTE_COMMON_TEXT_RULES_H_
#define RIPOSTE_COMMON_TEXT_RULES_H_

#include <initializer_list>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace riposte {

// What a string that comes from outside (a detector, an operator, a config
// file) may hold before Riposte keys, stores, logs or audits it. Every class
// requires valid UTF-8 and refuses NUL, escape sequences and every other C0
// or C1 control character and DEL, except as noted.
enum class TextClass {
  // Ids, addresses, UPNs, message ids, hashes, model names and tags, folder
  // and policy names, filters: one line of printable text, also refusing
  // tab, Unicode format characters (bidi controls, zero-width characters,
  // U+FEFF), line and paragraph separators, noncharacters, and leading or
  // trailing spaces, so that two ids that look the same are the same.
  kIdentifier,
  // Text a detector reports as it saw it (an email subject, a display name,
  // an attachment file name, an evidence value): one line; tab allowed.
  // Bidi controls and other format characters are kept, since they are
  // evidence (a file name "invoice\u202Elmth.exe" is the attack).
  kReportedText,
  // Text an operator writes (a reason): tab and newline allowed; bidi
  // controls refused, so the audit trail reads as it was meant.
  kOperatorText,
};

// nullopt when `value` is acceptable as `text_class`; otherwise what is
// wrong, without the field name: "must not contain NUL (at byte 4)",
// "must not contain an escape sequence (ESC at byte 0)". Never quotes the
// value. Pure and thread-safe.
std::optional<std::string> TextProblem(absl::string_view value,
                                       TextClass text_class);

// nullopt when `value` is valid UTF-8, else "is not valid UTF-8 (at byte
// N)": the one check every class starts with.
std::optional<std::string> Utf8Problem(absl::string_view value);

// OK, or InvalidArgument "<field>: <problem>".
absl::Status CheckText(absl::string_view field, absl::string_view value,
                       TextClass text_class);

// One string of a request, for CheckTexts.
struct TextField {
  absl::string_view field;
  absl::string_view value;
  TextClass text_class = TextClass::kIdentifier;
};

// The first of `fields` that CheckText refuses, or OK.
absl::Status CheckTexts(std::initializer_list<TextField> fields);

}  // namespace riposte

#endif  // RIPOSTE_COMMON_TEXT_RULES_H_
