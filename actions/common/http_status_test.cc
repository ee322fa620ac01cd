#include "actions/common/http_status.h"

#include "absl/time/civil_time.h"
#include "actions/action_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/fake_http_client.h"

namespace riposte::actions::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(1994, 11, 6, 8, 49, 0),
                                        absl::UTCTimeZone());

TEST(RetryAfterTest, DeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("120", kNow), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 0 ", kNow), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("-5", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", kNow), std::nullopt);
}

TEST(RetryAfterTest, HttpDates) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kNow),
            absl::Seconds(37));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", kNow),
            absl::Seconds(37));
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:37 1994", kNow),
            absl::Seconds(37));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 09:49:00 GMT", kNow),
            absl::Hours(1));
  // In the past: retry now.
  EXPECT_EQ(ParseRetryAfter("Sat, 05 Nov 1994 08:49:37 GMT", kNow),
            absl::ZeroDuration());
}

TEST(RetryAfterTest, BadDates) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 UTC", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Sun, 31 Feb 1994 08:49:37 GMT", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 25:49:37 GMT", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Sun 06 Nov 1994 08:49:37 GMT", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Xyz, 06 Nov 1994 08:49:37 GMT", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Foo 1994 08:49:37 GMT", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1994-11-06T08:49:37Z", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", kNow), std::nullopt);
}

TEST(RequestLabelTest, DropsQuery) {
  EXPECT_EQ(RequestLabel("GET",
                         "https://graph.microsoft.com/v1.0/users/a/messages"
                         "?$filter=internetMessageId%20eq%20'secret'"),
            "GET /v1.0/users/a/messages");
}

absl::Status Map(int status, std::string body = "", http::Headers headers = {}) {
  http::HttpResponse r = http::JsonResponse(status, std::move(body), std::move(headers));
  return HttpResponseToStatus("POST /v1.0/users/x", r, kNow);
}

TEST(HttpResponseToStatusTest, CodeTable) {
  EXPECT_TRUE(Map(200).ok());
  EXPECT_TRUE(Map(201).ok());
  EXPECT_TRUE(Map(204).ok());
  EXPECT_EQ(Map(429).code(), absl::StatusCode::kResourceExhausted);
  for (int s : {500, 502, 503, 504}) {
    EXPECT_EQ(Map(s).code(), absl::StatusCode::kUnavailable) << s;
  }
  EXPECT_EQ(Map(401).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Map(403).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Map(404).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Map(400).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Map(422).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Map(409).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Map(412).code(), absl::StatusCode::kFailedPrecondition);
  for (int s : {301, 405, 418, 501, 505}) {
    EXPECT_EQ(Map(s).code(), absl::StatusCode::kInternal) << s;
  }
}

TEST(HttpResponseToStatusTest, GraphErrorInMessage) {
  absl::Status s = Map(
      404,
      R"({"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist.",)"
      R"("innerError":{"date":"2024-01-01T00:00:00","request-id":"rid-1","client-request-id":"c"}}})");
  EXPECT_EQ(s.message(),
            "POST /v1.0/users/x: HTTP 404 Not Found (Request_ResourceNotFound: "
            "Resource 'x' does not exist.) request-id rid-1");
  EXPECT_FALSE(RetryAfter(s).has_value());
}

TEST(HttpResponseToStatusTest, RequestIdFromHeader) {
  absl::Status s = Map(503, "<html>oops</html>", {{"request-id", "hdr-7"}});
  EXPECT_EQ(s.message(),
            "POST /v1.0/users/x: HTTP 503 Service Unavailable request-id hdr-7");
}

