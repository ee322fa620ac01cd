#include "metrics/exporter/build_info.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/metrics.h"

namespace riposte {
namespace metrics {
namespace {

using ::testing::HasSubstr;

TEST(BuildInfoTest, RendersBuildInfoAndStartTime) {
  Registry registry;
  ASSERT_TRUE(RegisterBuildInfo(registry, BuildInfo{"1.4.0", "3f2c1ab"},
                                absl::FromUnixSeconds(1700000000))
                  .ok());
  EXPECT_EQ(registry.RenderText(),
            "# HELP riposte_build_info Always 1; the labels say which version "
            "and commit of Riposte runs.\n"
            "# TYPE riposte_build_info gauge\n"
            "riposte_build_info{version=\"1.4.0\",commit=\"3f2c1ab\"} 1\n"
            "# HELP riposte_process_start_time_seconds When this process "
            "started, in seconds since the Unix epoch.\n"
            "# TYPE riposte_process_start_time_seconds gauge\n"
            "riposte_process_start_time_seconds 1700000000\n");
}

TEST(BuildInfoTest, KeepsSubSecondStartTimes) {
  Registry registry;
  ASSERT_TRUE(RegisterBuildInfo(registry, BuildInfo{"dev", "unknown"},
                                absl::FromUnixMillis(1700000000250))
                  .ok());
  EXPECT_THAT(registry.RenderText(),
              HasSubstr("riposte_process_start_time_seconds 1700000000.25\n"));
}

TEST(BuildInfoTest, CompiledBuildInfoIsAlwaysSet) {
  // "dev" and "unknown" unless the build defines RIPOSTE_VERSION and
  // RIPOSTE_COMMIT for build_info.cc.
  const BuildInfo info = CompiledBuildInfo();
  EXPECT_FALSE(info.version.empty());
  EXPECT_FALSE(info.commit.empty());
}

TEST(BuildInfoTest, ProcessStartTimeIsRecentAndStable) {
  const absl::Time start = ProcessStartTime();
  const absl::Time now = absl::Now();
  // /proc has whole seconds of boot time and clock ticks: allow for both.
  EXPECT_LE(start, now + absl::Seconds(2));
  EXPECT_GT(start, now - absl::Hours(1));
  EXPECT_EQ(ProcessStartTime(), start);
}

TEST(BuildInfoTest, DefaultOverloadRegistersCompiledInfo) {
  Registry registry;
  ASSERT_TRUE(RegisterBuildInfo(registry).ok());
  const BuildInfo info = CompiledBuildInfo();
  EXPECT_THAT(registry.RenderText(),
              HasSubstr(absl::StrCat("riposte_build_info{version=\"",
                                     info.version, "\",commit=\"",
                                     info.commit, "\"} 1\n")));
}

TEST(BuildInfoTest, RegisteringTwiceIsAlreadyExists) {
  Registry registry;
  ASSERT_TRUE(RegisterBuildInfo(registry).ok());
  EXPECT_EQ(RegisterBuildInfo(registry).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(BuildInfoTest, BadUtf8IsInvalidAndRegistersNothing) {
  Registry registry;
  absl::Status status = RegisterBuildInfo(
      registry, BuildInfo{"1.0", std::string("\xff\xfe")}, absl::Now());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("commit"));
  // Nothing was taken: a good registration still works.
  EXPECT_TRUE(RegisterBuildInfo(registry).ok());
}

}  // namespace
}  // namespace metrics
}  // namespace riposte
