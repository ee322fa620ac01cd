// pending, actions, approve, reject, revert, retry, extend, incident and
// incidents against a fake client: requests, output, JSON, exit codes.

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

// --- runs -----------------------------------------------------------------

TEST(ApproveTest, SendsTheRunAndReason) {
  CliRunner cli;
  cli.fake().approve = [](const v1::RunCommand& r) { return MakeRun(r.run_id(), "queued"); };
  EXPECT_EQ(cli.Run({"approve", "12", "--reason", "  confirmed with the user  "}), 0);
  ASSERT_EQ(cli.fake().approve_requests.size(), 1u);
  EXPECT_EQ(cli.fake().approve_requests[0].run_id(), 12);
  EXPECT_EQ(cli.fake().approve_requests[0].reason(), "confirmed with the user");
  EXPECT_EQ(cli.out(),
            "Approved run 12 (disable_user on user:alice@contoso.com); it is now queued.\n");
}

TEST(ApproveTest, JsonParsesBack) {
  CliRunner cli;
  const v1::ActionRun run = MakeRun(12, "queued");
  cli.fake().approve = [&](const v1::RunCommand&) { return run; };
  EXPECT_EQ(cli.Run({"--json", "approve", "12", "--reason", "ok"}), 0);
  EXPECT_TRUE(MessageDifferencer::Equals(ParseJsonAs<v1::ActionRun>(cli.out()), run));
}

TEST(RunCommandsTest, RejectRevertRetryCallTheirRpc) {
  CliRunner cli;
  cli.fake().reject = [](const v1::RunCommand& r) { return MakeRun(r.run_id(), "rejected"); };
  cli.fake().revert = [](const v1::RunCommand& r) { return MakeRun(r.run_id(), "reverting"); };
  cli.fake().retry = [](const v1::RunCommand& r) { return MakeRun(r.run_id(), "queued"); };
  EXPECT_EQ(cli.Run({"reject", "1", "--reason", "false positive"}), 0);
  EXPECT_THAT(cli.out(), StartsWith("Rejected run 1 "));
  EXPECT_EQ(cli.Run({"revert", "2", "--reason", "user verified"}), 0);
  EXPECT_THAT(cli.out(), StartsWith("Reverting run 2 "));
  EXPECT_EQ(cli.Run({"retry", "3", "--reason=graph is back"}), 0);
  EXPECT_THAT(cli.out(), StartsWith("Retrying run 3 "));
  EXPECT_THAT(cli.fake().calls, ElementsAre("Reject", "Revert", "Retry"));
  EXPECT_EQ(cli.fake().retry_requests[0].reason(), "graph is back");
}

TEST(ExtendTest, EachKindOfChange) {
  CliRunner cli;
  cli.fake().extend = [](const v1::ExtendRequest& r) { return MakeRun(r.run_id(), "active"); };
  EXPECT_EQ(cli.Run({"extend", "4", "--by", "2h", "--reason", "r"}), 0);
  EXPECT_EQ(cli.Run({"extend", "4", "--by", "-30m", "--reason", "r"}), 0);
  EXPECT_EQ(cli.Run({"extend", "4", "--until", "2026-11-18T09:00:00Z", "--reason", "r"}), 0);
  EXPECT_EQ(cli.Run({"extend", "4", "--permanent", "--reason", "r"}), 0);
  const auto& reqs = cli.fake().extend_requests;
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].extend_by().seconds(), 7200);
  EXPECT_EQ(reqs[1].extend_by().seconds(), -1800);
  EXPECT_EQ(reqs[2].expires_time().seconds(), 1794992400);
  EXPECT_TRUE(reqs[3].permanent());
  EXPECT_EQ(reqs[3].change_case(), v1::ExtendRequest::kPermanent);
  EXPECT_EQ(reqs[0].run_id(), 4);
  EXPECT_EQ(reqs[0].reason(), "r");
}

