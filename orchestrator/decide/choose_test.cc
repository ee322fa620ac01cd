// Several rules on one target (choose.h, docs/POLICY.md) and observe on
// every kind of subject.

#include "orchestrator/decide/choose.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/decide/decide.h"
#include "orchestrator/decide/decide_testing.h"

namespace riposte::decide {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

v1::Breach MailBreach(const std::string& model, double score) {
  v1::Breach b = UserBreach(model, score);
  auto* e = b.mutable_subject()->mutable_email();
  e->set_mailbox("bob@contoso.com");
  e->set_internet_message_id("<m@x>");
  return b;
}

// The case of issue 10: one rule wants strip_attachment, another
// move_to_junk, and only quarantine_email holds both.
constexpr char kStripAndJunk[] = R"(
defaults: {mode: autonomous}
rules:
  - name: strip
    match: {models: ["Mail / *"], subject: email}
    ladder: [observe, strip_attachment]
    bands:
      - {min_score: 0, start: observe}
      - {min_score: 70, start: strip_attachment}
  - name: junk
    match: {models: ["Mail / *"], subject: email}
    ladder: [move_to_junk, quarantine_email]
    bands:
      - {min_score: 0, start: move_to_junk}
      - {min_score: 90, start: quarantine_email}
)";

TEST(ChooseTest, CombinedActionIsCreditedToTheLadderThatHoldsIt) {
  auto policy = Parse(kStripAndJunk);
  auto b = MailBreach("Mail / Lure", 75);
  Decision d = Decide(Input(b), *policy);
  ASSERT_EQ(d.actions.size(), 1u);
  const ProposedAction& a = d.actions[0];
  EXPECT_EQ(a.action, "quarantine_email");
  EXPECT_EQ(a.rule, "junk");
  EXPECT_EQ(a.rung, 1);
  EXPECT_THAT(a.credited_rules, ElementsAre("junk"));
  EXPECT_THAT(a.combined_rules, ElementsAre("strip", "junk"));
  EXPECT_THAT(a.unmet_rules, IsEmpty());
  EXPECT_EQ(a.next_action, "");
  EXPECT_THAT(a.candidates, ElementsAre("observe", "move_to_junk",
                                        "strip_attachment", "quarantine_email"));
  EXPECT_THAT(d.narrative,
              HasSubstr("It combines what rules strip (strip_attachment) and "
                        "junk (move_to_junk) ask for: quarantine_email is the "
                        "least aggressive action"));
  EXPECT_THAT(d.narrative,
              HasSubstr("Why not weaker: strip_attachment leaves out what rule "
                        "junk asks for (move_to_junk); move_to_junk leaves out "
                        "what rule strip asks for (strip_attachment)."));
  EXPECT_THAT(d.narrative, HasSubstr("quarantine_email is the strongest step rule junk allows"));
  // Nothing weaker than the action is held back or escalated to.
  EXPECT_THAT(d.narrative, Not(HasSubstr("strip_attachment is held back")));
  EXPECT_THAT(d.narrative, Not(HasSubstr("escalate to strip_attachment")));
}

TEST(ChooseTest, TheRuleThatAskedForExactlyTheActionIsCredited) {
  auto policy = Parse(kStripAndJunk);
  auto b = MailBreach("Mail / Lure", 95);  // junk asks for quarantine itself
  Decision d = Decide(Input(b), *policy);
  const ProposedAction& a = d.actions.at(0);
  EXPECT_EQ(a.action, "quarantine_email");
  EXPECT_EQ(a.rule, "junk");
  EXPECT_THAT(a.combined_rules, IsEmpty());
  EXPECT_THAT(d.narrative, HasSubstr("a score of 95 reaches the band that starts at quarantine_email"));
  EXPECT_THAT(d.narrative,
              HasSubstr("it also covers what rule strip (strip_attachment) asks for"));
  EXPECT_THAT(d.narrative, Not(HasSubstr("It combines")));
}

