#include "yaml/yaml_document.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::yaml {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ParseTest, BuildsTreeWithPositionsAndKeyOrder) {
  absl::StatusOr<Node> doc = Parse(
      "zeta: 1\n"
      "alpha:\n"
      "  - x\n"
      "  - \"y\"\n"
      "nested:\n"
      "  inner: true\n"
      "empty:\n"
      "tilde: ~\n"
      "quoted_null: \"null\"\n",
      "t.yaml");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_TRUE(doc->IsMap());
  EXPECT_EQ(doc->line, 1);
  EXPECT_EQ(doc->column, 1);
  ASSERT_EQ(doc->entries.size(), 6u);
  EXPECT_EQ(doc->entries[0].first, "zeta");
  EXPECT_EQ(doc->entries[1].first, "alpha");
  EXPECT_EQ(doc->entries[5].first, "quoted_null");

  const Node* zeta = doc->Find("zeta");
  ASSERT_NE(zeta, nullptr);
  EXPECT_TRUE(zeta->IsScalar());
  EXPECT_EQ(zeta->scalar, "1");
  EXPECT_EQ(zeta->line, 1);
  EXPECT_EQ(zeta->column, 7);
  EXPECT_EQ(zeta->key_line, 1);
  EXPECT_EQ(zeta->key_column, 1);

  const Node* alpha = doc->Find("alpha");
  ASSERT_NE(alpha, nullptr);
  ASSERT_TRUE(alpha->IsSequence());
  ASSERT_EQ(alpha->items.size(), 2u);
  EXPECT_EQ(alpha->items[0].scalar, "x");
  EXPECT_EQ(alpha->items[0].line, 3);
  EXPECT_EQ(alpha->items[1].scalar, "y");
  EXPECT_EQ(alpha->items[1].line, 4);
  EXPECT_EQ(alpha->key_line, 2);
  EXPECT_EQ(alpha->BlameLine(), 2);

  const Node* nested = doc->Find("nested");
  ASSERT_NE(nested, nullptr);
  ASSERT_TRUE(nested->IsMap());
  EXPECT_EQ(nested->line, 6);
  EXPECT_EQ(nested->key_line, 5);
  ASSERT_NE(nested->Find("inner"), nullptr);
  EXPECT_EQ(nested->Find("inner")->scalar, "true");

  const Node* empty = doc->Find("empty");
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(empty->IsNull());
  EXPECT_EQ(empty->line, 7);  // the key's line, not the next token's

  EXPECT_TRUE(doc->Find("tilde")->IsNull());
  ASSERT_TRUE(doc->Find("quoted_null")->IsScalar());
  EXPECT_EQ(doc->Find("quoted_null")->scalar, "null");
  EXPECT_EQ(doc->Find("missing"), nullptr);
}

TEST(ParseTest, EmptyAndCommentOnlyInputIsNull) {
  for (const char* text : {"", "# only a comment\n", "\n\n"}) {
    absl::StatusOr<Node> doc = Parse(text, "t.yaml");
    ASSERT_TRUE(doc.ok()) << doc.status();
    EXPECT_TRUE(doc->IsNull());
    EXPECT_EQ(doc->line, 1);
  }
}

TEST(ParseTest, BlockAndFlowScalars) {
  absl::StatusOr<Node> doc = Parse(
      "text: |\n"
      "  line one\n"
      "  line two\n"
      "flow: {a: 1, b: [2, 3]}\n",
      "t.yaml");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->Find("text")->scalar, "line one\nline two\n");
  const Node* flow = doc->Find("flow");
  ASSERT_TRUE(flow->IsMap());
  EXPECT_EQ(flow->Find("b")->items.size(), 2u);
}

TEST(ParseTest, AliasesAreExpanded) {
  absl::StatusOr<Node> doc = Parse(
      "base: &b\n"
      "  x: 1\n"
      "copy: *b\n"
      "name: &n hello\n"
      "again: *n\n",
      "t.yaml");
  ASSERT_TRUE(doc.ok()) << doc.status();
  const Node* copy = doc->Find("copy");
  ASSERT_TRUE(copy->IsMap());
  EXPECT_EQ(copy->Find("x")->scalar, "1");
  EXPECT_EQ(copy->key_line, 3);  // where it is used
  EXPECT_EQ(copy->line, 1);      // where its content (the anchor) is
  EXPECT_EQ(doc->Find("again")->scalar, "hello");
}