TEST(HttpResponseToStatusTest, RetryAfterSeconds) {
  absl::Status s = Map(429, R"({"error":{"code":"TooManyRequests","message":"slow down"}})",
                       {{"Retry-After", "7"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(7));
  EXPECT_THAT(s.message(), HasSubstr("retry after 7s"));
}

TEST(HttpResponseToStatusTest, RetryAfterDate) {
  absl::Status s = Map(503, "", {{"retry-after", "Sun, 06 Nov 1994 08:51:00 GMT"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RetryAfter(s), absl::Minutes(2));
}

TEST(HttpResponseToStatusTest, RetryAfterIgnoredWhenBadOrNotRetryable) {
  EXPECT_FALSE(RetryAfter(Map(429, "", {{"Retry-After", "later"}})).has_value());
  EXPECT_FALSE(RetryAfter(Map(400, "", {{"Retry-After", "5"}})).has_value());
}

TEST(HttpResponseToStatusTest, ThrottlingIsMarkedAsSuch) {
  // Waiting cures these, so they must not use up a run's attempts.
  EXPECT_TRUE(IsThrottled(Map(429, "", {})));
  EXPECT_TRUE(IsThrottled(Map(503, "", {})));
  EXPECT_TRUE(IsThrottled(Map(504, "", {})));
  EXPECT_TRUE(IsThrottled(Map(500, "", {{"Retry-After", "3"}})));
  EXPECT_TRUE(IsThrottled(Map(429, "", {{"Retry-After", "2"}})));
  // A plain 500 or 502 may be a bug on their side: it counts.
  EXPECT_FALSE(IsThrottled(Map(500, "", {})));
  EXPECT_FALSE(IsThrottled(Map(502, "", {})));
  EXPECT_FALSE(IsThrottled(Map(400, "", {{"Retry-After", "5"}})));
  EXPECT_FALSE(IsThrottled(Map(404, "", {})));
}

TEST(HttpResponseToStatusTest, KnowsWhatCertainlyWasNotCarriedOut) {
  EXPECT_EQ(AnsweredHttpStatus(Map(503, "", {})), 503);
  EXPECT_TRUE(CertainlyNotProcessed(Map(429, "", {})));
  EXPECT_TRUE(CertainlyNotProcessed(Map(503, "", {{"Retry-After", "1"}})));
  // Held back by Riposte itself, never sent.
  EXPECT_TRUE(CertainlyNotProcessed(absl::ResourceExhaustedError("held")));
  // These may have been carried out before the answer went wrong.
  EXPECT_FALSE(CertainlyNotProcessed(Map(504, "", {})));
  EXPECT_FALSE(CertainlyNotProcessed(Map(500, "", {})));
  EXPECT_FALSE(CertainlyNotProcessed(absl::UnavailableError("connection reset")));
  EXPECT_FALSE(CertainlyNotProcessed(absl::DeadlineExceededError("no answer")));
  EXPECT_EQ(AnsweredHttpStatus(absl::UnavailableError("reset")), std::nullopt);
}

TEST(HttpResponseToStatusTest, OAuthErrorWithoutDescription) {
  absl::Status s = Map(
      401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. hunter2",)"
           R"("error_codes":[7000215]})");
  EXPECT_THAT(s.message(), HasSubstr("(invalid_client: AADSTS7000215)"));
  EXPECT_THAT(s.message(), Not(HasSubstr("hunter2")));
}

TEST(HttpResponseToStatusTest, GatewayFailEnvelope) {
  absl::Status s = Map(
      400, R"({"meta":{"status":400},"data":[],"fail":[{"errors":[{"code":"err_validation","message":"bad id","retryable":false}]}]})");
  EXPECT_THAT(s.message(), HasSubstr("(err_validation: bad id)"));
}

TEST(HttpResponseToStatusTest, LongAndMultilineMessagesAreTamed) {
  std::string long_message(1000, 'x');
  absl::Status s = Map(400, R"({"error":{"code":"A\nB","message":")" + long_message + R"("}})");
  EXPECT_THAT(s.message(), HasSubstr("(A B: xxx"));
  EXPECT_THAT(s.message(), HasSubstr("...)"));
  EXPECT_LT(s.message().size(), 400);
}

TEST(ExtractServiceErrorTest, Empty) {
  ServiceError e = ExtractServiceError(http::JsonResponse(500, "not json"));
  EXPECT_EQ(e.code, "");
  EXPECT_EQ(e.message, "");
  EXPECT_EQ(e.request_id, "");
}

}  // namespace
}  // namespace riposte::actions::common