TEST(ChooseTest, AmongRulesAskingForTheSameTheMostCautiousModeThenPolicyOrderWins) {
  auto policy = Parse(R"(
rules:
  - name: fast
    match: {models: ["Mail / *"], subject: email}
    ladder: [quarantine_email]
    mode: autonomous
  - name: careful
    match: {models: ["Mail / *"], subject: email}
    ladder: [move_to_junk, quarantine_email]
    bands: [{min_score: 0, start: quarantine_email}]
    mode: confirm
    approval: {deadline: 2h}
  - name: also-careful
    match: {models: ["Mail / *"], subject: email}
    ladder: [quarantine_email]
    mode: confirm
)");
  auto b = MailBreach("Mail / Lure", 50);
  const ProposedAction a = Decide(Input(b), *policy).actions.at(0);
  EXPECT_EQ(a.rule, "careful");
  EXPECT_EQ(a.rung, 1);
  EXPECT_THAT(a.credited_rules, ElementsAre("careful", "fast", "also-careful"));
  EXPECT_EQ(a.state, RunState::kAwaitingApproval);
  EXPECT_EQ(a.approval_deadline, absl::Hours(2));
}

TEST(ChooseTest, ACombinationProceedsInTheMostCautiousModeOfTheRulesItCombines) {
  auto policy = Parse(R"(
rules:
  - name: trial
    match: {models: ["Mail / *"], subject: email}
    ladder: [strip_attachment]
    mode: observe
  - name: junk
    match: {models: ["Mail / *"], subject: email}
    ladder: [move_to_junk, quarantine_email]
    mode: autonomous
)");
  auto b = MailBreach("Mail / Lure", 50);
  Decision d = Decide(Input(b), *policy);
  const ProposedAction& a = d.actions.at(0);
  EXPECT_EQ(a.action, "quarantine_email");
  EXPECT_EQ(a.rule, "junk");
  EXPECT_EQ(a.mode_rule, "trial");
  EXPECT_EQ(a.rule_mode, policies::Mode::kObserve);
  EXPECT_EQ(a.state, RunState::kObserved);
  EXPECT_THAT(d.narrative, HasSubstr("(rule junk), but rule trial is in observe mode"));
  EXPECT_THAT(d.narrative, HasSubstr("Had it run, it would have lasted 3d; then "
                                     "Riposte would release the message from quarantine."));
}

TEST(ChooseTest, WhenNoActionSatisfiesEveryRuleTheStrongestRequirementIsTaken) {
  auto policy = Parse(R"(
defaults: {mode: autonomous}
rules:
  - name: junk
    match: {models: ["Mail / *"], subject: email}
    ladder: [move_to_junk]
  - name: strip
    match: {models: ["Mail / *"], subject: email}
    ladder: [strip_attachment]
)");
  auto b = MailBreach("Mail / Lure", 50);
  Decision d = Decide(Input(b), *policy);
  const ProposedAction& a = d.actions.at(0);
  EXPECT_EQ(a.action, "strip_attachment");
  EXPECT_EQ(a.rule, "strip");
  EXPECT_THAT(a.unmet_rules, ElementsAre("junk"));
  EXPECT_THAT(a.combined_rules, IsEmpty());
  EXPECT_THAT(d.narrative,
              HasSubstr("No action on the matching rules' ladders contains everything "
                        "they ask for, so Riposte follows the strongest requirement, "
                        "rule strip's: strip_attachment leaves out what rule junk "
                        "(move_to_junk) asks for."));
}

TEST(ChooseTest, AggressionLevelsOrderTheCandidatesNotWhatTheyContain) {
  // Here quarantine ranks below strip: it holds the payload too, so it is
  // the least aggressive action that satisfies the strip rule.
  auto policy = Parse(R"(
actions:
  quarantine_email: {aggression: 15}
defaults: {mode: autonomous}
rules:
  - name: strip
    match: {models: ["Mail / *"], subject: email}
    ladder: [strip_attachment]
  - name: watch
    match: {models: ["Mail / *"], subject: email}
    ladder: [observe, quarantine_email]
    bands:
      - {min_score: 0, start: observe}
      - {min_score: 90, start: quarantine_email}
)");
  auto b = MailBreach("Mail / Lure", 50);
  Decision d = Decide(Input(b), *policy);
  const ProposedAction& a = d.actions.at(0);
  EXPECT_EQ(a.action, "quarantine_email");
  EXPECT_EQ(a.rule, "watch");
  EXPECT_THAT(a.combined_rules, ElementsAre("strip"));
  EXPECT_THAT(d.narrative,
              HasSubstr("It combines what rule strip (strip_attachment) asks for"));
}

