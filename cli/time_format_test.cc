#include "cli/time_format.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::testing::HasSubstr;

TEST(FormatAgeTest, Units) {
  EXPECT_EQ(FormatAge(absl::Seconds(0)), "0s");
  EXPECT_EQ(FormatAge(absl::Seconds(59)), "59s");
  EXPECT_EQ(FormatAge(absl::Seconds(60)), "1m");
  EXPECT_EQ(FormatAge(absl::Minutes(3) + absl::Seconds(40)), "3m");
  EXPECT_EQ(FormatAge(absl::Hours(2)), "2h");
  EXPECT_EQ(FormatAge(absl::Hours(2) + absl::Minutes(30)), "2h30m");
  EXPECT_EQ(FormatAge(absl::Hours(15) + absl::Minutes(30)), "15h");
  EXPECT_EQ(FormatAge(absl::Hours(24 * 3 + 4)), "3d4h");
  EXPECT_EQ(FormatAge(absl::Hours(24 * 3)), "3d");
  EXPECT_EQ(FormatAge(absl::Hours(24 * 12 + 5)), "12d");
  EXPECT_EQ(FormatAge(-absl::Minutes(5)), "5m");
}

TEST(FormatRelativeTest, PastAndFuture) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(FormatRelative(now - absl::Minutes(3), now), "3m ago");
  EXPECT_EQ(FormatRelative(now + absl::Hours(2), now), "in 2h");
  EXPECT_EQ(FormatRelative(now + absl::Milliseconds(300), now), "now");
}

TEST(FormatTimestampTest, Utc) {
  absl::Time t;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, "2026-11-17T13:00:05+01:00", &t, &err));
  EXPECT_EQ(FormatTimestamp(t), "2026-11-17 12:00:05 UTC");
}

TEST(CompactDurationTest, EveryUnit) {
  EXPECT_EQ(CompactDuration(absl::ZeroDuration()), "0s");
  EXPECT_EQ(CompactDuration(absl::Hours(4)), "4h");
  EXPECT_EQ(CompactDuration(absl::Hours(72)), "3d");
  EXPECT_EQ(CompactDuration(absl::Minutes(90)), "1h30m");
  EXPECT_EQ(CompactDuration(absl::Milliseconds(1500)), "1s500ms");
  EXPECT_EQ(CompactDuration(-absl::Minutes(30)), "-30m");
}

TEST(ProtoTimeTest, RoundTrips) {
  google::protobuf::Timestamp ts;
  EXPECT_FALSE(IsSet(ts));
  const absl::Time t = absl::FromUnixMillis(1'800'000'000'123);
  SetTimestamp(t, &ts);
  EXPECT_TRUE(IsSet(ts));
  EXPECT_EQ(ToTime(ts), t);

  google::protobuf::Duration d;
  SetDuration(-absl::Milliseconds(1500), &d);
  EXPECT_EQ(d.seconds(), -1);
  EXPECT_EQ(d.nanos(), -500'000'000);
  EXPECT_EQ(ToDuration(d), -absl::Milliseconds(1500));
}

TEST(ParseDurationFlagTest, AcceptsDaysAndSigns) {
  EXPECT_EQ(*ParseDurationFlag("--by", "2h", true), absl::Hours(2));
  EXPECT_EQ(*ParseDurationFlag("--by", "1d12h", true), absl::Hours(36));
  EXPECT_EQ(*ParseDurationFlag("--by", "-30m", true), -absl::Minutes(30));
  absl::StatusOr<absl::Duration> negative = ParseDurationFlag("--timeout", "-1s", false);
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(negative.status().message(), HasSubstr("--timeout: must not be negative"));
  absl::StatusOr<absl::Duration> bad = ParseDurationFlag("--by", "two hours", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--by: bad duration"));
}

TEST(ParseSinceTest, DurationOrTime) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(*ParseSince("--since", "24h", now), now - absl::Hours(24));
  EXPECT_EQ(*ParseSince("--since", "7d", now), now - absl::Hours(24 * 7));
  EXPECT_EQ(*ParseSince("--since", "2026-11-16T09:00:00Z", now),
            *ParseRfc3339("--until", "2026-11-16T10:00:00+01:00"));
  absl::StatusOr<absl::Time> bad = ParseSince("--since", "yesterday", now);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("--since: want a duration back from now such as 24h"));
  EXPECT_FALSE(ParseSince("--since", "-2h", now).ok());
}

TEST(ParseRfc3339Test, RejectsOtherForms) {
  EXPECT_TRUE(ParseRfc3339("--until", "2026-11-18T09:00:00.5Z").ok());
  absl::StatusOr<absl::Time> bad = ParseRfc3339("--until", "2026-11-18 09:00");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--until: want an RFC 3339 time"));
}

}  // namespace
}  // namespace riposte::cli
