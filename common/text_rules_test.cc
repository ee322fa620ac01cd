#include "common/text_rules.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

constexpr TextClass kAll[] = {TextClass::kIdentifier, TextClass::kReportedText,
                              TextClass::kOperatorText};

std::string WithNul(absl::string_view before, absl::string_view after) {
  return absl::StrCat(before, std::string(1, '\0'), after);
}

TEST(TextRulesTest, AcceptsPrintableText) {
  for (TextClass c : kAll) {
    EXPECT_EQ(TextProblem("", c), std::nullopt);
    EXPECT_EQ(TextProblem("alice@contoso.com", c), std::nullopt);
    EXPECT_EQ(TextProblem("SaaS / Compromise / Unusual Login", c), std::nullopt);
    EXPECT_EQ(TextProblem("Zoë Ñúñez 名前 \xF0\x9F\x94\x92", c), std::nullopt);
    EXPECT_EQ(TextProblem("\\x1b[31m is only backslashes", c), std::nullopt);
  }
}

TEST(TextRulesTest, RefusesNulEverywhere) {
  for (TextClass c : kAll) {
    EXPECT_THAT(TextProblem(WithNul("10.0.0.1", "evil"), c),
                Optional(std::string("must not contain NUL (at byte 8)")));
    EXPECT_THAT(TextProblem(std::string(1, '\0'), c),
                Optional(HasSubstr("NUL")));
  }
}

TEST(TextRulesTest, RefusesEscapeSequencesEverywhere) {
  for (TextClass c : kAll) {
    EXPECT_THAT(TextProblem("ok \x1b[2J\x1b[31mforged", c),
                Optional(std::string(
                    "must not contain escape sequences (ESC U+001B at byte 3)")));
    // CSI as a C1 control, UTF-8 encoded.
    EXPECT_THAT(TextProblem("ok \xC2\x9B" "31m", c),
                Optional(HasSubstr("escape sequences (CSI U+009B")));
  }
}

TEST(TextRulesTest, RefusesC0C1AndDel) {
  for (TextClass c : kAll) {
    for (std::string bad : {"\r", "\x01", "\x07", "\x08", "\x7f", "\xC2\x80",
                            "\xC2\x85", "\xC2\x9F"}) {
      EXPECT_THAT(TextProblem("a" + bad + "b", c),
                  Optional(HasSubstr("must not contain control characters")))
          << static_cast<int>(c) << " " << bad;
    }
  }
}

TEST(TextRulesTest, TabAndNewlineDependOnTheClass) {
  EXPECT_THAT(TextProblem("a\tb", TextClass::kIdentifier),
              Optional(HasSubstr("control characters (U+0009 at byte 1)")));
  EXPECT_EQ(TextProblem("a\tb", TextClass::kReportedText), std::nullopt);
  EXPECT_EQ(TextProblem("a\tb", TextClass::kOperatorText), std::nullopt);
  EXPECT_THAT(TextProblem("a\nb", TextClass::kIdentifier),
              Optional(HasSubstr("control characters (U+000A")));
  EXPECT_THAT(TextProblem("Re: invoice\nX-Forged: 1", TextClass::kReportedText),
              Optional(HasSubstr("control characters (U+000A")));
  EXPECT_EQ(TextProblem("first line\nsecond line", TextClass::kOperatorText),
            std::nullopt);
  EXPECT_THAT(TextProblem("a\xE2\x80\xA8" "b", TextClass::kReportedText),
              Optional(HasSubstr("must be one line (U+2028")));
}

TEST(TextRulesTest, RefusesInvalidUtf8) {
  for (TextClass c : kAll) {
    for (std::string bad :
         {"\xff", "\x80", "\xC0\xAF" /* overlong '/' */, "\xC3" /* cut */,
          "\xE0\x80\xAF" /* overlong */, "\xED\xA0\x80" /* surrogate */,
          "\xF4\x90\x80\x80" /* past U+10FFFF */, "\xF8\x88\x80\x80\x80"}) {
      EXPECT_THAT(TextProblem("ab" + bad, c),
                  Optional(std::string("is not valid UTF-8 (at byte 2)")))
          << bad;
      EXPECT_THAT(Utf8Problem("\x1b" "b" + bad),
                  Optional(std::string("is not valid UTF-8 (at byte 2)")));
    }
  }
}

TEST(TextRulesTest, BidiControlsAreEvidenceOnlyInReportedText) {
  // RIGHT-TO-LEFT OVERRIDE makes "invoice\u202Elmth.exe" read as
  // "invoiceexe.html".
  const std::string rlo = "invoice\xE2\x80\xAElmth.exe";
  EXPECT_THAT(TextProblem(rlo, TextClass::kIdentifier),
              Optional(HasSubstr("bidirectional control characters (U+202E at "
                                 "byte 7)")));
  EXPECT_THAT(TextProblem(rlo, TextClass::kOperatorText),
              Optional(HasSubstr("bidirectional control characters")));
  EXPECT_EQ(TextProblem(rlo, TextClass::kReportedText), std::nullopt);
  for (std::string bidi : {"\xE2\x80\x8E", "\xE2\x80\x8F", "\xE2\x80\xAA",
                           "\xE2\x81\xA6", "\xE2\x81\xA9", "\xD8\x9C"}) {
    EXPECT_THAT(TextProblem("a" + bidi, TextClass::kIdentifier),
                Optional(HasSubstr("bidirectional"))) << bidi;
  }
}

