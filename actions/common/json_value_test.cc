#include "actions/common/json_value.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::actions::common {
namespace {

using ::testing::HasSubstr;

JsonValue MustParse(absl::string_view text) {
  absl::StatusOr<JsonValue> v = JsonValue::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status() << " for " << text;
  return v.ok() ? *v : JsonValue();
}

std::string ParseError(absl::string_view text,
                       const JsonParseOptions& options = {}) {
  absl::StatusOr<JsonValue> v = JsonValue::Parse(text, options);
  if (v.ok()) return "parsed";
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(v.status().message());
}

TEST(JsonValueTest, Literals) {
  EXPECT_TRUE(MustParse("null").is_null());
  EXPECT_TRUE(MustParse("true").bool_value());
  EXPECT_TRUE(MustParse("false").is_bool());
  EXPECT_FALSE(MustParse("false").bool_value());
  EXPECT_TRUE(MustParse(" \t\r\n null \n").is_null());
}

TEST(JsonValueTest, Numbers) {
  EXPECT_EQ(MustParse("0").AsInt64(), 0);
  EXPECT_EQ(MustParse("-12").AsInt64(), -12);
  EXPECT_EQ(MustParse("9223372036854775807").AsInt64(), INT64_MAX);
  EXPECT_EQ(MustParse("9223372036854775808").AsInt64(), std::nullopt);
  EXPECT_DOUBLE_EQ(MustParse("1.5e3").number_value(), 1500);
  EXPECT_EQ(MustParse("1.5e3").AsInt64(), std::nullopt);
  EXPECT_EQ(MustParse("1.5E-3").number_text(), "1.5E-3");
  EXPECT_DOUBLE_EQ(MustParse("-0.25").number_value(), -0.25);
  EXPECT_EQ(MustParse("3599").AsInt64(), 3599);
}

TEST(JsonValueTest, BadNumbers) {
  EXPECT_THAT(ParseError("01"), HasSubstr("leading zero"));
  EXPECT_THAT(ParseError("-"), HasSubstr("expected a digit"));
  EXPECT_THAT(ParseError("1."), HasSubstr("expected a digit"));
  EXPECT_THAT(ParseError("1e"), HasSubstr("expected a digit"));
  EXPECT_THAT(ParseError("+1"), HasSubstr("unexpected character"));
  EXPECT_THAT(ParseError(".5"), HasSubstr("unexpected character"));
  EXPECT_THAT(ParseError("1e999"), HasSubstr("out of range"));
  EXPECT_THAT(ParseError("NaN"), HasSubstr("unexpected character"));
  EXPECT_THAT(ParseError("Infinity"), HasSubstr("unexpected character"));
}

TEST(JsonValueTest, Strings) {
  EXPECT_EQ(MustParse(R"("")").string_value(), "");
  EXPECT_EQ(MustParse(R"("a\"b\\c\/d\b\f\n\r\t")").string_value(),
            "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(MustParse(R"("\u00e9\u20AC")").string_value(), "\xC3\xA9\xE2\x82\xAC");
  // U+1F600 as a surrogate pair.
  EXPECT_EQ(MustParse(R"("\uD83D\uDE00")").string_value(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(MustParse(R"("\u0000")").string_value(), std::string(1, '\0'));
  // Raw UTF-8 passes through.
  EXPECT_EQ(MustParse("\"Gr\xC3\xBC\xC3\x9F\xE2\x82\xAC\xF0\x9F\x98\x80\"")
                .string_value(),
            "Gr\xC3\xBC\xC3\x9F\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(JsonValueTest, BadStrings) {
  EXPECT_THAT(ParseError(R"("abc)"), HasSubstr("unterminated string at byte 0"));
  EXPECT_THAT(ParseError("\"a\nb\""), HasSubstr("control character in string at byte 2"));
  EXPECT_THAT(ParseError(R"("\x")"), HasSubstr("invalid escape at byte 1"));
  EXPECT_THAT(ParseError(R"("\u12")"), HasSubstr("\\u escape"));
  EXPECT_THAT(ParseError(R"("\u12G4")"), HasSubstr("invalid \\u escape"));
  EXPECT_THAT(ParseError(R"("\uD83D")"), HasSubstr("unpaired high surrogate"));
  EXPECT_THAT(ParseError(R"("\uD83Dx")"), HasSubstr("unpaired high surrogate"));
  EXPECT_THAT(ParseError(R"("\uD83D\u0041")"),
              HasSubstr("unpaired high surrogate"));
  EXPECT_THAT(ParseError(R"("\uDE00")"), HasSubstr("unpaired low surrogate"));
  EXPECT_THAT(ParseError("'single'"), HasSubstr("unexpected character"));
  // Ill-formed UTF-8: stray continuation, overlong, surrogate, truncated,
  // beyond U+10FFFF.
  EXPECT_THAT(ParseError("\"\x80\""), HasSubstr("invalid UTF-8 at byte 1"));
  EXPECT_THAT(ParseError("\"\xC0\xAF\""), HasSubstr("invalid UTF-8"));
  EXPECT_THAT(ParseError("\"\xE0\x80\xAF\""), HasSubstr("invalid UTF-8"));
  EXPECT_THAT(ParseError("\"\xED\xA0\x80\""), HasSubstr("invalid UTF-8"));
  EXPECT_THAT(ParseError("\"\xE2\x82\""), HasSubstr("invalid UTF-8"));
  EXPECT_THAT(ParseError("\"\xF4\x90\x80\x80\""), HasSubstr("invalid UTF-8"));
}

TEST(JsonValueTest, ArraysAndObjects) {
  JsonValue v = MustParse(
      R"({"value":[{"id":"AAMk=","parentFolderId":"f1"},{"id":"x"}],)"
      R"( "n": 2, "ok": true, "nothing": null, "empty": {}, "none": []})");
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.member_count(), 6);
  EXPECT_EQ(v.member_key(0), "value");
  EXPECT_EQ(v.member_key(5), "none");
  const auto& list = v.GetArray("value");
  ASSERT_EQ(list.size(), 2);
  EXPECT_EQ(list[0].GetString("id"), "AAMk=");
  EXPECT_EQ(list[0].GetString("parentFolderId"), "f1");
  EXPECT_EQ(list[1].GetString("parentFolderId"), std::nullopt);
  EXPECT_EQ(v.GetInt64("n"), 2);
  EXPECT_EQ(v.GetBool("ok"), true);
  EXPECT_EQ(v.GetString("ok"), std::nullopt);
  EXPECT_TRUE(v.Find("nothing")->is_null());
  EXPECT_TRUE(v.Find("empty")->is_object());
  EXPECT_TRUE(v.Find("none")->is_array());
  EXPECT_EQ(v.Find("missing"), nullptr);
  EXPECT_TRUE(v.GetArray("missing").empty());
  EXPECT_TRUE(v.GetArray("n").empty());
  // Accessors on the wrong type are harmless.
  EXPECT_EQ(list[0].Find("id")->Find("x"), nullptr);
  EXPECT_TRUE(v.elements().empty());
  EXPECT_EQ(v.string_value(), "");
}

TEST(JsonValueTest, BadStructure) {
  EXPECT_THAT(ParseError(""), HasSubstr("unexpected end of input at byte 0"));
  EXPECT_THAT(ParseError("   "), HasSubstr("unexpected end of input"));
  EXPECT_THAT(ParseError("[1,]"), HasSubstr("unexpected character at byte 3"));
  EXPECT_THAT(ParseError("[1 2]"), HasSubstr("expected ',' or ']' at byte 3"));
  EXPECT_THAT(ParseError("[1"), HasSubstr("unterminated array"));
  EXPECT_THAT(ParseError(R"({"a":1,})"), HasSubstr("expected a string key"));
  EXPECT_THAT(ParseError(R"({a:1})"), HasSubstr("expected a string key"));
  EXPECT_THAT(ParseError(R"({"a" 1})"), HasSubstr("expected ':'"));
  EXPECT_THAT(ParseError(R"({"a":1 "b":2})"), HasSubstr("expected ',' or '}'"));
  EXPECT_THAT(ParseError(R"({"a":1)"), HasSubstr("unterminated object"));
  EXPECT_THAT(ParseError(R"({"a":1,"a":2})"),
              HasSubstr("duplicate object key at byte 7"));
  EXPECT_THAT(ParseError("nul"), HasSubstr("invalid literal"));
  EXPECT_THAT(ParseError("truex"), HasSubstr("unexpected data after"));
  EXPECT_THAT(ParseError("{} {}"), HasSubstr("unexpected data after the JSON value at byte 3"));
  EXPECT_THAT(ParseError("[1] // comment"), HasSubstr("unexpected data"));
  EXPECT_THAT(ParseError("\xEF\xBB\xBF{}"), HasSubstr("unexpected character at byte 0"));
  EXPECT_THAT(ParseError(std::string("{}\0", 3)), HasSubstr("unexpected data"));
}

TEST(JsonValueTest, DepthLimit) {
  std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(JsonValue::Parse(ok).ok());
  std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_THAT(ParseError(deep), HasSubstr("nesting too deep at byte 64"));
  std::string deep_objects;
  for (int i = 0; i < 65; ++i) deep_objects += R"({"a":)";
  deep_objects += "1" + std::string(65, '}');
  EXPECT_THAT(ParseError(deep_objects), HasSubstr("nesting too deep"));
  // Far too deep for the stack if unchecked.
  EXPECT_THAT(ParseError(std::string(1000000, '[')),
              HasSubstr("nesting too deep"));
  JsonParseOptions shallow;
  shallow.max_depth = 2;
  EXPECT_TRUE(JsonValue::Parse("[[1]]", shallow).ok());
  EXPECT_THAT(ParseError("[[[1]]]", shallow), HasSubstr("nesting too deep"));
}

TEST(JsonValueTest, SizeLimit) {
  JsonParseOptions small;
  small.max_bytes = 8;
  EXPECT_TRUE(JsonValue::Parse(R"("123456")", small).ok());
  EXPECT_THAT(ParseError(R"("1234567")", small),
              HasSubstr("9 bytes exceeds the limit of 8"));
}

TEST(JsonValueTest, CopiesAreIndependent) {
  JsonValue a = MustParse(R"({"x":[1,2,3]})");
  JsonValue b = a;
  a = MustParse("null");
  EXPECT_EQ(b.GetArray("x").size(), 3);
  EXPECT_EQ(b.GetArray("x")[2].AsInt64(), 3);
}

}  // namespace
}  // namespace riposte::actions::common
