#include "cli/breach_input.h"

#include <string>

#include "cli/cli_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::testing::HasSubstr;

constexpr char kBreachCamel[] = R"({
  "detectorId": "darktrace-1",
  "breachId": "b1",
  "tenantId": "contoso",
  "modelName": "SaaS / Access / Suspicious Login Attempt",
  "modelTags": ["AP: Initial Access"],
  "score": 62,
  "observedTime": "2026-11-16T08:05:00Z",
  "subject": {"user": {"userPrincipalName": "alice@contoso.com"}}
})";

constexpr char kBreachSnake[] = R"({
  "detector_id": "darktrace-1",
  "breach_id": "b2",
  "tenant_id": "contoso",
  "model_name": "SaaS / Compromise / Unusual Login and Outbound Email Spam",
  "score": 91.5,
  "observed_time": "2026-11-16T08:05:00Z",
  "subject": {"user": {"user_principal_name": "alice@contoso.com"}},
  "evidence": [{"key": "source_ip", "value": "203.0.113.7"}]
})";

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<BreachInput> input = ParseBreachInput(text, "breaches.json");
  EXPECT_FALSE(input.ok());
  if (input.ok()) return "";
  EXPECT_TRUE(IsUsageError(input.status())) << input.status();
  return std::string(input.status().message());
}

TEST(ParseBreachInputTest, SingleBreach) {
  absl::StatusOr<BreachInput> input = ParseBreachInput(kBreachCamel, "b.json");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->shape, BreachInput::Shape::kSingle);
  ASSERT_EQ(input->request.breaches_size(), 1);
  const v1::Breach& b = input->request.breaches(0);
  EXPECT_EQ(b.detector_id(), "darktrace-1");
  EXPECT_EQ(b.score(), 62);
  EXPECT_EQ(b.subject().user().user_principal_name(), "alice@contoso.com");
  EXPECT_EQ(b.observed_time().seconds(), 1794816300);
}

TEST(ParseBreachInputTest, ArrayMixingCamelAndSnakeCase) {
  const std::string text = absl::StrCat("[", kBreachCamel, ",\n", kBreachSnake, "]");
  absl::StatusOr<BreachInput> input = ParseBreachInput(text, "b.json");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->shape, BreachInput::Shape::kArray);
  ASSERT_EQ(input->request.breaches_size(), 2);
  EXPECT_EQ(input->request.breaches(1).breach_id(), "b2");
  EXPECT_EQ(input->request.breaches(1).score(), 91.5);
  EXPECT_EQ(input->request.breaches(1).evidence(0).value(), "203.0.113.7");
  EXPECT_EQ(input->request.breaches(1).subject().user().user_principal_name(),
            "alice@contoso.com");
}

TEST(ParseBreachInputTest, SimulateRequestObject) {
  const std::string text = absl::StrCat(
      R"({"breaches": [)", kBreachCamel, R"(], "policy": [{"name": "p.yaml", "yaml": "rules: []"}], "paused": true})");
  absl::StatusOr<BreachInput> input = ParseBreachInput(text, "req.json");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->shape, BreachInput::Shape::kRequest);
  EXPECT_EQ(input->request.breaches_size(), 1);
  ASSERT_EQ(input->request.policy_size(), 1);
  EXPECT_EQ(input->request.policy(0).name(), "p.yaml");
  EXPECT_TRUE(input->request.paused());
}

TEST(ParseBreachInputTest, SyntaxErrorNamesFileAndPosition) {
  EXPECT_EQ(ErrorOf("[\n  {\"detectorId\": \"d\",}\n]"),
            "breaches.json:2:22: syntax error while parsing object key - "
            "unexpected '}'; expected string literal");
  EXPECT_EQ(ErrorOf(""),
            "breaches.json:1:1: syntax error while parsing value - unexpected "
            "end of input; expected '[', '{', or a literal");
  // Columns count characters, not bytes.
  EXPECT_THAT(ErrorOf("[{\"modelName\": \"\xC3\xA9t\xC3\xA9\" x}]"),
              HasSubstr("breaches.json:1:22: "));
  EXPECT_THAT(ErrorOf("\xEF\xBB\xBF[\n\"\x80\"]"),
              HasSubstr("breaches.json:2:2: syntax error while parsing value - "
                        "invalid string: ill-formed UTF-8 byte"));
}