TEST(TextRulesTest, IdentifiersRefuseInvisibleCharactersAndOuterSpaces) {
  for (std::string invisible :
       {"\xE2\x80\x8B" /* ZWSP */, "\xE2\x80\x8D" /* ZWJ */,
        "\xEF\xBB\xBF" /* BOM */, "\xC2\xAD" /* soft hyphen */,
        "\xE2\x81\xA0" /* word joiner */}) {
    EXPECT_THAT(TextProblem("alice" + invisible + "@contoso.com",
                            TextClass::kIdentifier),
                Optional(HasSubstr("invisible format characters")));
    EXPECT_EQ(TextProblem("alice" + invisible, TextClass::kReportedText),
              std::nullopt);
  }
  EXPECT_THAT(TextProblem("a\xEF\xBF\xBF", TextClass::kIdentifier),
              Optional(HasSubstr("noncharacters")));
  for (std::string id : {" b-1", "b-1 ", "\xC2\xA0" "b-1", "b-1\xE3\x80\x80"}) {
    EXPECT_THAT(TextProblem(id, TextClass::kIdentifier),
                Optional(std::string("must not start or end with a space")));
  }
  EXPECT_EQ(TextProblem(" Re: hello ", TextClass::kReportedText), std::nullopt);
}

// The UTF-8 encoding of scalar value `c`.
std::string Utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

bool SaysNotUtf8(const std::optional<std::string>& problem) {
  return problem.has_value() && absl::StartsWith(*problem, "is not valid UTF-8");
}

TEST(TextRulesTest, EveryScalarValueIsUtf8AndPrintableOnesAreKept) {
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;  // surrogates: no scalar value
    const std::string text = "x" + Utf8(c) + "x";
    const auto problem = TextProblem(text, TextClass::kReportedText);
    ASSERT_FALSE(SaysNotUtf8(problem)) << std::hex << c;
    const bool printable = (c >= 0x20 && c < 0x7F) || c == '\t' ||
                           (c >= 0xA0 && c != 0x2028 && c != 0x2029);
    ASSERT_EQ(problem.has_value(), !printable) << std::hex << c;
  }
}

TEST(TextRulesTest, EveryTwoByteStringIsJudgedAsUtf8Says) {
  const auto printable_ascii = [](unsigned b) {
    return (b >= 0x20 && b < 0x7F) || b == '\t';
  };
  for (unsigned b0 = 0; b0 < 256; ++b0) {
    for (unsigned b1 = 0; b1 < 256; ++b1) {
      const std::string text = {static_cast<char>(b0), static_cast<char>(b1)};
      const bool two_byte_form =
          b0 >= 0xC2 && b0 <= 0xDF && b1 >= 0x80 && b1 <= 0xBF;
      const bool acceptable =
          (printable_ascii(b0) && printable_ascii(b1)) ||
          (two_byte_form && (((b0 & 0x1F) << 6) | (b1 & 0x3F)) >= 0xA0);
      const auto problem = TextProblem(text, TextClass::kReportedText);
      ASSERT_EQ(problem.has_value(), !acceptable)
          << std::hex << b0 << " " << b1;
      // Bytes that are not UTF-8 are named as such, unless a control
      // character before them was found first.
      if (b0 >= 0x80 && !two_byte_form) {
        ASSERT_TRUE(SaysNotUtf8(problem)) << std::hex << b0 << " " << b1;
      }
    }
  }
}

TEST(TextRulesTest, CheckTextNamesTheField) {
  EXPECT_TRUE(CheckText("reason", "ok", TextClass::kOperatorText).ok());
  absl::Status s = CheckText("breach.subject.ip.address",
                             WithNul("10.0.0.1", ""), TextClass::kIdentifier);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "breach.subject.ip.address: must not contain NUL (at byte 8)");
}

TEST(TextRulesTest, CheckTextsNamesTheFirstBadField) {
  EXPECT_TRUE(CheckTexts({{"tenant_id", "contoso"}, {"action", ""}}).ok());
  absl::Status s = CheckTexts(
      {{"tenant_id", "contoso"},
       {"reason", "two\nlines", TextClass::kOperatorText},
       {"subject_key", "user:\x1b[31m"},
       {"action", std::string(1, '\0')}});
  EXPECT_EQ(s.message(),
            "subject_key: must not contain escape sequences (ESC U+001B at "
            "byte 5)");
}

}  // namespace
}  // namespace riposte
