#include "cli/json_value.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<JsonValue> v = ParseJson(text);
  EXPECT_FALSE(v.ok()) << text;
  return v.ok() ? "" : std::string(v.status().message());
}

TEST(ParseJsonTest, ValuesAndPositions) {
  const std::string text = "{\n  \"a\": [1, -2.5e3, true, null],\n  \"b\": \"x\\u00e9\\n\"\n}";
  absl::StatusOr<JsonValue> v = ParseJson(text);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->IsObject());
  ASSERT_EQ(v->members.size(), 2u);
  const JsonValue::Member* a = v->FindMember("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->key_line, 2);
  EXPECT_EQ(a->key_column, 3);
  ASSERT_TRUE(a->value.IsArray());
  ASSERT_EQ(a->value.items.size(), 4u);
  EXPECT_EQ(a->value.items[1].Text(text), "-2.5e3");
  EXPECT_EQ(a->value.items[1].column, 12);
  EXPECT_EQ(a->value.items[2].kind, JsonValue::Kind::kBool);
  EXPECT_TRUE(a->value.items[2].bool_value);
  EXPECT_EQ(v->Find("b")->string_value, "x\xC3\xA9\n");
  EXPECT_EQ(v->Find("missing"), nullptr);
}

TEST(ParseJsonTest, SurrogatePairsAndBom) {
  absl::StatusOr<JsonValue> v = ParseJson("\xEF\xBB\xBF\"\\ud83d\\ude00\"");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->string_value, "\xF0\x9F\x98\x80");
}

TEST(ParseJsonTest, SyntaxErrorsNameLineAndColumn) {
  EXPECT_EQ(ErrorOf(""), "1:1: the input is empty, expected a JSON value");
  EXPECT_EQ(ErrorOf("{\"a\": 1,}"), "1:9: trailing comma before '}'");
  EXPECT_EQ(ErrorOf("[1, 2,\n ]"), "2:2: trailing comma before ']'");
  EXPECT_EQ(ErrorOf("{\n  \"a\" 1\n}"),
            "2:7: expected ':' after member name \"a\", found '1'");
  EXPECT_EQ(ErrorOf("{\"a\": 1 \"b\": 2}"),
            "1:9: expected ',' or '}' after an object member, found '\"'");
  EXPECT_EQ(ErrorOf("{a: 1}"),
            "1:2: expected a member name in double quotes, found 'a'");
  EXPECT_EQ(ErrorOf("[NaN]"), "1:2: expected a value, found 'NaN'");
  EXPECT_EQ(ErrorOf("[1] x"), "1:5: unexpected 'x' after the end of the JSON value");
  EXPECT_EQ(ErrorOf("[01]"), "1:3: invalid number: no leading zeros allowed");
  EXPECT_EQ(ErrorOf("\"abc"), "1:1: unterminated string");
  EXPECT_THAT(ErrorOf("\"a\nb\""), HasSubstr("1:3: unterminated string"));
  EXPECT_EQ(ErrorOf("\"\\q\""), "1:2: invalid escape \\q in a string");
  EXPECT_THAT(ErrorOf("[1, 2"), HasSubstr("1:6: expected ',' or ']'"));
  EXPECT_THAT(ErrorOf("{\"a\": tru}"), HasSubstr("1:7: expected a value"));
}

TEST(ParseJsonTest, ColumnsCountCharacters) {
  // "é" is two bytes but one column.
  EXPECT_EQ(ErrorOf("{\"\xC3\xA9\": x}"), "1:7: expected a value, found 'x'");
}

TEST(ParseJsonTest, DepthIsLimited) {
  std::string deep(kMaxJsonDepth + 5, '[');
  EXPECT_THAT(ErrorOf(deep), HasSubstr("nested deeper than"));
}

}  // namespace
}  // namespace riposte::cli