TEST(ChooseTest, SatisfiesMeansContainsEverythingTheRequiredActionContains) {
  const auto catalog = policies::DefaultActionCatalog();
  auto spec = [&](const char* name) { return catalog.at(name); };
  EXPECT_TRUE(Satisfies(spec("quarantine_email"), spec("strip_attachment")));
  EXPECT_TRUE(Satisfies(spec("quarantine_email"), spec("move_to_junk")));
  EXPECT_FALSE(Satisfies(spec("strip_attachment"), spec("move_to_junk")));
  EXPECT_TRUE(Satisfies(spec("disable_user"), spec("force_logout")));
  EXPECT_FALSE(Satisfies(spec("force_logout"), spec("disable_user")));
  EXPECT_TRUE(Satisfies(spec("move_to_junk"), spec("observe")));
  EXPECT_FALSE(Satisfies(spec("observe"), spec("move_to_junk")));
}

constexpr char kWatchEverything[] = R"(
rules:
  - name: watch
    match: {models: ["Net / *"]}
    ladder: [observe]
    mode: observe
  - name: users
    match: {models: ["Net / *"], subject: user, min_score: 80}
    ladder: [force_logout]
    mode: autonomous
)";

TEST(ChooseTest, ObserveActsOnDevicesAndIpAddresses) {
  auto policy = Parse(kWatchEverything);
  v1::Breach device = UserBreach("Net / Beacon", 70);
  device.mutable_subject()->mutable_device()->set_id("d-1");
  device.mutable_subject()->mutable_device()->set_hostname("laptop-1");
  Decision d = Decide(Input(device), *policy);
  ASSERT_EQ(d.actions.size(), 1u);
  EXPECT_EQ(d.actions[0].action, "observe");
  EXPECT_EQ(d.actions[0].target.kind, policies::TargetKind::kDevice);
  EXPECT_EQ(d.actions[0].target.key, "device:d-1");
  EXPECT_EQ(d.actions[0].state, RunState::kObserved);
  EXPECT_THAT(d.narrative, HasSubstr("Riposte only observes laptop-1 (rule watch)"));
  EXPECT_THAT(d.narrative, HasSubstr("Riposte has no action for a device"));
  EXPECT_THAT(d.narrative, Not(HasSubstr("none of them can act")));

  v1::Breach ip = UserBreach("Net / Beacon", 99);
  ip.mutable_subject()->mutable_ip()->set_address("45.62.170.237");
  d = Decide(Input(ip), *policy);
  ASSERT_EQ(d.actions.size(), 1u);
  EXPECT_EQ(d.actions[0].target.kind, policies::TargetKind::kIp);
  EXPECT_EQ(d.actions[0].target.key, "ip:45.62.170.237");
  EXPECT_THAT(d.narrative, HasSubstr("no action for an IP address"));
}

TEST(ChooseTest, TargetsOfFollowsTheRuleAndTheSubjectKind) {
  auto policy = Parse(kWatchEverything);
  const policies::Rule& watch = policy->rules[0];
  const policies::Rule& users = policy->rules[1];
  EXPECT_FALSE(watch.target_kind.has_value());
  EXPECT_EQ(users.target_kind, policies::TargetKind::kUser);
  v1::Breach b = UserBreach("Net / Beacon", 90);
  EXPECT_EQ(TargetsOf(b, watch).at(0).kind, policies::TargetKind::kUser);
  EXPECT_EQ(TargetsOf(b, users).size(), 1u);
  b.mutable_subject()->mutable_ip()->set_address("10.0.0.1");
  EXPECT_EQ(TargetsOf(b, watch).at(0).kind, policies::TargetKind::kIp);
  EXPECT_TRUE(TargetsOf(b, users).empty());
}

}  // namespace
}  // namespace riposte::decide
