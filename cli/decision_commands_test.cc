// simulate and submit against a fake client: input files, requests,
// output, JSON, exit codes.

#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "cli/app_test_util.h"
#include "cli/time_format.h"
#include "cli/watch.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using testing::CliRunner;
using testing::kTestNow;
using testing::MakeRun;
using testing::ParseJsonAs;
using testing::WriteFile;

constexpr char kBreach[] =
    R"({"detectorId": "darktrace-1", "breachId": "b1", "tenantId": "contoso",
        "modelName": "SaaS / Access / Suspicious Login Attempt", "score": 62,
        "subject": {"user": {"userPrincipalName": "alice@contoso.com"}}})";

// --- simulate and submit -----------------------------------------------------

v1::SimulateResponse Simulated(const v1::SimulateRequest& request) {
  v1::SimulateResponse r;
  r.set_policy_version("abcdef0123456789");
  for (const v1::Breach& b : request.breaches()) {
    v1::SimulatedDecision* d = r.add_results();
    d->set_detector_id(b.detector_id());
    d->set_breach_id(b.breach_id());
    d->set_incident(1);
    d->mutable_decision()->set_narrative("Riposte only observes.");
  }
  return r;
}

TEST(SimulateTest, FileShapes) {
  CliRunner cli;
  cli.fake().simulate = Simulated;
  const std::string single = WriteFile(cli, "one.json", kBreach);
  EXPECT_EQ(cli.Run({"simulate", "-f", single}), 0);
  EXPECT_EQ(cli.fake().simulate_requests.back().breaches_size(), 1);
  EXPECT_THAT(cli.out(), AllOf(HasSubstr("Simulated against policy abcdef012345"),
                               HasSubstr("== darktrace-1/b1, incident 1"),
                               HasSubstr("  Riposte only observes.")));

  const std::string array = WriteFile(cli, "two.json", absl::StrCat("[", kBreach, ",", kBreach, "]"));
  EXPECT_EQ(cli.Run({"simulate", "-f", array}), 0);
  EXPECT_EQ(cli.fake().simulate_requests.back().breaches_size(), 2);

  const std::string request = WriteFile(
      cli, "req.json", absl::StrCat(R"({"breaches": [)", kBreach, R"(], "paused": true})"));
  EXPECT_EQ(cli.Run({"simulate", "-f", request}), 0);
  EXPECT_TRUE(cli.fake().simulate_requests.back().paused());

  EXPECT_EQ(cli.Run({"simulate", "-f", "-"}, kBreach), 0);
  EXPECT_EQ(cli.fake().simulate_requests.back().breaches(0).breach_id(), "b1");
}

TEST(SimulateTest, PolicyAndPausedFlags) {
  CliRunner cli;
  cli.fake().simulate = Simulated;
  const std::string breaches = WriteFile(cli, "b.json", kBreach);
  mkdir(cli.dir().File("pol").c_str(), 0700);
  WriteFile(cli, "pol/a.yaml", "rules: []\n");
  WriteFile(cli, "pol/b.yaml", "groups: []\n");
  EXPECT_EQ(cli.Run({"simulate", "-f", breaches, "--policy", cli.dir().File("pol"),
                     "--paused", "--json"}),
            0);
  const v1::SimulateRequest& r = cli.fake().simulate_requests.back();
  ASSERT_EQ(r.policy_size(), 2);
  EXPECT_EQ(r.policy(0).name(), cli.dir().File("pol/a.yaml"));
  EXPECT_EQ(r.policy(1).yaml(), "groups: []\n");
  EXPECT_TRUE(r.paused());
  EXPECT_EQ(ParseJsonAs<v1::SimulateResponse>(cli.out()).results_size(), 1);
}

