#include "cli/text.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"

namespace riposte::cli {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at `s[i]`, or 0 if ill-formed.
int Utf8SequenceLength(absl::string_view s, size_t i) {
  const unsigned char c = s[i];
  int len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (int k = 1; k < len; ++k) {
    const unsigned char cc = s[i + k];
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

}  // namespace

int DisplayWidth(absl::string_view text) {
  int width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;
  }
  // A string of only continuation bytes still takes room.
  if (width == 0 && !text.empty()) width = static_cast<int>(text.size());
  return width;
}

std::string SanitizeForTerminal(absl::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = text[i];
    if (c == '\n') {
      out.push_back(keep_newlines ? '\n' : ' ');
      ++i;
      continue;
    }
    if (c == '\t') {
      out.push_back(' ');
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      out.append(kReplacement);
      ++i;
      continue;
    }
    const int len = Utf8SequenceLength(text, i);
    if (len == 0) {
      out.append(kReplacement);
      ++i;
      continue;
    }
    // C1 controls, U+0080..U+009F, are encoded C2 80..C2 9F.
    if (len == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      out.append(kReplacement);
      i += 2;
      continue;
    }
    out.append(text.data() + i, static_cast<size_t>(len));
    i += len;
  }
  return out;
}

std::string Wrap(absl::string_view text, int width, int indent) {
  if (text.empty()) return "";
  std::string clean = SanitizeForTerminal(text, /*keep_newlines=*/true);
  // Trailing newlines would become blank lines.
  while (!clean.empty() && (clean.back() == '\n' || clean.back() == ' ')) {
    clean.pop_back();
  }
  if (clean.empty()) return "";
  const std::string pad(indent, ' ');
  const int room = width - indent;
  std::string out;
  for (absl::string_view line : absl::StrSplit(clean, '\n')) {
    std::vector<absl::string_view> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.empty()) {
      out.push_back('\n');
      continue;
    }
    int used = 0;
    for (absl::string_view word : words) {
      const int w = DisplayWidth(word);
      if (used > 0 && used + 1 + w > room) {
        out.push_back('\n');
        used = 0;
      }
      if (used == 0) {
        out.append(pad);
      } else {
        out.push_back(' ');
        ++used;
      }
      out.append(word.data(), word.size());
      used += w;
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace riposte::cli
