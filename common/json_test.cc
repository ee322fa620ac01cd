#include "common/json.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte {
namespace {

// Checks the RFC 8259 grammar of one string literal: quoted, no raw control
// characters, only the defined escapes, and UTF-8 throughout.
bool IsJsonStringLiteral(absl::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  if (!IsValidUtf8(s)) return false;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"') return false;
    if (c != '\\') continue;
    if (i + 2 >= s.size()) return false;
    const char e = s[++i];
    if (e == 'u') {
      if (i + 5 >= s.size()) return false;
      for (int k = 1; k <= 4; ++k) {
        if (!std::isxdigit(static_cast<unsigned char>(s[i + k]))) return false;
      }
      i += 4;
    } else if (absl::string_view("\"\\/bfnrt").find(e) ==
               absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

TEST(JsonQuoteTest, PlainText) {
  EXPECT_EQ(JsonQuote(""), R"("")");
  EXPECT_EQ(JsonQuote("alice@contoso.com"), R"("alice@contoso.com")");
}

TEST(JsonQuoteTest, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(JsonQuote(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
}

TEST(JsonQuoteTest, EscapesControlCharacters) {
  EXPECT_EQ(JsonQuote("a\nb\rc\td\be\ff"), R"("a\nb\rc\td\be\ff")");
  EXPECT_EQ(JsonQuote(absl::string_view("\0\x01\x1f", 3)),
            R"("\u0000\u0001\u001f")");
  // DEL is not a control character in JSON's sense.
  EXPECT_EQ(JsonQuote("\x7f"), "\"\x7f\"");
}

TEST(JsonQuoteTest, KeepsWellFormedUtf8) {
  // 2-, 3- and 4-byte sequences, including the extremes of each range.
  const std::string text =
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92 \xef\xbf\xbf \xf4\x8f\xbf\xbf";
  EXPECT_EQ(JsonQuote(text), "\"" + text + "\"");
}

TEST(JsonQuoteTest, ReplacesIllFormedUtf8) {
  // A lone continuation byte.
  EXPECT_EQ(JsonQuote("a\x80z"), R"("a\ufffdz")");
  // A truncated 3-byte sequence is one maximal subpart.
  EXPECT_EQ(JsonQuote("a\xe2\x82z"), R"("a\ufffdz")");
  // ... also at the very end.
  EXPECT_EQ(JsonQuote("a\xe2\x82"), R"("a\ufffd")");
  // Overlong "/" : C0 never starts a sequence, 80 alone is a continuation.
  EXPECT_EQ(JsonQuote("\xc0\xaf"), R"("\ufffd\ufffd")");
  // A UTF-16 surrogate (U+D800) encoded in UTF-8.
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");
  // Above U+10FFFF.
  EXPECT_EQ(JsonQuote("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");
  EXPECT_EQ(JsonQuote("\xff"), R"("\ufffd")");
}

TEST(JsonQuoteTest, RandomBytesAlwaysGiveValidJson) {
  std::mt19937 rng(20261128);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 40);
  for (int round = 0; round < 5000; ++round) {
    std::string input(length(rng), '\0');
    for (char& c : input) c = static_cast<char>(byte(rng));
    const std::string quoted = JsonQuote(input);
    ASSERT_TRUE(IsJsonStringLiteral(quoted)) << quoted;
  }
}

TEST(JsonQuoteTest, AppendKeepsPrefix) {
  std::string out = "x=";
  AppendJsonQuoted("y", &out);
  EXPECT_EQ(out, R"(x="y")");
}

TEST(IsValidUtf8Test, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x94\x92"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xf8\x88\x80\x80\x80"));
}

TEST(JsonDoubleTest, Integers) {
  EXPECT_EQ(JsonDouble(0), "0");
  EXPECT_EQ(JsonDouble(-0.0), "0");
  EXPECT_EQ(JsonDouble(-3), "-3");
  EXPECT_EQ(JsonDouble(1e6), "1000000");
  EXPECT_EQ(JsonDouble(9007199254740993.0), "9007199254740992");
}

TEST(JsonDoubleTest, Fractions) {
  EXPECT_EQ(JsonDouble(0.1), "0.1");
  EXPECT_EQ(JsonDouble(2.5), "2.5");
  EXPECT_EQ(JsonDouble(1.5e-7), "1.5e-07");
  EXPECT_EQ(JsonDouble(1e300), "1e+300");
}

TEST(JsonDoubleTest, NonFiniteIsNull) {
  EXPECT_EQ(JsonDouble(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(JsonDouble(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(JsonDouble(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonDoubleTest, RoundTrips) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> bits;
  int checked = 0;
  while (checked < 10000) {
    const uint64_t b = bits(rng);
    double d;
    std::memcpy(&d, &b, sizeof(d));
    if (!std::isfinite(d)) continue;
    ++checked;
    const std::string s = JsonDouble(d);
    ASSERT_EQ(std::strtod(s.c_str(), nullptr), d) << s;
  }
}

TEST(JsonObjectWriterTest, Empty) {
  EXPECT_EQ(JsonObjectWriter().Finish(), "{}");
}

TEST(JsonObjectWriterTest, MembersInInsertionOrder) {
  const std::string owned = "owned";
  const char* null_text = nullptr;
  std::string json = JsonObjectWriter()
                         .Add("z", "literal")
                         .Add("a", owned)
                         .Add("sv", absl::string_view("view"))
                         .Add("none", null_text)
                         .AddInt("int", -42)
                         .AddUint("uint", std::numeric_limits<uint64_t>::max())
                         .AddDouble("double", 0.25)
                         .AddDouble("nan", std::nan(""))
                         .AddBool("yes", true)
                         .AddBool("no", false)
                         .AddNull("null")
                         .AddRaw("raw", R"({"k":[1,2]})")
                         .Finish();
  EXPECT_EQ(json,
            R"({"z":"literal","a":"owned","sv":"view","none":null,"int":-42,)"
            R"("uint":18446744073709551615,"double":0.25,"nan":null,)"
            R"("yes":true,"no":false,"null":null,"raw":{"k":[1,2]}})");
}

TEST(JsonObjectWriterTest, EscapesKeys) {
  EXPECT_EQ(JsonObjectWriter().AddInt("a\"b\n", 1).Finish(),
            R"({"a\"b\n":1})");
}

TEST(JsonObjectWriterTest, Nests) {
  JsonArrayWriter actions;
  actions.Add("force_logout").Add("disable_user");
  JsonObjectWriter decision;
  decision.Add("subject", "alice@contoso.com")
      .AddRaw("actions", std::move(actions).Finish());
  EXPECT_EQ(std::move(decision).Finish(),
            R"({"subject":"alice@contoso.com",)"
            R"("actions":["force_logout","disable_user"]})");
}

TEST(JsonArrayWriterTest, Empty) { EXPECT_EQ(JsonArrayWriter().Finish(), "[]"); }

TEST(JsonArrayWriterTest, AllKinds) {
  const char* null_text = nullptr;
  std::string json = JsonArrayWriter()
                         .Add("s")
                         .Add(std::string("t\""))
                         .Add(null_text)
                         .AddInt(std::numeric_limits<int64_t>::min())
                         .AddUint(7)
                         .AddDouble(-1.5)
                         .AddBool(true)
                         .AddNull()
                         .AddRaw("{}")
                         .Finish();
  EXPECT_EQ(json,
            R"(["s","t\"",null,-9223372036854775808,7,-1.5,true,null,{}])");
}

}  // namespace
}  // namespace riposte
