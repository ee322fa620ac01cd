#include "common/json_value.h"

#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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

std::string LineColumnError(absl::string_view text) {
  JsonParseOptions options;
  options.error_position = JsonParseOptions::ErrorPosition::kLineColumn;
  return ParseError(text, options);
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
  EXPECT_EQ(MustParse("3599").AsInt64(), 3599);
  EXPECT_DOUBLE_EQ(MustParse("1.5e3").number_value(), 1500);
  EXPECT_EQ(MustParse("1.5e3").AsInt64(), std::nullopt);
  EXPECT_EQ(MustParse("1.5E-3").number_text(), "1.5E-3");
  EXPECT_DOUBLE_EQ(MustParse("-0.25").number_value(), -0.25);
  EXPECT_EQ(MustParse("-0").number_text(), "-0");
  EXPECT_EQ(MustParse("[1,-2.5e3]").elements()[1].number_text(), "-2.5e3");
}

TEST(JsonValueTest, NumbersBeyondInt64) {
  EXPECT_EQ(MustParse("9223372036854775807").AsInt64(), INT64_MAX);
  EXPECT_EQ(MustParse("-9223372036854775808").AsInt64(), INT64_MIN);
  // Valid JSON, but not an int64: kept as written, approximated as a double.
  for (absl::string_view big :
       {"9223372036854775808", "18446744073709551616",
        "-9223372036854775809", "123456789012345678901234567890"}) {
    JsonValue v = MustParse(big);
    EXPECT_TRUE(v.is_number()) << big;
    EXPECT_EQ(v.AsInt64(), std::nullopt) << big;
    EXPECT_EQ(v.number_text(), big);
  }
  EXPECT_DOUBLE_EQ(MustParse("18446744073709551616").number_value(),
                   18446744073709551616.0);
  // Beyond a double: refused, without echoing the (possibly huge) number.
  EXPECT_THAT(ParseError("1e999"), HasSubstr("number out of range"));
  EXPECT_THAT(ParseError("-1e999"), HasSubstr("number out of range"));
  EXPECT_THAT(ParseError(std::string(400, '9')),
              Not(HasSubstr("999999")));
}

TEST(JsonValueTest, BadNumbers) {
  EXPECT_THAT(ParseError("01"), HasSubstr("at byte 1"));
  EXPECT_THAT(ParseError("[01]"), HasSubstr("at byte 2"));
  EXPECT_THAT(ParseError("-"), HasSubstr("syntax error"));
  EXPECT_THAT(ParseError("1."), HasSubstr("syntax error"));
  EXPECT_THAT(ParseError("1e"), HasSubstr("syntax error"));
  EXPECT_THAT(ParseError("+1"), HasSubstr("at byte 0"));
  EXPECT_THAT(ParseError(".5"), HasSubstr("at byte 0"));
  EXPECT_THAT(ParseError("NaN"), HasSubstr("invalid literal at byte 0"));
  EXPECT_THAT(ParseError("Infinity"), HasSubstr("invalid literal at byte 0"));
}

