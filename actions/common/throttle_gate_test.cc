#include "actions/common/throttle_gate.h"

#include "gtest/gtest.h"

namespace riposte::actions::common {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);

TEST(ThrottleGateTest, RetryAfterHoldsTheWholeScope) {
  FakeClock clock(kStart);
  ThrottleGate gate(&clock);
  EXPECT_EQ(gate.HeldFor("mailbox:bob"), std::nullopt);
  EXPECT_EQ(gate.Throttled("mailbox:bob", absl::Seconds(2)), absl::Seconds(2));
  clock.Advance(absl::Milliseconds(20));
  // Every caller into the scope waits for what is left, not only the one
  // that was throttled.
  EXPECT_EQ(gate.HeldFor("mailbox:bob"), absl::Milliseconds(1980));
  EXPECT_EQ(gate.HeldFor("mailbox:alice"), std::nullopt);
  clock.Advance(absl::Milliseconds(1980));
  EXPECT_EQ(gate.HeldFor("mailbox:bob"), std::nullopt);
}

TEST(ThrottleGateTest, ALongerHoldIsNotShortenedByALaterAnswer) {
  FakeClock clock(kStart);
  ThrottleGate gate(&clock);
  gate.Throttled("directory", absl::Seconds(10));
  EXPECT_EQ(gate.Throttled("directory", absl::Seconds(1)), absl::Seconds(10));
  EXPECT_EQ(gate.HeldFor("directory"), absl::Seconds(10));
}

TEST(ThrottleGateTest, WithoutRetryAfterTheHoldDoublesUntilASuccess) {
  FakeClock clock(kStart);
  ThrottleGateOptions options;
  options.initial = absl::Milliseconds(100);
  options.max = absl::Milliseconds(350);
  ThrottleGate gate(&clock, options);
  EXPECT_EQ(gate.Throttled("s", std::nullopt), absl::Milliseconds(100));
  clock.Advance(absl::Milliseconds(100));
  EXPECT_EQ(gate.Throttled("s", std::nullopt), absl::Milliseconds(200));
  clock.Advance(absl::Milliseconds(200));
  EXPECT_EQ(gate.Throttled("s", std::nullopt), absl::Milliseconds(350));
  clock.Advance(absl::Milliseconds(350));
  gate.Succeeded("s");
  EXPECT_EQ(gate.Throttled("s", std::nullopt), absl::Milliseconds(100));
}

TEST(ThrottleGateTest, ForgetsExpiredScopesWhenFull) {
  FakeClock clock(kStart);
  ThrottleGateOptions options;
  options.max_scopes = 2;
  ThrottleGate gate(&clock, options);
  gate.Throttled("a", absl::Seconds(1));
  gate.Throttled("b", absl::Seconds(5));
  clock.Advance(absl::Seconds(2));
  gate.Throttled("c", absl::Seconds(1));
  EXPECT_EQ(gate.HeldFor("a"), std::nullopt);
  EXPECT_EQ(gate.HeldFor("b"), absl::Seconds(3));
  EXPECT_EQ(gate.HeldFor("c"), absl::Seconds(1));
}

}  // namespace
}  // namespace riposte::actions::common