TEST(SimulateTest, InputErrors) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({"simulate"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("riposte simulate: -f FILE is required"));
  const std::string bad = WriteFile(cli, "bad.json", "[\n  {\"score\": 1,}\n]\n");
  EXPECT_EQ(cli.Run({"simulate", "-f", bad}), 2);
  EXPECT_EQ(cli.err(), absl::StrCat("riposte: ", bad,
                                    ":2:15: syntax error while parsing object key - "
                                    "unexpected '}'; expected string literal\n"));
  EXPECT_EQ(cli.Run({"simulate", "-f", "-"}, "{\"scroe\": 1}"), 2);
  EXPECT_EQ(cli.err(), "riposte: <stdin>:1:2: scroe: unknown field\n");
  EXPECT_EQ(cli.Run({"simulate", "-f", cli.dir().File("missing.json")}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("No such file or directory"));
  EXPECT_THAT(cli.fake().calls, IsEmpty());
}

TEST(SimulateTest, ServerRefusalIsExitOne) {
  CliRunner cli;
  cli.fake().simulate = [](const v1::SimulateRequest&) -> absl::StatusOr<v1::SimulateResponse> {
    return absl::InvalidArgumentError("breaches[0].tenant_id: unknown tenant \"x\"");
  };
  EXPECT_EQ(cli.Run({"simulate", "-f", "-"}, kBreach), 1);
  EXPECT_EQ(cli.err(),
            "riposte: INVALID_ARGUMENT: breaches[0].tenant_id: unknown tenant \"x\"\n");
}

v1::SubmitResponse Submitted(const v1::SubmitRequest& r) {
  v1::SubmitResponse s;
  s.set_detector_id(r.breach().detector_id());
  s.set_breach_id(r.breach().breach_id());
  s.set_stored_breach_id(30);
  s.set_incident_id(7);
  s.mutable_decision()->set_narrative("Observed.");
  return s;
}

TEST(SubmitTest, SingleAndArray) {
  CliRunner cli;
  cli.fake().submit = Submitted;
  EXPECT_EQ(cli.Run({"submit", "-f", "-"}, kBreach), 0);
  EXPECT_THAT(cli.out(), StartsWith("darktrace-1/b1: accepted as breach 30 in incident 7\n"));
  EXPECT_EQ(cli.Run({"submit", "--json", "-f", "-"}, kBreach), 0);
  EXPECT_EQ(ParseJsonAs<v1::SubmitResponse>(cli.out()).stored_breach_id(), 30);

  const std::string two = absl::StrCat("[", kBreach, ",",
                                       absl::StrReplaceAll(kBreach, {{"\"b1\"", "\"b2\""}}),
                                       "]");
  EXPECT_EQ(cli.Run({"submit", "--json", "-f", "-"}, two), 0);
  std::vector<std::string> lines = absl::StrSplit(cli.out(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ParseJsonAs<v1::SubmitResponse>(lines[1]).breach_id(), "b2");
  ASSERT_EQ(cli.fake().submit_requests.size(), 4u);
  EXPECT_EQ(cli.fake().submit_requests[3].breach().breach_id(), "b2");
}

TEST(SubmitTest, StopsAtTheFirstRefusal) {
  CliRunner cli;
  cli.fake().submit = [](const v1::SubmitRequest& r) -> absl::StatusOr<v1::SubmitResponse> {
    if (r.breach().breach_id() == "b2") {
      return absl::InvalidArgumentError("breach.score: must be a number from 0 to 100");
    }
    return Submitted(r);
  };
  const std::string three = absl::StrCat(
      "[", kBreach, ",", absl::StrReplaceAll(kBreach, {{"\"b1\"", "\"b2\""}}), ",",
      absl::StrReplaceAll(kBreach, {{"\"b1\"", "\"b3\""}}), "]");
  EXPECT_EQ(cli.Run({"submit", "-f", "-"}, three), 1);
  EXPECT_EQ(cli.fake().submit_requests.size(), 2u);
  EXPECT_THAT(cli.out(), HasSubstr("darktrace-1/b1: accepted"));
  EXPECT_THAT(cli.err(),
              AllOf(HasSubstr("riposte: submitted 1 of 3 breaches; stopped at [1]"),
                    HasSubstr("riposte: INVALID_ARGUMENT: breach [1] (darktrace-1/b2): "
                              "breach.score: must be a number from 0 to 100\n")));
  EXPECT_EQ(cli.Run({"submit", "-f", "-"}, R"({"breaches": [], "paused": true})"), 2);
}

}  // namespace
}  // namespace riposte::cli
