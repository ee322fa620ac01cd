#include "common/text_rules.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace riposte {
namespace {

// Decodes the code point starting at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF). Returns its length in bytes, or 0 when
// the bytes there are not UTF-8.
int DecodeUtf8(absl::string_view s, size_t i, char32_t* cp) {
  const auto byte = [&](size_t k) -> unsigned {
    return static_cast<unsigned char>(s[k]);
  };
  const unsigned b0 = byte(i);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  int len;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  char32_t value = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const unsigned b = byte(i + k);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  *cp = value;
  return len;
}

bool IsBidiControl(char32_t c) {
  return c == 0x061C || c == 0x200E || c == 0x200F ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// Unicode format characters (general category Cf) that can make two
// different strings look alike, bidi controls among them.
bool IsFormatChar(char32_t c) {
  return IsBidiControl(c) || c == 0x00AD || (c >= 0x0600 && c <= 0x0605) ||
         c == 0x06DD || c == 0x070F || c == 0x08E2 || c == 0x180E ||
         (c >= 0x200B && c <= 0x200D) || (c >= 0x2060 && c <= 0x2064) ||
         (c >= 0x206A && c <= 0x206F) || c == 0xFEFF ||
         (c >= 0xFFF9 && c <= 0xFFFB) || c == 0x110BD || c == 0x110CD ||
         (c >= 0x13430 && c <= 0x1343F) || (c >= 0x1BCA0 && c <= 0x1BCA3) ||
         (c >= 0x1D173 && c <= 0x1D17A) || c == 0xE0001 ||
         (c >= 0xE0020 && c <= 0xE007F);
}

bool IsNoncharacter(char32_t c) {
  return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
}

bool IsLineSeparator(char32_t c) { return c == 0x2028 || c == 0x2029; }

bool IsSpace(char32_t c) {
  return c == ' ' || c == 0x00A0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::string At(char32_t c, size_t offset) {
  return absl::StrFormat("U+%04X at byte %d", static_cast<uint32_t>(c),
                         offset);
}

// What is wrong with code point `c` at byte `offset`, if anything.
std::optional<std::string> CodePointProblem(char32_t c, size_t offset,
                                            TextClass text_class) {
  if (c == 0) return absl::StrCat("must not contain NUL (at byte ", offset, ")");
  if (c == 0x1B || c == 0x9B) {
    return absl::StrCat("must not contain escape sequences (",
                        c == 0x1B ? "ESC" : "CSI", " ", At(c, offset), ")");
  }
  const bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
  if (control) {
    const bool allowed =
        (c == '\t' && text_class != TextClass::kIdentifier) ||
        (c == '\n' && text_class == TextClass::kOperatorText);
    if (!allowed) {
      return absl::StrCat("must not contain control characters (",
                          At(c, offset), ")");
    }
    return std::nullopt;
  }
  if (IsLineSeparator(c) && text_class != TextClass::kOperatorText) {
    return absl::StrCat("must be one line (", At(c, offset), ")");
  }
  if (IsBidiControl(c) && text_class != TextClass::kReportedText) {
    return absl::StrCat("must not contain bidirectional control characters (",
                        At(c, offset), ")");
  }
  if (text_class == TextClass::kIdentifier) {
    if (IsFormatChar(c)) {
      return absl::StrCat("must not contain invisible format characters (",
                          At(c, offset), ")");
    }
    if (IsNoncharacter(c)) {
      return absl::StrCat("must not contain Unicode noncharacters (",
                          At(c, offset), ")");
    }
  }
  return std::nullopt;
}

std::string NotUtf8At(size_t offset) {
  return absl::StrCat("is not valid UTF-8 (at byte ", offset, ")");
}

}  // namespace

std::optional<std::string> Utf8Problem(absl::string_view value) {
  for (size_t i = 0; i < value.size();) {
    char32_t c;
    const int len = DecodeUtf8(value, i, &c);
    if (len == 0) return NotUtf8At(i);
    i += len;
  }
  return std::nullopt;
}

std::optional<std::string> TextProblem(absl::string_view value,
                                       TextClass text_class) {
  char32_t first = 0, last = 0;
  for (size_t i = 0; i < value.size();) {
    char32_t c;
    const int len = DecodeUtf8(value, i, &c);
    if (len == 0) {
      return NotUtf8At(i);
    }
    if (auto problem = CodePointProblem(c, i, text_class)) return problem;
    if (i == 0) first = c;
    last = c;
    i += len;
  }
  if (text_class == TextClass::kIdentifier && !value.empty() &&
      (IsSpace(first) || IsSpace(last))) {
    return std::string("must not start or end with a space");
  }
  return std::nullopt;
}

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       TextClass text_class) {
  std::optional<std::string> problem = TextProblem(value, text_class);
  if (!problem.has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", *problem));
}

absl::Status CheckTexts(std::initializer_list<TextField> fields) {
  for (const TextField& f : fields) {
    absl::Status s = CheckText(f.field, f.value, f.text_class);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace riposte
