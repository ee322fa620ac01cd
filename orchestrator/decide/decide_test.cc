#include "orchestrator/decide/decide.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/decide/decide_testing.h"

namespace riposte::decide {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kLadderPolicy[] = R"(
groups:
  executives: {members: [ceo@contoso.com]}
  break-glass: {members: [bg@contoso.com]}
exclusions:
  - {group: break-glass, reason: never lock out}
caps:
  - {group: executives, max_autonomous: force_logout}
budgets:
  - {action: disable_user, max: 1, per: 10m}
two_person:
  - {action: disable_user, group: executives}
rules:
  - name: takeover
    match: {models: ["SaaS / Compromise / *"], subject: user, min_score: 50}
    ladder: [force_logout, disable_user]
    bands:
      - {min_score: 50, start: force_logout}
      - {min_score: 95, start: disable_user}
    escalation_window: 24h
    quiet_period: 48h
    mode: autonomous
    duration: 2h
    approval: {deadline: 15m, on_expiry: approve}
)";

TEST(DecideTest, NothingMatchesNothingHappens) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Access / Something", 99);
  Decision d = Decide(Input(b), *policy);
  EXPECT_TRUE(d.matched_rules.empty());
  EXPECT_TRUE(d.actions.empty());
  EXPECT_THAT(d.narrative, HasSubstr("No policy rule matches"));
  EXPECT_EQ(d.policy_version, policy->version);
}

TEST(DecideTest, ScoreBandChoosesTheStartingRung) {
  auto policy = Parse(kLadderPolicy);
  auto low = UserBreach("SaaS / Compromise / X", 60);
  auto high = UserBreach("SaaS / Compromise / X", 97);
  auto below = UserBreach("SaaS / Compromise / X", 49);
  EXPECT_EQ(Decide(Input(low), *policy).actions.at(0).action, "force_logout");
  Decision d = Decide(Input(high), *policy);
  EXPECT_EQ(d.actions.at(0).action, "disable_user");
  EXPECT_EQ(d.actions.at(0).duration, absl::Hours(2));
  EXPECT_THAT(d.narrative, HasSubstr("reaches the band that starts at disable_user"));
  EXPECT_TRUE(Decide(Input(below), *policy).matched_rules.empty());
}

TEST(DecideTest, EscalatesAfterAnEarlierStepWithinTheWindow) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Compromise / X", 60);
  DecideInput in = Input(b);
  in.prior_breaches = 1;
  in.last_observed = kNow - absl::Hours(1);
  in.incident_runs.push_back(PriorRunOf(3, "force_logout", RunState::kDone, kNow - absl::Hours(1)));
  Decision d = Decide(in, *policy);
  ASSERT_EQ(d.actions.size(), 1u);
  EXPECT_EQ(d.actions[0].action, "disable_user");
  EXPECT_TRUE(d.actions[0].requirements[0].escalated);
  EXPECT_THAT(d.narrative, HasSubstr("force_logout (run 3) took effect on this target"));
}

TEST(DecideTest, NoEscalationOutsideTheWindowOrAfterRejection) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Compromise / X", 60);
  DecideInput old = Input(b);
  old.incident_runs.push_back(PriorRunOf(3, "force_logout", RunState::kDone, kNow - absl::Hours(25)));
  EXPECT_EQ(Decide(old, *policy).actions[0].action, "force_logout");
  DecideInput rejected = Input(b);
  rejected.incident_runs.push_back(PriorRunOf(3, "force_logout", RunState::kRejected, kNow - absl::Hours(1)));
  EXPECT_EQ(Decide(rejected, *policy).actions[0].action, "force_logout");
}

TEST(DecideTest, QuietPeriodDecaysToTheBottom) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Compromise / X", 60);
  DecideInput in = Input(b);
  in.prior_breaches = 1;
  in.last_observed = kNow - absl::Hours(49);
  in.incident_runs.push_back(PriorRunOf(3, "force_logout", RunState::kDone, kNow - absl::Hours(10)));
  Decision d = Decide(in, *policy);
  EXPECT_EQ(d.actions[0].action, "force_logout");
  EXPECT_TRUE(d.actions[0].requirements[0].decayed);
  EXPECT_THAT(d.narrative, HasSubstr("quiet long enough"));
}

