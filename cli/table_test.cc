#include "cli/table.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

TEST(TableTest, AlignsColumns) {
  Table table({"ID", "STATE", "TARGET"});
  table.AddRow({"3", "active", "user:alice@contoso.com"});
  table.AddRow({"12", "awaiting_approval", "user:bob@contoso.com"});
  EXPECT_EQ(table.Render(),
            "ID  STATE              TARGET\n"
            "3   active             user:alice@contoso.com\n"
            "12  awaiting_approval  user:bob@contoso.com\n");
}

TEST(TableTest, EmptyCellsShowDashAndTrailingSpacesGo) {
  Table table({"A", "B", "C"});
  table.AddRow({"x", "", ""});
  EXPECT_EQ(table.Render(), "A  B  C\nx  -  -\n");
}

TEST(TableTest, IndentAndDetails) {
  Table table({"ID", "NAME"});
  table.set_blank_line_after_detail(true);
  table.AddRow({"1", "one"}, "    first detail\n");
  table.AddRow({"2", "two"}, "    second detail\n");
  EXPECT_EQ(table.Render(2),
            "  ID  NAME\n"
            "  1   one\n"
            "    first detail\n"
            "\n"
            "  2   two\n"
            "    second detail\n");
}

TEST(TableTest, CellsAreOneSanitizedLine) {
  Table table({"A", "B"});
  table.AddRow({"multi\nline", "esc\x1b[31m"});
  EXPECT_EQ(table.Render(),
            "A           B\n"
            "multi line  esc\xEF\xBF\xBD[31m\n");
}

TEST(TableTest, AlignsByCharacters) {
  Table table({"N", "X"});
  table.AddRow({"\xC3\xA9t\xC3\xA9", "1"});  // "été", three columns
  table.AddRow({"abcd", "2"});
  EXPECT_EQ(table.Render(),
            "N     X\n"
            "\xC3\xA9t\xC3\xA9   1\n"
            "abcd  2\n");
}

}  // namespace
}  // namespace riposte::cli