TEST(ParseBreachInputTest, DuplicateKeyIsAnError) {
  EXPECT_EQ(ErrorOf("{\"detectorId\": \"d\",\n \"detectorId\": \"e\"}"),
            "breaches.json:2:2: duplicate object key");
}

TEST(ParseBreachInputTest, DeepNestingIsAnError) {
  EXPECT_THAT(ErrorOf(std::string(100000, '[')),
              HasSubstr("breaches.json:1:65: nesting too deep"));
}

TEST(ParseBreachInputTest, UnknownFieldPointsAtTheKey) {
  const std::string text =
      "[\n"
      "  {\"detectorId\": \"d\", \"breachId\": \"1\"},\n"
      "  {\"detectorId\": \"d\",\n"
      "   \"subject\": {\"user\": {\"upn\": \"alice\"}}}\n"
      "]";
  EXPECT_EQ(ErrorOf(text), "breaches.json:4:25: [1]: subject.user.upn: unknown field");
}

TEST(ParseBreachInputTest, BadValuePointsAtItsKey) {
  const std::string text = "{\"detectorId\": \"d\",\n \"score\": \"high\"}";
  EXPECT_EQ(ErrorOf(text),
            "breaches.json:2:2: score: invalid value \"high\" for type TYPE_DOUBLE");
  const std::string nested =
      "{\"breaches\": [{\"evidence\": [{\"key\": \"a\"},\n {\"kee\": \"b\"}]}]}";
  EXPECT_EQ(ErrorOf(nested),
            "breaches.json:2:3: breaches[0]: evidence[1].kee: unknown field");
}

TEST(ParseBreachInputTest, WrongShapes) {
  EXPECT_THAT(ErrorOf("42"), HasSubstr("breaches.json:1:1: expected a JSON array of "
                                       "breaches, one breach object, or a "
                                       "SimulateRequest object, found a number"));
  EXPECT_EQ(ErrorOf("[1]"), "breaches.json:1:2: [0]: want a breach object, found a number");
  EXPECT_EQ(ErrorOf("[]"), "breaches.json: no breaches in the file");
  EXPECT_EQ(ErrorOf(R"({"breaches": {}})"),
            "breaches.json:1:14: breaches: want an array of breaches");
  EXPECT_EQ(ErrorOf(R"({"breaches": [], "pasued": true})"),
            "breaches.json:1:18: unknown field \"pasued\" in a SimulateRequest "
            "(known: breaches, policy, paused, received_times)");
  EXPECT_EQ(ErrorOf(R"({"paused": "yes", "breaches": []})"),
            "breaches.json:1:12: paused: want true or false");
}

}  // namespace
}  // namespace riposte::cli

namespace riposte::cli {
namespace {

TEST(ParseBreachInputTest, ReceivedTimesSayWhenEachBreachArrived) {
  absl::StatusOr<BreachInput> input = ParseBreachInput(
      R"({"breaches": [{"breach_id": "a"}, {"breach_id": "b"}],
          "received_times": ["2026-11-16T08:20:00Z", "2026-11-17T08:20:00Z"]})",
      "req.json");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->shape, BreachInput::Shape::kRequest);
  ASSERT_EQ(input->request.received_times_size(), 2);
  EXPECT_EQ(input->request.received_times(1).seconds() -
                input->request.received_times(0).seconds(),
            24 * 3600);
  absl::StatusOr<BreachInput> bad = ParseBreachInput(
      R"({"breaches": [{"breach_id": "a"}], "receivedTimes": [7]})", "req.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("received_times[0]: want an RFC 3339 time"));
}

}  // namespace
}  // namespace riposte::cli
