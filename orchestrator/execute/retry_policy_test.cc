#include "orchestrator/execute/retry_policy.h"

#include "gtest/gtest.h"
#include "orchestrator/execute/circuit_breaker.h"

namespace riposte::execute {
namespace {

TEST(RetryPolicyTest, OnlyTransientCodesRetry) {
  EXPECT_TRUE(IsRetryable(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(IsRetryable(absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(IsRetryable(absl::StatusCode::kDeadlineExceeded));
  EXPECT_FALSE(IsRetryable(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(IsRetryable(absl::StatusCode::kPermissionDenied));
  EXPECT_FALSE(IsRetryable(absl::StatusCode::kNotFound));
  EXPECT_FALSE(IsRetryable(absl::StatusCode::kFailedPrecondition));
}

TEST(RetryPolicyTest, BackoffDoublesWithJitterAndCap) {
  BackoffOptions o{absl::Seconds(1), absl::Seconds(60)};
  auto mid = [] { return 0.5; };
  EXPECT_EQ(Backoff(1, o, mid), absl::Seconds(1));
  EXPECT_EQ(Backoff(2, o, mid), absl::Seconds(2));
  EXPECT_EQ(Backoff(5, o, mid), absl::Seconds(16));
  EXPECT_EQ(Backoff(30, o, mid), absl::Seconds(60));
  EXPECT_EQ(Backoff(1, o, [] { return 0.0; }), absl::Milliseconds(500));
  EXPECT_LT(Backoff(1, o, [] { return 0.999; }), absl::Milliseconds(1500));
  EXPECT_EQ(Backoff(30, o, [] { return 0.999; }), absl::Seconds(60));
}

TEST(CircuitBreakerTest, OpensHalfOpensAndCloses) {
  CircuitBreaker b(2, absl::Seconds(30));
  const absl::Time t = absl::FromUnixSeconds(1000);
  EXPECT_FALSE(b.Check("graph/contoso", t).has_value());
  b.RecordFailure("graph/contoso", t);
  EXPECT_FALSE(b.Check("graph/contoso", t).has_value());
  b.RecordFailure("graph/contoso", t);
  EXPECT_EQ(b.Check("graph/contoso", t), t + absl::Seconds(30));
  EXPECT_FALSE(b.Check("graph/fabrikam", t).has_value());  // other tenant
  // Half-open: one trial, the rest wait.
  EXPECT_FALSE(b.Check("graph/contoso", t + absl::Seconds(31)).has_value());
  EXPECT_TRUE(b.Check("graph/contoso", t + absl::Seconds(31)).has_value());
  b.RecordSuccess("graph/contoso");
  EXPECT_FALSE(b.Check("graph/contoso", t + absl::Seconds(32)).has_value());
}

}  // namespace
}  // namespace riposte::execute
