#include "cli/flags.h"

#include <string>
#include <vector>

#include "cli/cli_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::testing::ElementsAre;

std::vector<FlagSpec> Specs() {
  return {
      {"reason", 0, FlagSpec::Kind::kValue, "TEXT", "Why."},
      {"by", 0, FlagSpec::Kind::kValue, "DURATION", "How much."},
      {"watch", 'w', FlagSpec::Kind::kBool, "", "Keep going."},
      {"state", 0, FlagSpec::Kind::kRepeated, "STATE", "States."},
      {"file", 'f', FlagSpec::Kind::kValue, "FILE", "Input."},
  };
}

absl::StatusOr<ParsedArgs> Parse(std::vector<std::string> args) {
  return ParseArgs(args, Specs(), "riposte test");
}

TEST(ParseArgsTest, AllForms) {
  absl::StatusOr<ParsedArgs> p =
      Parse({"12", "--reason", "because", "--by=-30m", "-w", "--state", "active",
             "--state=failed", "-fbreaches.json", "extra"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p->Get("reason"), "because");
  EXPECT_EQ(*p->Get("by"), "-30m");
  EXPECT_TRUE(p->GetBool("watch"));
  EXPECT_THAT(p->GetAll("state"), ElementsAre("active", "failed"));
  EXPECT_EQ(*p->Get("file"), "breaches.json");
  EXPECT_THAT(p->positionals(), ElementsAre("12", "extra"));
  EXPECT_FALSE(p->Has("missing"));
  EXPECT_FALSE(p->Get("missing").has_value());
}

TEST(ParseArgsTest, ValueFlagsTakeTheNextArgumentEvenWithADash) {
  absl::StatusOr<ParsedArgs> p = Parse({"--by", "-30m", "-f", "-"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p->Get("by"), "-30m");
  EXPECT_EQ(*p->Get("file"), "-");
}

TEST(ParseArgsTest, LastValueWinsAndDoubleDashEndsFlags) {
  absl::StatusOr<ParsedArgs> p =
      Parse({"--reason", "a", "--reason", "b", "--", "--watch", "-"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p->Get("reason"), "b");
  EXPECT_FALSE(p->GetBool("watch"));
  EXPECT_THAT(p->positionals(), ElementsAre("--watch", "-"));
}

TEST(ParseArgsTest, BoolValues) {
  EXPECT_FALSE(Parse({"--watch=false"})->GetBool("watch"));
  EXPECT_TRUE(Parse({"--watch=true"})->GetBool("watch"));
  absl::StatusOr<ParsedArgs> bad = Parse({"--watch=yes"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "riposte test: --watch takes no value (or =true, =false), got \"yes\"");
}

TEST(ParseArgsTest, Errors) {
  absl::StatusOr<ParsedArgs> unknown = Parse({"--reasn", "x"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(IsUsageError(unknown.status()));
  EXPECT_EQ(unknown.status().message(),
            "riposte test: unknown flag --reasn (did you mean --reason?); see "
            "'riposte test --help'");
  absl::StatusOr<ParsedArgs> far = Parse({"--zzzzzz"});
  EXPECT_EQ(far.status().message(),
            "riposte test: unknown flag --zzzzzz; see 'riposte test --help'");
  absl::StatusOr<ParsedArgs> short_unknown = Parse({"-x"});
  EXPECT_EQ(short_unknown.status().message(),
            "riposte test: unknown flag -x; see 'riposte test --help'");
  absl::StatusOr<ParsedArgs> missing = Parse({"--reason"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "riposte test: --reason needs a value (--reason TEXT)");
}

TEST(FormatFlagHelpTest, Aligned) {
  EXPECT_EQ(FormatFlagHelp({{"reason", 0, FlagSpec::Kind::kValue, "TEXT", "Why."},
                            {"watch", 'w', FlagSpec::Kind::kBool, "",
                             "Keep going.\nUntil Ctrl-C."}}),
            "      --reason TEXT   Why.\n"
            "  -w, --watch         Keep going.\n"
            "                      Until Ctrl-C.\n");
}

TEST(ClosestMatchTest, WithinTwoEdits) {
  EXPECT_EQ(ClosestMatch("pendin", {"pending", "approve"}), "pending");
  EXPECT_EQ(ClosestMatch("aprove", {"pending", "approve"}), "approve");
  EXPECT_EQ(ClosestMatch("xyz", {"pending", "approve"}), "");
}

}  // namespace
}  // namespace riposte::cli