TEST(JsonValueTest, Strings) {
  EXPECT_EQ(MustParse(R"("")").string_value(), "");
  EXPECT_EQ(MustParse(R"("a\"b\\c\/d\b\f\n\r\t")").string_value(),
            "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(MustParse(R"("\u00e9\u20AC")").string_value(),
            "\xC3\xA9\xE2\x82\xAC");
  // U+1F600 as a surrogate pair.
  EXPECT_EQ(MustParse(R"("\uD83D\uDE00")").string_value(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(MustParse(R"("\u0000")").string_value(), std::string(1, '\0'));
  // Raw UTF-8 passes through.
  EXPECT_EQ(MustParse("\"Gr\xC3\xBC\xC3\x9F\xE2\x82\xAC\xF0\x9F\x98\x80\"")
                .string_value(),
            "Gr\xC3\xBC\xC3\x9F\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(JsonValueTest, BadStrings) {
  EXPECT_THAT(ParseError(R"("abc)"), HasSubstr("missing closing quote"));
  EXPECT_THAT(ParseError("\"a\nb\""),
              HasSubstr("control character U+000A (LF) must be escaped"));
  EXPECT_THAT(ParseError("\"a\nb\""), HasSubstr("at byte 2"));
  EXPECT_THAT(ParseError(R"("\x")"),
              HasSubstr("forbidden character after backslash at byte 2"));
  EXPECT_THAT(ParseError(R"("\u12")"),
              HasSubstr("must be followed by 4 hex digits"));
  EXPECT_THAT(ParseError(R"("\u12G4")"),
              HasSubstr("must be followed by 4 hex digits"));
  EXPECT_THAT(ParseError(R"("\uD83D")"), HasSubstr("surrogate"));
  EXPECT_THAT(ParseError(R"("\uD83Dx")"), HasSubstr("surrogate"));
  EXPECT_THAT(ParseError(R"("\uD83D\u0041")"), HasSubstr("surrogate"));
  EXPECT_THAT(ParseError(R"("\uDE00")"), HasSubstr("surrogate"));
  EXPECT_THAT(ParseError("'single'"), HasSubstr("invalid literal at byte 0"));
}

TEST(JsonValueTest, BadUtf8) {
  // Stray continuation, overlong, encoded surrogate, truncated, beyond
  // U+10FFFF, a byte that never appears in UTF-8.
  for (absl::string_view bad :
       {"\"\x80\"", "\"\xC0\xAF\"", "\"\xE0\x80\xAF\"", "\"\xED\xA0\x80\"",
        "\"\xE2\x82\"", "\"\xF4\x90\x80\x80\"", "\"\xFF\""}) {
    EXPECT_THAT(ParseError(bad), HasSubstr("ill-formed UTF-8")) << bad;
  }
  EXPECT_THAT(ParseError("\"ok\x80\""), HasSubstr("at byte 3"));
  // The message never echoes the input: it may be long or binary.
  const std::string long_bad = absl::StrCat("\"", std::string(5000, 'a'), "\x80\"");
  const std::string message = ParseError(long_bad);
  EXPECT_LT(message.size(), 200u) << message;
  EXPECT_THAT(message, HasSubstr("at byte 5001"));
  // Outside strings, bytes above ASCII are just wrong.
  EXPECT_THAT(ParseError("[\xC3\xA9]"), HasSubstr("at byte 1"));
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
  EXPECT_EQ(JsonValue::TypeName(v.type()), "object");
  EXPECT_EQ(JsonValue::TypeName(JsonValue::Type::kBool), "boolean");
}

TEST(JsonValueTest, BadStructure) {
  EXPECT_THAT(ParseError(""), HasSubstr("unexpected end of input"));
  EXPECT_THAT(ParseError(""), HasSubstr("at byte 0"));
  EXPECT_THAT(ParseError("   "), HasSubstr("a literal at byte 3"));
  EXPECT_THAT(ParseError("[1,]"), HasSubstr("unexpected ']'"));
  EXPECT_THAT(ParseError("[1,]"), HasSubstr("at byte 3"));
  EXPECT_THAT(ParseError("[1 2]"), HasSubstr("expected ']' at byte 3"));
  EXPECT_THAT(ParseError("[1"), HasSubstr("unexpected end of input"));
  EXPECT_THAT(ParseError(R"({"a":1,})"),
              HasSubstr("expected string literal at byte 7"));
  EXPECT_THAT(ParseError(R"({a:1})"), HasSubstr("at byte 1"));
  EXPECT_THAT(ParseError(R"({"a" 1})"), HasSubstr("expected ':' at byte 5"));
  EXPECT_THAT(ParseError(R"({"a":1 "b":2})"), HasSubstr("expected '}'"));
  EXPECT_THAT(ParseError(R"({"a":1)"), HasSubstr("unexpected end of input"));
  EXPECT_THAT(ParseError("nul"), HasSubstr("invalid literal"));
  EXPECT_THAT(ParseError("truex"), HasSubstr("at byte 4"));
  EXPECT_THAT(ParseError("{} {}"), HasSubstr("expected end of input at byte 3"));
  EXPECT_THAT(ParseError("[1] // comment"), HasSubstr("at byte 4"));
  EXPECT_THAT(ParseError("/* c */ 1"), HasSubstr("at byte 0"));
}

TEST(JsonValueTest, ByteOrderMarkIsIgnored) {
  JsonValue v = MustParse("\xEF\xBB\xBF{\"a\":1}");
  EXPECT_EQ(v.GetInt64("a"), 1);
  EXPECT_EQ(v.source_begin(), 3u);
  EXPECT_THAT(ParseError("\xEF\xBB{}"), HasSubstr("at byte"));
}

TEST(JsonValueTest, NulBytesAreRefusedWherever) {
  EXPECT_THAT(ParseError(std::string("{}\0{\"a\":1}", 10)),
              HasSubstr("NUL byte at byte 2"));
  EXPECT_THAT(ParseError(std::string("\"a\0b\"", 5)),
              HasSubstr("NUL byte at byte 2"));
  EXPECT_THAT(ParseError(std::string("\0", 1)), HasSubstr("NUL byte at byte 0"));
}

TEST(JsonValueTest, DuplicateKeysAreRefused) {
  EXPECT_THAT(ParseError(R"({"a":1,"a":2})"),
              HasSubstr("duplicate object key at byte 7"));
  // Escapes are decoded before comparing.
  EXPECT_THAT(ParseError(R"({"a":1,"\u0061":2})"),
              HasSubstr("duplicate object key"));
  EXPECT_THAT(ParseError(R"({"x":{"a":1, "a":2}})"),
              HasSubstr("duplicate object key at byte 13"));
  // The same key in sibling or nested objects is fine.
  JsonValue v = MustParse(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})");
  EXPECT_EQ(v.GetArray("b")[1].GetInt64("a"), 2);
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
  JsonParseOptions shallow;
  shallow.max_depth = 2;
  EXPECT_TRUE(JsonValue::Parse("[[1]]", shallow).ok());
  EXPECT_THAT(ParseError("[[[1]]]", shallow),
              HasSubstr("nesting too deep at byte 2"));
  JsonParseOptions flat;
  flat.max_depth = 0;
  EXPECT_TRUE(JsonValue::Parse("1", flat).ok());
  EXPECT_THAT(ParseError("[]", flat), HasSubstr("nesting too deep"));
}

TEST(JsonValueTest, DeepInputNeverExhaustsTheStack) {
  // Far deeper than any stack would survive if parsing recursed.
  EXPECT_THAT(ParseError(std::string(10000000, '[')),
              HasSubstr("nesting too deep at byte 64"));
  EXPECT_THAT(ParseError(absl::StrCat(std::string(1000000, '['),
                                      std::string(1000000, ']'))),
              HasSubstr("nesting too deep"));
  std::string objects;
  for (int i = 0; i < 200000; ++i) objects += "{\"k\":";
  EXPECT_THAT(ParseError(objects), HasSubstr("nesting too deep"));
  // A caller cannot lift the limit past what copying and destroying the
  // tree (which recurse) can afford.
  JsonParseOptions unbounded;
  unbounded.max_depth = 1 << 30;
  EXPECT_THAT(ParseError(std::string(1000000, '['), unbounded),
              HasSubstr(absl::StrCat("nesting too deep at byte ",
                                     JsonParseOptions::kDepthCap)));
}

TEST(JsonValueTest, SizeLimit) {
  JsonParseOptions small;
  small.max_bytes = 8;
  EXPECT_TRUE(JsonValue::Parse(R"("123456")", small).ok());
  EXPECT_THAT(ParseError(R"("1234567")", small),
              HasSubstr("9 bytes exceeds the limit of 8"));
}

TEST(JsonValueTest, SourceSpans) {
  const std::string text =
      "{\n  \"a\": [1, -2.5e3, true, null],\n  \"b\": \"x\\u00e9\\n\", "
      "\"c\": {\"d\": []}\n}";
  JsonValue v = MustParse(text);
  EXPECT_EQ(v.SourceText(text), text);
  ASSERT_EQ(v.member_count(), 3u);
  EXPECT_EQ(text.substr(v.member_key_offset(0), 3), "\"a\"");
  EXPECT_EQ(text.substr(v.member_key_offset(2), 3), "\"c\"");
  const JsonValue& a = v.member_value(0);
  EXPECT_EQ(a.SourceText(text), "[1, -2.5e3, true, null]");
  EXPECT_EQ(a.elements()[0].SourceText(text), "1");
  EXPECT_EQ(a.elements()[1].SourceText(text), "-2.5e3");
  EXPECT_EQ(a.elements()[2].SourceText(text), "true");
  EXPECT_EQ(a.elements()[3].SourceText(text), "null");
  EXPECT_EQ(v.Find("b")->SourceText(text), "\"x\\u00e9\\n\"");
  EXPECT_EQ(v.Find("b")->string_value(), "x\xC3\xA9\n");
  EXPECT_EQ(v.Find("c")->SourceText(text), "{\"d\": []}");
  EXPECT_EQ(v.Find("c")->Find("d")->SourceText(text), "[]");
  EXPECT_EQ(MustParse("  7  ").source_begin(), 2u);
  EXPECT_EQ(MustParse("  7  ").source_end(), 3u);
}

TEST(JsonValueTest, LineColumnErrors) {
  EXPECT_EQ(LineColumnError(""),
            "1:1: syntax error while parsing value - unexpected end of input; "
            "expected '[', '{', or a literal");
  EXPECT_EQ(LineColumnError("[1, 2,\n ]"),
            "2:2: syntax error while parsing value - unexpected ']'; expected "
            "'[', '{', or a literal");
  EXPECT_EQ(LineColumnError("{\n  \"a\" 1\n}"),
            "2:7: syntax error while parsing object separator - unexpected "
            "number literal; expected ':'");
  EXPECT_THAT(LineColumnError("{\"a\": 1,}"), HasSubstr("1:9: "));
  EXPECT_THAT(LineColumnError("[NaN]"), HasSubstr("1:2: "));
  EXPECT_THAT(LineColumnError("[1] x"), HasSubstr("1:5: "));
  EXPECT_THAT(LineColumnError("\"a\nb\""), HasSubstr("1:3: "));
  EXPECT_THAT(LineColumnError("{\"a\":1,\n\"a\":2}"),
              HasSubstr("2:1: duplicate object key"));
  EXPECT_THAT(LineColumnError("\r\n\r\n  x"), HasSubstr("3:3: "));
  // Columns count characters: "é" is two bytes but one column.
  EXPECT_THAT(LineColumnError("{\"\xC3\xA9\": x}"), HasSubstr("1:7: "));
  EXPECT_THAT(LineColumnError("[[[1]]]\n["), HasSubstr("2:1: "));
}

TEST(JsonValueTest, LineColumnAt) {
  const std::string text = "ab\n\xC3\xA9\xE2\x82\xAC" "c\n\x80x";
  auto at = [&](size_t offset) {
    const JsonLineColumn p = LineColumnAt(text, offset);
    return absl::StrCat(p.line, ":", p.column);
  };
  EXPECT_EQ(at(0), "1:1");
  EXPECT_EQ(at(2), "1:3");
  EXPECT_EQ(at(3), "2:1");
  EXPECT_EQ(at(5), "2:2");   // after é
  EXPECT_EQ(at(8), "2:3");   // after €
  EXPECT_EQ(at(10), "3:1");
  EXPECT_EQ(at(11), "3:2");  // a stray byte is one column
  EXPECT_EQ(at(1000), "3:3");
}

// Every value's span lies inside the text, its children's inside its own.
void ExpectSpansNest(const JsonValue& v, size_t begin, size_t end) {
  EXPECT_LE(begin, v.source_begin());
  EXPECT_LE(v.source_begin(), v.source_end());
  EXPECT_LE(v.source_end(), end);
  for (const JsonValue& e : v.elements()) {
    ExpectSpansNest(e, v.source_begin(), v.source_end());
  }
  for (size_t i = 0; i < v.member_count(); ++i) {
    EXPECT_LT(v.member_key_offset(i), v.member_value(i).source_begin());
    ExpectSpansNest(v.member_value(i), v.source_begin(), v.source_end());
  }
}

// Not a fuzzer, but the same idea with a fixed seed: mutated documents
// either parse into a well-formed tree or fail with InvalidArgument.
TEST(JsonValueTest, MutatedInputParsesOrFailsCleanly) {
  const std::string seed =
      R"({"value":[{"id":"AAMk=","n":-1.5e3,"ok":true,"x":null},)"
      R"( {"s":"\u00e9\uD83D\uDE00\n","a":[[],{}]}],"@odata.nextLink":"u"})";
  std::mt19937 random(20240611);
  const std::string alphabet = "{}[]\",:\\ eE.-+0129tfnulrsa\x80\xC3\xED\xF4";
  for (int round = 0; round < 20000; ++round) {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = random() % (text.size() + 1);
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0: text.insert(at, 1, c); break;
        case 1: if (at < text.size()) text[at] = c; break;
        default: if (at < text.size()) text.erase(at, 1); break;
      }
    }
    absl::StatusOr<JsonValue> v = JsonValue::Parse(text);
    if (v.ok()) {
      ExpectSpansNest(*v, 0, text.size());
    } else {
      EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(JsonValueTest, CopiesAreIndependent) {
  JsonValue a = MustParse(R"({"x":[1,2,3]})");
  JsonValue b = a;
  a = MustParse("null");
  EXPECT_EQ(b.GetArray("x").size(), 3);
  EXPECT_EQ(b.GetArray("x")[2].AsInt64(), 3);
}

}  // namespace
}  // namespace riposte
