// Golden tests of the human-readable views.

#include <string>

#include "absl/time/time.h"
#include "cli/decision_view.h"
#include "cli/incident_view.h"
#include "cli/run_view.h"
#include "cli/time_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

// 2026-11-17 12:00:00 UTC.
const absl::Time kNow = absl::FromUnixSeconds(1794916800);

ViewOptions View(int width = 60) { return ViewOptions{kNow, width}; }

void At(absl::Duration from_now, google::protobuf::Timestamp* ts) {
  SetTimestamp(kNow + from_now, ts);
}

v1::ActionRun PendingRun() {
  v1::ActionRun run;
  run.set_run_id(12);
  run.set_incident_id(7);
  run.set_tenant_id("contoso");
  run.set_action("disable_user");
  run.set_target_key("user:ceo@contoso.com");
  run.set_state("awaiting_approval");
  run.set_rule("saas-persistence");
  run.set_two_person(true);
  run.add_approvers("alice");
  At(-absl::Minutes(5), run.mutable_created_time());
  At(absl::Minutes(25), run.mutable_approval_deadline());
  run.set_narrative(
      "Riposte proposes to disable the account ceo@contoso.com (rule "
      "saas-persistence); it waits for two approvers.\n\nNext: nothing runs "
      "until then.");
  return run;
}

TEST(RunViewTest, Pending) {
  Runs runs;
  *runs.Add() = PendingRun();
  v1::ActionRun second = PendingRun();
  second.set_run_id(13);
  second.set_two_person(false);
  second.clear_approvers();
  second.set_action("force_logout");
  second.set_narrative("Short.");
  *runs.Add() = second;
  EXPECT_EQ(RenderPending(runs, View()),
            "ID  ACTION        TARGET                RULE              TENANT   APPROVALS  DEADLINE  AGE\n"
            "12  disable_user  user:ceo@contoso.com  saas-persistence  contoso  1/2        in 25m    5m\n"
            "    Riposte proposes to disable the account ceo@contoso.com\n"
            "    (rule saas-persistence); it waits for two approvers.\n"
            "\n"
            "    Next: nothing runs until then.\n"
            "\n"
            "13  force_logout  user:ceo@contoso.com  saas-persistence  contoso  0/1        in 25m    5m\n"
            "    Short.\n");
  EXPECT_EQ(RenderPending(Runs(), View()), "No runs are awaiting approval.\n");
}

TEST(RunViewTest, RunsTable) {
  Runs runs;
  v1::ActionRun active;
  active.set_run_id(4);
  active.set_incident_id(1);
  active.set_tenant_id("contoso");
  active.set_action("disable_user");
  active.set_target_key("user:alice@contoso.com");
  active.set_state("active");
  active.set_rule("saas-persistence");
  active.set_reversible(true);
  At(-absl::Hours(2), active.mutable_created_time());
  At(absl::Hours(2), active.mutable_expires_time());
  *runs.Add() = active;
  v1::ActionRun permanent = active;
  permanent.set_run_id(5);
  permanent.clear_expires_time();
  At(-absl::Hours(24 * 3), permanent.mutable_created_time());
  *runs.Add() = permanent;
  v1::ActionRun failed;
  failed.set_run_id(6);
  failed.set_action("quarantine_email");
  failed.set_target_key("email:bob@contoso.com/<m1@x>");
  failed.set_state("failed");
  failed.set_last_error("graph is not configured");
  *runs.Add() = failed;
  EXPECT_EQ(RenderRunsTable(runs, View()),
            "ID  STATE   ACTION            TARGET                        RULE              TENANT   INCIDENT  AGE  EXPIRES\n"
            "4   active  disable_user      user:alice@contoso.com        saas-persistence  contoso  1         2h   in 2h\n"
            "5   active  disable_user      user:alice@contoso.com        saas-persistence  contoso  1         3d   never\n"
            "6   failed  quarantine_email  email:bob@contoso.com/<m1@x>  -                 -        -         -    -\n"
            "    error: graph is not configured\n");
}

TEST(RunViewTest, ARevertThatChangedNothingSaysSo) {
  Runs runs;
  v1::ActionRun run;
  run.set_run_id(9);
  run.set_incident_id(2);
  run.set_tenant_id("contoso");
  run.set_action("disable_user");
  run.set_target_key("user:alice@contoso.com");
  run.set_state("reverted");
  run.set_rule("r");
  run.set_outcome("nothing_to_undo");
  run.set_outcome_note("nothing to undo: already disabled before Riposte acted");
  At(-absl::Hours(1), run.mutable_created_time());
  *runs.Add() = run;
  v1::ActionRun other = run;
  other.set_run_id(10);
  other.set_outcome("already_reverted");
  other.set_outcome_note("account was already re-enabled by someone else");
  *runs.Add() = other;
  EXPECT_EQ(RenderRunsTable(runs, View(100)),
            "ID  STATE                       ACTION        TARGET                  RULE  TENANT   INCIDENT  AGE  EXPIRES\n"
            "9   reverted (nothing to undo)  disable_user  user:alice@contoso.com  r     contoso  2         1h   -\n"
            "    nothing to undo: already disabled before Riposte acted\n"
            "10  reverted (by someone else)  disable_user  user:alice@contoso.com  r     contoso  2         1h   -\n"
            "    account was already re-enabled by someone else\n");
}

