// Starts the real riposted with retention and an audit archive: breaches
// recorded in a first run are aged (their times moved back, as if days had
// passed), a second run removes them and archives whole audit segments at
// start, and then `riposted --verify-audit --checkpoint` verifies the store
// from its new base while `riposted --verify-audit-segment` verifies each
// archived segment on its own, and fails on a tampered one.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/riposted_process.h"
#include "integration_tests/testing/signed_checkpoints.h"
#include "integration_tests/testing/store_query.h"
#include "riposte/v1/intake.grpc.pb.h"

namespace riposte::integration {
namespace {

using ::testing::HasSubstr;

constexpr int kBreaches = 8;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_path_ = dir_.File("riposted.yaml");
    WriteFile(config_path_,
              absl::StrCat(TestConfig(dir_.File("data")),
                           SignedCheckpointsConfig(dir_.path()),
                           "retention:\n"
                           "  incidents: 1d\n"
                           "  interval: 1h\n"
                           "  audit:\n"
                           "    archive_dir: archive\n"
                           "    keep: 1s\n"
                           "    segment_records: 4\n"));
  }

  std::string Db() const { return dir_.File("data/riposte.db"); }
  std::string Archive() const { return dir_.File("data/archive"); }

  std::vector<std::string> Segments() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(Archive(), ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("audit-", 0) == 0 && name.find(".tmp") == std::string::npos) {
        names.push_back(e.path().string());
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  CommandResult VerifySegment(const std::string& path, const std::string& name) {
    return RunCommand({RunfilePath("orchestrator/server/riposted"),
                       "--verify-audit-segment", path, "--public-key",
                       dir_.File("audit-key.pub")},
                      dir_.File(name));
  }

  testing::TempDir dir_;
  std::string config_path_;
};

TEST_F(RetentionTest, CheckConfigSaysWhatIsKept) {
  CommandResult check = RunCommand({RunfilePath("orchestrator/server/riposted"),
                                    "--check-config", "--config", config_path_},
                                   dir_.File("check"));
  EXPECT_EQ(check.exit_code, 0) << check.stderr_text;
  EXPECT_THAT(check.stdout_text,
              HasSubstr(absl::StrCat("riposted: retention: incidents 24h, runs "
                                     "24h, audit archived to ",
                                     Archive(), " after 1s")));
}

TEST_F(RetentionTest, OldRecordsLeaveAndWhatRemainsVerifies) {
  {
    auto server = RiposteServer::Start(config_path_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = v1::Intake::NewStub(grpc::CreateChannel(
        (*server)->address(), grpc::InsecureChannelCredentials()));
    for (int i = 0; i < kBreaches; ++i) {
      v1::SubmitRequest req;
      *req.mutable_breach() = UserBreach(
          "d1", absl::StrCat("b", i), absl::StrCat("user", i, "@contoso.com"));
      grpc::ClientContext ctx;
      v1::SubmitResponse resp;
      ASSERT_TRUE(stub->Submit(&ctx, req, &resp).ok());
    }
    (*server)->process().Signal(SIGTERM);
    ASSERT_EQ((*server)->process().Wait(), 0) << (*server)->process().Stderr();
  }
  ASSERT_EQ(StoreCount(Db(), "SELECT COUNT(*) FROM incidents"), kBreaches);
  EXPECT_TRUE(Segments().empty());  // nothing was old enough
  // Two days pass for the breaches (their times are not in the audit hash).
  constexpr int64_t kTwoDaysUs = 2LL * 24 * 3600 * 1000000;
  ASSERT_EQ(
      StoreExec(Db(), absl::StrCat(
                 "UPDATE breaches SET observed_us = observed_us - ", kTwoDaysUs,
                 ", received_us = received_us - ", kTwoDaysUs,
                 "; UPDATE incidents SET first_seen_us = first_seen_us - ",
                 kTwoDaysUs, ", last_seen_us = last_seen_us - ", kTwoDaysUs)),
            "");
  // The audit records must be older than keep (1s) by the clock itself.
  const int64_t newest_us = StoreCount(Db(), "SELECT MAX(time_us) FROM audit_log");
  ASSERT_TRUE(WaitFor(
      [&] { return absl::ToUnixMicros(absl::Now()) > newest_us + 1'500'000; },
      absl::Seconds(10)));

  {
    auto server = RiposteServer::Start(config_path_, dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    ASSERT_TRUE(WaitFor(
        [&] {
          return (*server)->process().Stderr().find("\"retention pass\"") !=
                 std::string::npos;
        },
        absl::Seconds(30)))
        << (*server)->process().Stderr();
    (*server)->process().Signal(SIGTERM);
    ASSERT_EQ((*server)->process().Wait(), 0) << (*server)->process().Stderr();
  }
  // The newest incident stays (its ids are the highest); the rest went.
  EXPECT_EQ(StoreCount(Db(), "SELECT COUNT(*) FROM incidents"), 1);
  EXPECT_EQ(StoreCount(Db(), "SELECT COUNT(*) FROM breaches"), 1);
  const std::vector<std::string> segments = Segments();
  ASSERT_FALSE(segments.empty());
  const int64_t first_stored = StoreCount(Db(), "SELECT MIN(seq) FROM audit_log");
  EXPECT_EQ(first_stored % 4, 1) << "whole segments of 4 only";
  EXPECT_GT(first_stored, 1);

  CommandResult verify = RunCommand(
      {RunfilePath("orchestrator/server/riposted"), "--verify-audit",
       "--config", config_path_, "--checkpoint",
       dir_.File("data/audit.checkpoints"), "--public-key",
       dir_.File("audit-key.pub")},
      dir_.File("verify"));
  EXPECT_EQ(verify.exit_code, 0) << verify.stdout_text << verify.stderr_text;
  EXPECT_THAT(verify.stdout_text,
              HasSubstr(absl::StrCat("\"archived_through\":", first_stored - 1)));

  for (size_t i = 0; i < segments.size(); ++i) {
    CommandResult r = VerifySegment(segments[i], absl::StrCat("segment", i));
    EXPECT_EQ(r.exit_code, 0) << segments[i] << ": " << r.stdout_text
                              << r.stderr_text;
    EXPECT_THAT(r.stdout_text, HasSubstr("\"ok\":true"));
  }

  // An edited record in an archived segment is found.
  std::string text = ReadFile(segments[0]);
  const size_t at = text.find("\"actor\":\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 9, "x");
  const std::string tampered = dir_.File("tampered.jsonl");
  WriteFile(tampered, text);
  CommandResult bad = VerifySegment(tampered, "segment-tampered");
  EXPECT_EQ(bad.exit_code, 1) << bad.stdout_text << bad.stderr_text;
  EXPECT_THAT(bad.stdout_text, HasSubstr("content does not match its hash"));
}

}  // namespace
}  // namespace riposte::integration
