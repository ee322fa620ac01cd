#include "cli/text.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

TEST(DisplayWidthTest, CountsCodePoints) {
  EXPECT_EQ(DisplayWidth(""), 0);
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("d\xC3\xA9j\xC3\xA0"), 4);  // "déjà"
  EXPECT_EQ(DisplayWidth("\xE2\x86\x92"), 1);        // "→"
}

TEST(SanitizeTest, ReplacesControlCharacters) {
  EXPECT_EQ(SanitizeForTerminal("plain text", false), "plain text");
  // An ANSI escape from a detector must not reach the terminal.
  EXPECT_EQ(SanitizeForTerminal("a\x1b[2Jb", false), "a\xEF\xBF\xBD[2Jb");
  EXPECT_EQ(SanitizeForTerminal("tab\there", false), "tab here");
  EXPECT_EQ(SanitizeForTerminal("two\nlines", false), "two lines");
  EXPECT_EQ(SanitizeForTerminal("two\nlines", true), "two\nlines");
  EXPECT_EQ(SanitizeForTerminal("del\x7f", false), "del\xEF\xBF\xBD");
  // C1 control U+009B (CSI) and invalid UTF-8.
  EXPECT_EQ(SanitizeForTerminal("x\xC2\x9By", false), "x\xEF\xBF\xBDy");
  EXPECT_EQ(SanitizeForTerminal("bad\xFF", false), "bad\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeForTerminal("ok \xC3\xA9", false), "ok \xC3\xA9");
}

TEST(WrapTest, WrapsWordsToWidthWithIndent) {
  const std::string text =
      "Riposte will disable the account alice@contoso.com now, autonomously "
      "(rule saas-persistence).";
  EXPECT_EQ(Wrap(text, 40, 4),
            "    Riposte will disable the account\n"
            "    alice@contoso.com now, autonomously\n"
            "    (rule saas-persistence).\n");
}

TEST(WrapTest, KeepsParagraphsAndCollapsesSpaces) {
  EXPECT_EQ(Wrap("one  two\n\nthree\n", 80, 2), "  one two\n\n  three\n");
}

TEST(WrapTest, LongWordsStandAlone) {
  EXPECT_EQ(Wrap("a verylongwordthatdoesnotfit b", 10, 0),
            "a\nverylongwordthatdoesnotfit\nb\n");
}

TEST(WrapTest, EmptyText) {
  EXPECT_EQ(Wrap("", 80, 4), "");
  EXPECT_EQ(Wrap("\n\n", 80, 4), "");
}

TEST(WrapTest, ExactFit) {
  EXPECT_EQ(Wrap("abcd efgh", 9, 0), "abcd efgh\n");
  EXPECT_EQ(Wrap("abcd efgh", 8, 0), "abcd\nefgh\n");
}

TEST(WrapTest, CountsCharactersNotBytes) {
  // Five two-byte characters fit in five columns.
  EXPECT_EQ(Wrap("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9 x", 7, 0),
            "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9 x\n");
}

}  // namespace
}  // namespace riposte::cli
