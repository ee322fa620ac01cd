#ifndef RIPOSTE_CLI_TEXT_H_
#define RIPOSTE_CLI_TEXT_H_

// Plain-text helpers for terminal output: display width, making
// server-supplied text safe to print, and word wrapping.
//
// Breach fields (model names, subjects, evidence) come from detectors and
// reach narratives and tables verbatim; a terminal must never receive their
// control characters, which could move the cursor or rewrite earlier lines.

#include <string>

#include "absl/strings/string_view.h"

namespace riposte::cli {

// Columns `text` takes: one per UTF-8 code point (wide and combining
// characters are not special-cased). Stray continuation bytes count as one.
int DisplayWidth(absl::string_view text);

// `text` with control characters (C0 except newline, DEL, C1) and invalid
// UTF-8 replaced by U+FFFD; tabs become a space. With `keep_newlines`
// false, newlines become a space too (for one-line table cells).
std::string SanitizeForTerminal(absl::string_view text, bool keep_newlines);

// Word-wraps `text` so that each line, including `indent` leading spaces,
// fits in `width` columns. Each input line is wrapped on its own: newlines
// and blank lines (paragraphs) are kept, runs of spaces collapse to one. A
// word longer than the room is put on a line of its own, unbroken. Every
// output line ends with "\n"; blank lines carry no indent. Empty `text`
// gives "". The text is sanitized first (see SanitizeForTerminal).
std::string Wrap(absl::string_view text, int width, int indent);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_TEXT_H_
