#include "yaml/scalar.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::yaml {
namespace {

Node Scalar(const std::string& text) {
  Node node;
  node.kind = Node::Kind::kScalar;
  node.scalar = text;
  return node;
}

Node OfKind(Node::Kind kind) {
  Node node;
  node.kind = kind;
  return node;
}

std::string ErrorOf(const absl::Status& status) {
  return std::string(status.message());
}

TEST(ReadStringTest, AcceptsScalarsOnly) {
  EXPECT_EQ(*ReadString(Scalar("hello")), "hello");
  EXPECT_EQ(*ReadString(Scalar("")), "");
  EXPECT_EQ(ErrorOf(ReadString(OfKind(Node::Kind::kNull)).status()),
            "expected a string, got nothing (null)");
  EXPECT_EQ(ErrorOf(ReadString(OfKind(Node::Kind::kMap)).status()),
            "expected a string, got a map");
}

TEST(ReadInt64Test, ParsesDecimalIntegers) {
  EXPECT_EQ(*ReadInt64(Scalar("0")), 0);
  EXPECT_EQ(*ReadInt64(Scalar("4194304")), 4194304);
  EXPECT_EQ(*ReadInt64(Scalar("-12")), -12);
  EXPECT_EQ(*ReadInt64(Scalar("9223372036854775807")), INT64_MAX);
  EXPECT_EQ(*ReadInt64(Scalar("-9223372036854775808")), INT64_MIN);
}

TEST(ReadInt64Test, RejectsNonIntegers) {
  for (const char* text : {"1.5", "1e3", "0x10", " 1", "+1", "", "-", "ten",
                           "1_000"}) {
    absl::StatusOr<int64_t> v = ReadInt64(Scalar(text));
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(ErrorOf(v.status()), ::testing::StartsWith("expected an integer"))
        << text;
  }
  EXPECT_EQ(ErrorOf(ReadInt64(Scalar("1.5")).status()),
            "expected an integer, got \"1.5\"");
  EXPECT_EQ(ErrorOf(ReadInt64(OfKind(Node::Kind::kSequence)).status()),
            "expected an integer, got a sequence");
}

TEST(ReadInt64Test, RejectsOverflow) {
  EXPECT_EQ(ErrorOf(ReadInt64(Scalar("9223372036854775808")).status()),
            "integer \"9223372036854775808\" is out of range");
  EXPECT_FALSE(ReadInt64(Scalar("-9223372036854775809")).ok());
}

TEST(ReadInt64Test, AppliesBounds) {
  EXPECT_EQ(ErrorOf(ReadInt64(Scalar("0"), IntBounds::Positive()).status()),
            "must be positive, got 0");
  EXPECT_EQ(
      ErrorOf(ReadInt64(Scalar("-1"), IntBounds::NonNegative()).status()),
      "must not be negative, got -1");
  EXPECT_EQ(
      ErrorOf(ReadInt64(Scalar("70000"), IntBounds::Range(0, 65535)).status()),
      "must be between 0 and 65535, got 70000");
  EXPECT_EQ(ErrorOf(ReadInt64(Scalar("3"), IntBounds{5}).status()),
            "must be at least 5, got 3");
  EXPECT_EQ(*ReadInt64(Scalar("0"), IntBounds::NonNegative()), 0);
}

TEST(ReadBoolTest, AcceptsOnlyTrueAndFalse) {
  EXPECT_TRUE(*ReadBool(Scalar("true")));
  EXPECT_FALSE(*ReadBool(Scalar("false")));
  for (const char* text : {"yes", "no", "on", "True", "1", ""}) {
    EXPECT_FALSE(ReadBool(Scalar(text)).ok()) << text;
  }
  EXPECT_EQ(ErrorOf(ReadBool(Scalar("yes")).status()),
            "expected true or false, got \"yes\"");
}

TEST(ParseDurationTextTest, AcceptsAbslFormsAndDays) {
  EXPECT_EQ(*ParseDurationText("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDurationText("30s"), absl::Seconds(30));
  EXPECT_EQ(*ParseDurationText("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParseDurationText("24h"), absl::Hours(24));
  EXPECT_EQ(*ParseDurationText("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDurationText("1.5h"), absl::Minutes(90));
  EXPECT_EQ(*ParseDurationText("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDurationText("7d"), absl::Hours(7 * 24));
  EXPECT_EQ(*ParseDurationText("1d12h"), absl::Hours(36));
  EXPECT_EQ(*ParseDurationText("1.5d"), absl::Hours(36));
  EXPECT_EQ(*ParseDurationText("-1d"), -absl::Hours(24));
  EXPECT_EQ(*ParseDurationText("-5s"), -absl::Seconds(5));
}

TEST(ParseDurationTextTest, RejectsOtherForms) {
  for (const char* text :
       {"5 minutes", "5", "", "d", "1d-5h", "1dd", "inf", "-inf", "5min",
        "1w", "1.d", "99999999999999999999d"}) {
    absl::StatusOr<absl::Duration> d = ParseDurationText(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ErrorOf(ParseDurationText("5 minutes").status()),
            "bad duration \"5 minutes\" (use e.g. 30s, 5m, 24h)");
}

TEST(ReadDurationTest, AppliesBounds) {
  EXPECT_EQ(*ReadDuration(Scalar("0s")), absl::ZeroDuration());
  EXPECT_EQ(ErrorOf(ReadDuration(Scalar("-5s")).status()),
            "must not be negative, got \"-5s\"");
  EXPECT_EQ(
      ErrorOf(ReadDuration(Scalar("0s"), DurationBounds::Positive()).status()),
      "must be positive, got \"0s\"");
  DurationBounds at_most_30d;
  at_most_30d.max = absl::Hours(720);
  EXPECT_EQ(ErrorOf(ReadDuration(Scalar("31d"), at_most_30d).status()),
            "must be at most 720h, got \"31d\"");
  EXPECT_EQ(*ReadDuration(Scalar("30d"), at_most_30d), absl::Hours(720));
  EXPECT_EQ(ErrorOf(ReadDuration(OfKind(Node::Kind::kMap)).status()),
            "expected a duration such as 30s, got a map");
}

TEST(QuoteForMessageTest, EscapesAndCuts) {
  EXPECT_EQ(QuoteForMessage("a\"b\n"), "\"a\\\"b\\n\"");
  std::string longer(200, 'x');
  EXPECT_EQ(QuoteForMessage(longer), "\"" + std::string(80, 'x') + "...\"");
}

}  // namespace
}  // namespace riposte::yaml