TEST(ParseTest, SyntaxErrorNamesFileLineAndColumn) {
  absl::StatusOr<Node> doc = Parse("a: 1\nb: [1, 2\n", "bad.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(doc.status().message()), StartsWith("bad.yaml:3:1: "));
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("end of sequence flow"));
}

TEST(ParseTest, BadIndentationIsAnError) {
  absl::StatusOr<Node> doc = Parse("a: 1\n  b: 2\n", "bad.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()), StartsWith("bad.yaml:2:4: "));
}

TEST(ParseTest, DuplicateKeysNameBothLines) {
  absl::StatusOr<Node> doc = Parse(
      "a: 1\n"
      "b:\n"
      "  c: 1\n"
      "  c: 2\n"
      "a: 3\n",
      "dup.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(doc.status().message(),
            "dup.yaml:4:3: duplicate key 'c' (first defined at line 3)\n"
            "dup.yaml:5:1: duplicate key 'a' (first defined at line 1)");
}

TEST(ParseTest, NonScalarKeysAreErrors) {
  absl::StatusOr<Node> doc = Parse(
      "ok: 1\n"
      "? [1, 2]\n"
      ": seq\n"
      "{x: 1}: map\n",
      "keys.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(),
            "keys.yaml:2:3: map key must be a scalar, got a sequence\n"
            "keys.yaml:4:1: map key must be a scalar, got a map");
}

TEST(ParseTest, NullKeyIsAnError) {
  absl::StatusOr<Node> doc = Parse("~: 1\n", "keys.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(),
            "keys.yaml:1:1: map key must be a scalar, got a null");
}

TEST(ParseTest, UndefinedAliasIsAnError) {
  absl::StatusOr<Node> doc = Parse("a: *nope\n", "alias.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()), StartsWith("alias.yaml:1:4: "));
}

TEST(ParseTest, RecursiveAliasIsAnError) {
  absl::StatusOr<Node> doc = Parse("a: &x [1, *x]\n", "alias.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(),
            "alias.yaml:1:11: alias refers to a node that contains it "
            "(recursive alias)");
}

TEST(ParseTest, AliasBombIsStopped) {
  std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    absl::StrAppend(&text, "l", i, ": &l", i, " [");
    for (int j = 0; j < 10; ++j) {
      absl::StrAppend(&text, j ? ", " : "", "*l", i - 1);
    }
    absl::StrAppend(&text, "]\n");
  }
  absl::StatusOr<Node> doc = Parse(text, "bomb.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("document too large"));
  EXPECT_THAT(std::string(doc.status().message()), StartsWith("bomb.yaml:"));
}

TEST(ParseTest, SecondDocumentIsAnError) {
  absl::StatusOr<Node> doc = Parse("a: 1\n---\nb: 2\n", "multi.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()), StartsWith("multi.yaml:2:1: "));
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("single YAML document"));
}

TEST(ParseTest, LeadingDocumentMarkerIsFine) {
  absl::StatusOr<Node> doc = Parse("---\na: 1\n", "t.yaml");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->Find("a")->line, 2);
}

class ParseFileTest : public ::testing::Test {
 protected:
  std::string TempPath(const std::string& name) {
    const char* dir = std::getenv("TEST_TMPDIR");
    return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  }
};

TEST_F(ParseFileTest, ReadsFileAndNamesItInErrors) {
  std::string path = TempPath("good.yaml");
  { std::ofstream(path) << "a: 1\n"; }
  absl::StatusOr<Node> doc = ParseFile(path);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->Find("a")->scalar, "1");

  std::string bad = TempPath("bad.yaml");
  { std::ofstream(bad) << "a: 1\na: 2\n"; }
  doc = ParseFile(bad);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(),
            absl::StrCat(bad, ":2:1: duplicate key 'a' (first defined at line 1)"));
}

TEST_F(ParseFileTest, MissingFileIsNotFoundNamingPath) {
  std::string path = TempPath("does-not-exist.yaml");
  absl::StatusOr<Node> doc = ParseFile(path);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("No such file"));
}

TEST_F(ParseFileTest, DirectoryIsInvalidArgument) {
  std::string path = TempPath("");
  absl::StatusOr<Node> doc = ParseFile(path);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("is a directory"));
}

TEST(KindNameTest, NamesEveryKind) {
  EXPECT_EQ(KindName(Node::Kind::kNull), "null");
  EXPECT_EQ(KindName(Node::Kind::kScalar), "scalar");
  EXPECT_EQ(KindName(Node::Kind::kSequence), "sequence");
  EXPECT_EQ(KindName(Node::Kind::kMap), "map");
}

}  // namespace
}  // namespace riposte::yaml