TEST(ExtendTest, UsageErrors) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({"extend", "4", "--reason", "r"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("give exactly one of --by DURATION, --until TIME or "
                                   "--permanent"));
  EXPECT_EQ(cli.Run({"extend", "4", "--by", "2h", "--permanent", "--reason", "r"}), 2);
  EXPECT_EQ(cli.Run({"extend", "4", "--by", "soon", "--reason", "r"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("--by: bad duration"));
  EXPECT_EQ(cli.Run({"extend", "4", "--by", "0s", "--reason", "r"}), 2);
  EXPECT_EQ(cli.Run({"extend", "4", "--until", "tomorrow", "--reason", "r"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("--until: want an RFC 3339 time"));
  EXPECT_THAT(cli.fake().calls, IsEmpty());
}

TEST(ActionsTest, FlagsBecomeTheRequest) {
  CliRunner cli;
  cli.fake().list_runs = [](const v1::ListRunsRequest&) {
    v1::ListRunsResponse r;
    *r.add_runs() = MakeRun(4, "active");
    return r;
  };
  EXPECT_EQ(cli.Run({"actions", "--state", "active,failed", "--state", "reverted",
                     "--tenant", "contoso", "--target", "user:alice@contoso.com",
                     "--action", "disable_user", "--incident", "7", "--since", "24h",
                     "--limit", "10"}),
            0);
  ASSERT_EQ(cli.fake().list_runs_requests.size(), 1u);
  const v1::ListRunsRequest& r = cli.fake().list_runs_requests[0];
  EXPECT_THAT(r.states(), ElementsAre("active", "failed", "reverted"));
  EXPECT_EQ(r.tenant_id(), "contoso");
  EXPECT_EQ(r.target_key(), "user:alice@contoso.com");
  EXPECT_EQ(r.action(), "disable_user");
  EXPECT_EQ(r.incident_id(), 7);
  EXPECT_EQ(ToTime(r.since()), kTestNow - absl::Hours(24));
  EXPECT_EQ(r.page_size(), 10);
  EXPECT_THAT(cli.out(), AllOf(StartsWith("ID  STATE   ACTION"),
                               HasSubstr("4   active  disable_user")));
}

TEST(ActionsTest, BadFlags) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({"actions", "--state", "actve"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("--state: unknown state \"actve\" (known: proposed,"));
  EXPECT_EQ(cli.Run({"actions", "--since", "last week"}), 2);
  EXPECT_EQ(cli.Run({"actions", "--limit", "-1"}), 2);
  EXPECT_EQ(cli.Run({"actions", "--incident", "x"}), 2);
  EXPECT_THAT(cli.fake().calls, IsEmpty());
}

TEST(ActionsTest, NotesTruncationAndJsonKeepsTheToken) {
  CliRunner cli;
  cli.fake().list_runs = [](const v1::ListRunsRequest& req) {
    v1::ListRunsResponse r;
    for (int i = 0; i < req.page_size(); ++i) *r.add_runs() = MakeRun(i + 1, "done");
    r.set_next_page_token("next");
    return r;
  };
  EXPECT_EQ(cli.Run({"actions", "--limit", "2"}), 0);
  EXPECT_EQ(cli.err(), "(showing the first 2 runs; use --limit to see more)\n");
  EXPECT_EQ(cli.Run({"actions", "--limit", "2", "--json"}), 0);
  EXPECT_THAT(cli.err(), IsEmpty());
  v1::ListRunsResponse parsed = ParseJsonAs<v1::ListRunsResponse>(cli.out());
  EXPECT_EQ(parsed.runs_size(), 2);
  EXPECT_EQ(parsed.next_page_token(), "next");
}

TEST(PendingTest, ListsAwaitingRunsWithWrappedNarratives) {
  CliRunner cli;
  cli.env()["COLUMNS"] = "50";
  cli.fake().list_runs = [](const v1::ListRunsRequest&) {
    v1::ListRunsResponse r;
    *r.add_runs() = MakeRun(12, "awaiting_approval");
    return r;
  };
  EXPECT_EQ(cli.Run({"pending", "--tenant", "contoso"}), 0);
  ASSERT_EQ(cli.fake().list_runs_requests.size(), 1u);
  EXPECT_THAT(cli.fake().list_runs_requests[0].states(), ElementsAre("awaiting_approval"));
  EXPECT_EQ(cli.fake().list_runs_requests[0].tenant_id(), "contoso");
  EXPECT_THAT(cli.out(), HasSubstr("\n    Riposte proposes to disable the account\n"
                                   "    alice@contoso.com.\n"));
}

TEST(PendingTest, WatchRedrawsOnlyOnChange) {
  CliRunner cli;
  // Poll 1 and 2: run 12; poll 3: run 12 approved once more; poll 4: same.
  int polls = 0;
  cli.fake().list_runs = [&](const v1::ListRunsRequest&) {
    ++polls;
    v1::ListRunsResponse r;
    v1::ActionRun run = MakeRun(12, "awaiting_approval");
    if (polls >= 3) run.add_approvers("alice");
    *r.add_runs() = run;
    return r;
  };
  cli.sleeper().set_sleeps(3);
  EXPECT_EQ(cli.Run({"pending", "--watch", "--interval", "5s"}), 0);
  EXPECT_EQ(polls, 4);
  EXPECT_THAT(cli.sleeper().slept, ElementsAre(absl::Seconds(5), absl::Seconds(5),
                                               absl::Seconds(5), absl::Seconds(5)));
  const std::string out = cli.out();
  // Two frames: the first poll, and the change at the third (10s later).
  EXPECT_THAT(out, HasSubstr("Awaiting approval at 2026-11-17 12:00:00 UTC (every 5s"));
  EXPECT_THAT(out, HasSubstr("Awaiting approval at 2026-11-17 12:00:10 UTC"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n') > 0, true);
  size_t frames = 0;
  for (size_t pos = 0; (pos = out.find("Awaiting approval at", pos)) != std::string::npos;
       ++pos) {
    ++frames;
  }
  EXPECT_EQ(frames, 2u);
  EXPECT_THAT(out, HasSubstr("0/1"));
  EXPECT_THAT(out, HasSubstr("1/1"));
}

TEST(PendingTest, WatchJsonLinesParseBack) {
  CliRunner cli;
  int polls = 0;
  cli.fake().list_runs = [&](const v1::ListRunsRequest&) {
    v1::ListRunsResponse r;
    if (++polls >= 2) *r.add_runs() = MakeRun(12, "awaiting_approval");
    return r;
  };
  cli.sleeper().set_sleeps(2);
  EXPECT_EQ(cli.Run({"pending", "--watch", "--json"}), 0);
  std::vector<std::string> lines = absl::StrSplit(cli.out(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ParseJsonAs<v1::ListRunsResponse>(lines[0]).runs_size(), 0);
  EXPECT_EQ(ParseJsonAs<v1::ListRunsResponse>(lines[1]).runs(0).run_id(), 12);
}

TEST(PendingTest, WatchClearsTheScreenOnATerminal) {
  CliRunner cli;
  cli.set_tty(true);
  cli.fake().list_runs = [](const v1::ListRunsRequest&) { return v1::ListRunsResponse(); };
  EXPECT_EQ(cli.Run({"pending", "--watch"}), 0);
  EXPECT_THAT(cli.out(), StartsWith(kClearScreen));
  EXPECT_EQ(cli.Run({"pending", "--interval", "1s"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("--interval needs --watch"));
}

TEST(PendingTest, WatchFirstErrorExits) {
  CliRunner cli;
  cli.fake().list_runs = [](const v1::ListRunsRequest&) -> absl::StatusOr<v1::ListRunsResponse> {
    return absl::UnavailableError("connection refused");
  };
  EXPECT_EQ(cli.Run({"pending", "--watch"}), 4);
  EXPECT_EQ(cli.err(), "riposte: UNAVAILABLE: connection refused\n");
}

// --- incidents ------------------------------------------------------------

TEST(IncidentTest, ShowsTheTimeline) {
  CliRunner cli;
  cli.fake().get_incident = [](const v1::GetIncidentRequest& r) {
    v1::IncidentDetail d;
    d.mutable_incident()->set_incident_id(r.incident_id());
    d.mutable_incident()->set_subject_key("user:alice@contoso.com");
    v1::StoredBreachSummary* b = d.add_breaches();
    b->set_stored_breach_id(30);
    b->set_model_name("SaaS / Admin / OAuth Permission Grant");
    v1::DecisionRecord* dec = d.add_decisions();
    dec->set_decision_id(3);
    dec->set_stored_breach_id(30);
    dec->set_narrative("Nothing new: the account is already disabled.");
    return d;
  };
  EXPECT_EQ(cli.Run({"incident", "7"}), 0);
  EXPECT_EQ(cli.fake().get_incident_requests[0].incident_id(), 7);
  EXPECT_THAT(cli.out(), AllOf(StartsWith("Incident 7: user:alice@contoso.com"),
                               HasSubstr("SaaS / Admin / OAuth Permission Grant"),
                               HasSubstr("    Nothing new: the account is already disabled.")));
  EXPECT_EQ(cli.Run({"--json", "incident", "7"}), 0);
  EXPECT_EQ(ParseJsonAs<v1::IncidentDetail>(cli.out()).decisions(0).decision_id(), 3);
  EXPECT_EQ(cli.Run({"incident", "0"}), 2);
}

TEST(IncidentsTest, Filters) {
  CliRunner cli;
  cli.fake().list_incidents = [](const v1::ListIncidentsRequest&) {
    v1::ListIncidentsResponse r;
    r.add_incidents()->set_incident_id(7);
    return r;
  };
  EXPECT_EQ(cli.Run({"incidents", "--tenant", "contoso", "--subject",
                     "user:alice@contoso.com", "--since", "2026-11-16T00:00:00Z"}),
            0);
  const v1::ListIncidentsRequest& r = cli.fake().list_incidents_requests[0];
  EXPECT_EQ(r.tenant_id(), "contoso");
  EXPECT_EQ(r.subject_key(), "user:alice@contoso.com");
  EXPECT_EQ(r.since().seconds(), 1794787200);
  EXPECT_THAT(cli.out(), StartsWith("ID  TENANT  SUBJECT"));
}

}  // namespace
}  // namespace riposte::cli