TEST(DecideTest, OpenEqualOrStrongerRunSuppressesButWeakerDoesNot) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Compromise / X", 60);
  DecideInput in = Input(b);
  in.open_runs.push_back(PriorRunOf(9, "disable_user", RunState::kActive, kNow - absl::Hours(30)));
  Decision d = Decide(in, *policy);
  EXPECT_EQ(d.actions[0].state, RunState::kSuppressed);
  EXPECT_THAT(d.actions[0].gates, ElementsAre(Gate::kDuplicate));
  EXPECT_EQ(d.actions[0].duplicate_of_run, 9);

  auto high = UserBreach("SaaS / Compromise / X", 97);
  DecideInput weaker = Input(high);
  weaker.open_runs.push_back(PriorRunOf(9, "force_logout", RunState::kQueued, kNow));
  EXPECT_EQ(Decide(weaker, *policy).actions[0].state, RunState::kProposed);
}

TEST(DecideTest, CapTurnsAboveCapIntoApprovalWithTwoPersonRule) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Compromise / X", 97, "CEO@contoso.com");
  Decision d = Decide(Input(b), *policy);
  ASSERT_EQ(d.actions.size(), 1u);
  EXPECT_EQ(d.actions[0].action, "disable_user");
  EXPECT_EQ(d.actions[0].state, RunState::kAwaitingApproval);
  EXPECT_THAT(d.actions[0].gates, ElementsAre(Gate::kCap));
  EXPECT_TRUE(d.actions[0].two_person);
  EXPECT_EQ(d.actions[0].approval_deadline, absl::Minutes(15));
  EXPECT_THAT(d.narrative, HasSubstr("group executives"));
  EXPECT_THAT(d.narrative, HasSubstr("Two different operators"));
  // Up to the cap it still runs on its own.
  auto low = UserBreach("SaaS / Compromise / X", 60, "ceo@contoso.com");
  EXPECT_EQ(Decide(Input(low), *policy).actions[0].state, RunState::kProposed);
}

TEST(DecideTest, BudgetCountsEarlierRunsAndThisDecision) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Compromise / X", 97);
  DecideInput in = Input(b);
  EXPECT_EQ(Decide(in, *policy).actions[0].state, RunState::kProposed);
  in.budget_used["disable_user"] = 1;
  Decision d = Decide(in, *policy);
  EXPECT_EQ(d.actions[0].state, RunState::kAwaitingApproval);
  EXPECT_THAT(d.actions[0].gates, ElementsAre(Gate::kBudget));
  EXPECT_THAT(d.narrative, HasSubstr("budget of 1 disable_user per 10m"));
}

TEST(DecideTest, PauseTurnsAutonomyIntoConfirmation) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Compromise / X", 60);
  DecideInput in = Input(b);
  in.paused = true;
  Decision d = Decide(in, *policy);
  EXPECT_EQ(d.actions[0].state, RunState::kAwaitingApproval);
  EXPECT_THAT(d.actions[0].gates, ElementsAre(Gate::kPaused));
  EXPECT_THAT(d.narrative, HasSubstr("autonomy is paused"));
}

TEST(DecideTest, ExcludedSubjectIsRecordedNotTouched) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Compromise / X", 97, "bg@contoso.com");
  DecideInput in = Input(b);
  in.paused = true;  // exclusion still wins
  Decision d = Decide(in, *policy);
  EXPECT_EQ(d.actions[0].state, RunState::kSuppressed);
  EXPECT_THAT(d.actions[0].gates, ElementsAre(Gate::kExcluded));
  EXPECT_THAT(d.narrative, HasSubstr("never lock out"));
}

