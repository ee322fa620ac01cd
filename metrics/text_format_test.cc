#include "metrics/text_format.h"

#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte {
namespace metrics {
namespace {

using ::testing::HasSubstr;

TEST(ValidateMetricNameTest, AcceptsPrometheusNames) {
  for (const char* name :
       {"riposte_breaches_received_total", "a", "_x", ":rule:recorded",
        "Up2", "job:requests:rate5m"}) {
    EXPECT_TRUE(ValidateMetricName(name).ok()) << name;
  }
}

TEST(ValidateMetricNameTest, RejectsOthers) {
  for (const char* name : {"", "2fast", "has-dash", "has space", "caf\xc3\xa9",
                           "dot.ted", "quote\""}) {
    absl::Status status = ValidateMetricName(name);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name;
  }
}

TEST(ValidateLabelNamesTest, AcceptsValidDistinctNames) {
  EXPECT_TRUE(ValidateLabelNames({}).ok());
  EXPECT_TRUE(ValidateLabelNames({"outcome", "_tenant", "a1"}).ok());
}

TEST(ValidateLabelNamesTest, RejectsBadReservedAndDuplicateNames) {
  EXPECT_EQ(ValidateLabelNames({"ok", "has:colon"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateLabelNames({"1st"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateLabelNames({""}).code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status reserved = ValidateLabelNames({"__name__"});
  EXPECT_EQ(reserved.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reserved.message(), HasSubstr("reserved"));
  absl::Status duplicate = ValidateLabelNames({"a", "b", "a"});
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(duplicate.message(), HasSubstr("duplicate"));
}

TEST(EscapeTest, Help) {
  EXPECT_EQ(EscapeHelp("plain \"quoted\""), "plain \"quoted\"");
  EXPECT_EQ(EscapeHelp("a\\b\nc"), "a\\\\b\\nc");
}

TEST(EscapeTest, LabelValue) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd\te"), "a\\\\b\\\"c\\nd\te");
  EXPECT_EQ(EscapeLabelValue("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(FormatValueTest, SpecialValues) {
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(FormatValueTest, IntegersWithoutExponent) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(7), "7");
  EXPECT_EQ(FormatValue(-12), "-12");
  EXPECT_EQ(FormatValue(1e6), "1000000");
  EXPECT_EQ(FormatValue(1e15), "1000000000000000");
}

TEST(FormatValueTest, FloatsRoundTrip) {
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatValue(1e-7), "1e-07");
  EXPECT_EQ(FormatValue(1e30), "1e+30");
}

TEST(AppendSampleTest, WithoutLabels) {
  std::string out;
  AppendSample("up", {}, {}, "", "1", &out);
  EXPECT_EQ(out, "up 1\n");
}

TEST(AppendSampleTest, LabelsInDeclaredOrderThenLe) {
  std::string out;
  AppendSample("x_bucket", {"b", "a"}, {"2", "q\"\n"}, "0.5", "3", &out);
  EXPECT_EQ(out, "x_bucket{b=\"2\",a=\"q\\\"\\n\",le=\"0.5\"} 3\n");
}

TEST(AppendSampleTest, OnlyLe) {
  std::string out;
  AppendSample("x_bucket", {}, {}, "+Inf", "0", &out);
  EXPECT_EQ(out, "x_bucket{le=\"+Inf\"} 0\n");
}

TEST(ContentTypeTest, Is004) {
  EXPECT_EQ(kTextContentType, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace metrics
}  // namespace riposte