TEST(RunViewTest, Results) {
  v1::ActionRun run = PendingRun();
  EXPECT_EQ(RenderRunResult("approve", run, View()),
            "Approved run 12 (disable_user on user:ceo@contoso.com): 1 of 2 "
            "approvals, waiting for another operator.\n");
  run.set_state("queued");
  EXPECT_EQ(RenderRunResult("approve", run, View()),
            "Approved run 12 (disable_user on user:ceo@contoso.com); it is now queued.\n");
  run.set_state("rejected");
  EXPECT_EQ(RenderRunResult("reject", run, View()),
            "Rejected run 12 (disable_user on user:ceo@contoso.com); it is now rejected.\n");
  run.set_state("active");
  At(absl::Hours(6), run.mutable_expires_time());
  EXPECT_EQ(RenderRunResult("extend", run, View()),
            "Extended run 12 (disable_user on user:ceo@contoso.com): it now expires "
            "2026-11-17 18:00:00 UTC (in 6h).\n");
  run.clear_expires_time();
  EXPECT_EQ(RenderRunResult("extend", run, View()),
            "Extended run 12 (disable_user on user:ceo@contoso.com): it now stays in "
            "effect until reverted.\n");
}

v1::Decision SampleDecision() {
  v1::Decision d;
  d.set_decision_id(4);
  d.set_policy_version("3f2a9c1b4e5d6f708192a3b4c5d6e7f8");
  d.add_matched_rules("saas-persistence");
  v1::ProposedAction* a = d.add_actions();
  a->set_run_id(4);
  a->set_action("disable_user");
  a->set_target_key("user:alice@contoso.com");
  a->set_state("proposed");
  a->set_rule("saas-persistence");
  a->set_rule_mode("autonomous");
  a->mutable_duration()->set_seconds(4 * 3600);
  v1::ProposedAction* b = d.add_actions();
  b->set_run_id(5);
  b->set_action("quarantine_email");
  b->set_target_key("email:bob@contoso.com/<m1@x>");
  b->set_state("suppressed");
  b->set_rule("email-spam");
  b->set_rule_mode("autonomous");
  b->add_gates("paused");
  b->add_gates("budget");
  d.set_narrative(
      "Riposte will disable the account alice@contoso.com now, autonomously "
      "(rule saas-persistence). It lasts 4h.");
  return d;
}

TEST(DecisionViewTest, Simulation) {
  v1::SimulateResponse response;
  response.set_policy_version("3f2a9c1b4e5d6f708192a3b4c5d6e7f8");
  v1::SimulatedDecision* r = response.add_results();
  r->set_detector_id("darktrace-1");
  r->set_breach_id("b4");
  r->set_incident(1);
  *r->mutable_decision() = SampleDecision();
  v1::SimulatedDecision* quiet = response.add_results();
  quiet->set_detector_id("darktrace-1");
  quiet->set_breach_id("b5");
  quiet->set_incident(1);
  quiet->mutable_decision()->set_narrative("Nothing new: already contained.");
  EXPECT_EQ(RenderSimulation(response, View()),
            "Simulated against policy 3f2a9c1b4e5d; nothing was stored or changed.\n"
            "\n"
            "== darktrace-1/b4, incident 1\n"
            "  RUN  ACTION            TARGET                        STATE       RULE              MODE        DURATION  GATES\n"
            "  4    disable_user      user:alice@contoso.com        proposed    saas-persistence  autonomous  4h        -\n"
            "  5    quarantine_email  email:bob@contoso.com/<m1@x>  suppressed  email-spam        autonomous  -         paused,budget\n"
            "\n"
            "  Riposte will disable the account alice@contoso.com now,\n"
            "  autonomously (rule saas-persistence). It lasts 4h.\n"
            "\n"
            "== darktrace-1/b5, incident 1\n"
            "  No action.\n"
            "\n"
            "  Nothing new: already contained.\n");
}

TEST(DecisionViewTest, Submit) {
  v1::SubmitResponse response;
  response.set_detector_id("darktrace-1");
  response.set_breach_id("b4");
  response.set_stored_breach_id(31);
  response.set_incident_id(7);
  response.set_new_incident(true);
  response.mutable_decision()->set_narrative("Observed only.");
  EXPECT_EQ(RenderSubmit(response, View()),
            "darktrace-1/b4: accepted as breach 31 in incident 7 (new incident)\n"
            "  No action.\n"
            "\n"
            "  Observed only.\n");
  response.set_duplicate(true);
  response.set_duplicate_differs(true);
  response.clear_decision();
  EXPECT_EQ(RenderSubmit(response, View()),
            "darktrace-1/b4: duplicate of breach 31 in incident 7; nothing changed "
            "(this copy differs from the stored breach, which wins)\n"
            "  No decision (riposted runs without a policy).\n");
}