TEST(DecideTest, SeveralRulesOnOneTargetGetTheLeastActionCoveringAll) {
  auto policy = Parse(R"(
rules:
  - name: strip
    match: {models: ["Email / Attachment / *"], min_score: 0}
    target: related_emails
    ladder: [strip_attachment]
    mode: autonomous
  - name: junk
    match: {models: ["Email / Attachment / *"], min_score: 0}
    target: related_emails
    ladder: [move_to_junk, quarantine_email]
    mode: confirm
)");
  auto b = UserBreach("Email / Attachment / Bad", 50);
  AddEmail(b, "bob@contoso.com");
  Decision d = Decide(Input(b), *policy);
  ASSERT_EQ(d.actions.size(), 1u);
  // strip needs the payload, junk the message: quarantine holds both.
  EXPECT_EQ(d.actions[0].action, "quarantine_email");
  EXPECT_EQ(d.actions[0].requirements.size(), 2u);
  // Credited to the ladder that holds it; confirmed, as junk asks.
  EXPECT_EQ(d.actions[0].rule, "junk");
  EXPECT_THAT(d.actions[0].combined_rules, ElementsAre("strip", "junk"));
  EXPECT_EQ(d.actions[0].state, RunState::kAwaitingApproval);
  EXPECT_THAT(d.narrative, HasSubstr("It combines what rules strip "
                                     "(strip_attachment) and junk (move_to_junk)"));
}

TEST(DecideTest, DifferentTargetsEachGetOneAction) {
  auto policy = Parse(R"(
rules:
  - name: user
    match: {models: ["Spam"], subject: user}
    ladder: [force_logout]
    mode: autonomous
  - name: copies
    match: {models: ["Spam"]}
    target: related_emails
    ladder: [quarantine_email]
    mode: autonomous
)");
  auto b = UserBreach("Spam", 50);
  AddEmail(b, "bob@contoso.com");
  AddEmail(b, "carol@contoso.com");
  AddEmail(b, "bob@contoso.com");  // the same copy twice: one action
  Decision d = Decide(Input(b), *policy);
  ASSERT_EQ(d.actions.size(), 3u);
  EXPECT_EQ(d.actions[0].action, "force_logout");
  EXPECT_EQ(d.actions[1].target.key, "email:bob@contoso.com/<m@x>");
  EXPECT_EQ(d.actions[2].target.key, "email:carol@contoso.com/<m@x>");
}

TEST(DecideTest, AnActionTheTenantsAdapterCannotUndoGetsNoExpiry) {
  auto policy = Parse(R"(
rules:
  - name: copies
    match: {models: ["Spam"]}
    target: related_emails
    ladder: [quarantine_email]
    mode: autonomous
    duration: 24h
)");
  auto b = UserBreach("Spam", 50);
  AddEmail(b, "bob@contoso.com");
  b.mutable_related_entities(0)->mutable_email()->set_in_transit(true);
  AddEmail(b, "carol@contoso.com");
  DecideInput in = Input(b);
  // As the router answers: in-transit mail goes to a gateway, which has no
  // undo; delivered mail goes to Graph, which can move it back.
  in.can_undo = [](absl::string_view tenant, absl::string_view action,
                   const v1::Entity& target) {
    EXPECT_EQ(tenant, "contoso");
    EXPECT_EQ(action, "quarantine_email");
    return !target.email().in_transit();
  };
  Decision d = Decide(in, *policy);
  ASSERT_EQ(d.actions.size(), 2u);
  EXPECT_FALSE(d.actions[0].reversible);
  EXPECT_EQ(d.actions[0].duration, absl::ZeroDuration());
  EXPECT_TRUE(d.actions[1].reversible);
  EXPECT_EQ(d.actions[1].duration, absl::Hours(24));
  EXPECT_THAT(d.narrative, HasSubstr("Riposte cannot undo it here"));
  EXPECT_THAT(d.narrative, HasSubstr("It lasts 1d"));
}

TEST(DecideTest, ObserveModeRecordsOnly) {
  auto policy = Parse(R"(
rules:
  - name: trial
    match: {models: ["X"], subject: user}
    ladder: [disable_user]
    mode: observe
)");
  auto b = UserBreach("X", 50);
  Decision d = Decide(Input(b), *policy);
  EXPECT_EQ(d.actions[0].state, RunState::kObserved);
  EXPECT_THAT(d.narrative, HasSubstr("observe mode, so nothing is touched"));
}

TEST(DecideTest, SameInputSameDecision) {
  auto policy = Parse(kLadderPolicy);
  auto b = UserBreach("SaaS / Compromise / X", 60);
  DecideInput in = Input(b);
  in.incident_runs.push_back(PriorRunOf(3, "force_logout", RunState::kDone, kNow - absl::Hours(1)));
  EXPECT_EQ(Decide(in, *policy).narrative, Decide(in, *policy).narrative);
}

}  // namespace
}  // namespace riposte::decide