TEST(IncidentViewTest, Timeline) {
  v1::IncidentDetail detail;
  v1::Incident* inc = detail.mutable_incident();
  inc->set_incident_id(7);
  inc->set_tenant_id("contoso");
  inc->set_subject_key("user:alice@contoso.com");
  inc->set_subject_kind("user");
  At(-absl::Hours(28), inc->mutable_first_seen());
  At(-absl::Hours(3), inc->mutable_last_seen());
  inc->set_breach_count(2);
  v1::StoredBreachSummary* b1 = detail.add_breaches();
  b1->set_stored_breach_id(30);
  b1->set_detector_id("darktrace-1");
  b1->set_breach_id("b3");
  b1->set_model_name("SaaS / Compromise / Login From Rare Following Suspicious Login Attempt(s)");
  b1->set_score(78);
  At(-absl::Hours(28), b1->mutable_observed_time());
  v1::StoredBreachSummary* b2 = detail.add_breaches();
  b2->set_stored_breach_id(31);
  b2->set_detector_id("darktrace-1");
  b2->set_breach_id("b4");
  b2->set_model_name("SaaS / Admin / New Application Service Principal");
  b2->set_score(71.5);
  At(-absl::Hours(3), b2->mutable_observed_time());
  v1::DecisionRecord* d1 = detail.add_decisions();
  d1->set_decision_id(3);
  d1->set_stored_breach_id(30);
  d1->set_policy_version("3f2a9c1b4e5d6f70");
  d1->add_matched_rules("saas-compromised-login");
  At(-absl::Hours(28), d1->mutable_decided_time());
  d1->set_narrative("Riposte will sign alice@contoso.com out of every session now.");
  v1::DecisionRecord* d2 = detail.add_decisions();
  d2->set_decision_id(4);
  d2->set_stored_breach_id(31);
  d2->set_narrative("Riposte will disable the account alice@contoso.com now.");
  v1::ActionRun* r1 = detail.add_runs();
  r1->set_run_id(3);
  r1->set_decision_id(3);
  r1->set_incident_id(7);
  r1->set_action("force_logout");
  r1->set_target_key("user:alice@contoso.com");
  r1->set_state("done");
  At(-absl::Hours(28), r1->mutable_created_time());
  v1::ActionRun* r2 = detail.add_runs();
  r2->set_run_id(4);
  r2->set_decision_id(4);
  r2->set_incident_id(7);
  r2->set_action("disable_user");
  r2->set_target_key("user:alice@contoso.com");
  r2->set_state("active");
  At(-absl::Hours(3), r2->mutable_created_time());
  At(absl::Hours(1), r2->mutable_expires_time());
  EXPECT_EQ(RenderIncident(detail, View()),
            "Incident 7: user:alice@contoso.com (user) in tenant contoso\n"
            "  first seen 2026-11-16 08:00:00 UTC (1d4h ago)\n"
            "  last seen  2026-11-17 09:00:00 UTC (3h ago)\n"
            "  2 breaches\n"
            "\n"
            "Timeline:\n"
            "\n"
            "2026-11-16 08:00:00 UTC  breach 30 from darktrace-1/b3, score 78\n"
            "  SaaS / Compromise / Login From Rare Following Suspicious\n"
            "  Login Attempt(s)\n"
            "  decision 3 at 2026-11-16 08:00:00 UTC (rules saas-compromised-login; policy 3f2a9c1b4e5d)\n"
            "    Riposte will sign alice@contoso.com out of every session\n"
            "    now.\n"
            "    -> run 3: force_logout on user:alice@contoso.com, done\n"
            "\n"
            "2026-11-17 09:00:00 UTC  breach 31 from darktrace-1/b4, score 71.5\n"
            "  SaaS / Admin / New Application Service Principal\n"
            "  decision 4\n"
            "    Riposte will disable the account alice@contoso.com now.\n"
            "    -> run 4: disable_user on user:alice@contoso.com, active\n"
            "\n"
            "Runs:\n"
            "  ID  STATE   ACTION        TARGET                  RULE  TENANT  INCIDENT  AGE   EXPIRES\n"
            "  3   done    force_logout  user:alice@contoso.com  -     -       7         1d4h  -\n"
            "  4   active  disable_user  user:alice@contoso.com  -     -       7         3h    in 1h\n");
}

TEST(IncidentViewTest, List) {
  google::protobuf::RepeatedPtrField<v1::Incident> incidents;
  v1::Incident* inc = incidents.Add();
  inc->set_incident_id(7);
  inc->set_tenant_id("contoso");
  inc->set_subject_key("user:alice@contoso.com");
  inc->set_subject_kind("user");
  inc->set_breach_count(9);
  At(-absl::Hours(28), inc->mutable_first_seen());
  At(-absl::Minutes(3), inc->mutable_last_seen());
  EXPECT_EQ(RenderIncidents(incidents, View()),
            "ID  TENANT   SUBJECT                 KIND  BREACHES  FIRST SEEN  LAST SEEN\n"
            "7   contoso  user:alice@contoso.com  user  9         1d4h ago    3m ago\n");
  EXPECT_EQ(RenderIncidents({}, View()), "No incidents.\n");
}

}  // namespace
}  // namespace riposte::cli
