// What narratives say when nothing changes, and how they stay short.

#include "orchestrator/decide/narrative.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/decide/decide.h"
#include "orchestrator/decide/decide_testing.h"

namespace riposte::decide {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The circular phrases narratives used to give instead of a reason.
void ExpectNoCircularPhrases(const std::string& narrative) {
  EXPECT_THAT(narrative, Not(HasSubstr("which rule")));
  EXPECT_THAT(narrative, Not(HasSubstr("least aggressive step")));
  EXPECT_THAT(narrative, Not(HasSubstr("other rules may act")));
}

size_t Paragraphs(const std::string& narrative) {
  return std::vector<std::string>(absl::StrSplit(narrative, "\n\n")).size();
}

constexpr char kRules[] = R"(
groups:
  svc: {members: [svc1@contoso.com]}
  vault: {members: [vault@contoso.com]}
exclusions:
  - {group: vault, reason: never touch the vault.}
rules:
  - name: high
    match: {models: ["SaaS / Login"], subject: user, min_score: 70}
    ladder: [force_logout]
    mode: autonomous
  - name: takeover
    match: {models: ["SaaS / Login"], subject: user, min_score: 50, groups_none: [svc]}
    ladder: [observe, force_logout, disable_user]
    bands:
      - {min_score: 0, start: observe}
      - {min_score: 60, start: force_logout}
    mode: autonomous
    duration: 2h
  - name: tagged
    match: {models: ["SaaS / Tagged"], subject: user, tags_all: [m365, prod]}
    ladder: [force_logout]
  - name: copies
    match: {models: ["Spam"], min_score: 10}
    target: related_emails
    ladder: [strip_attachment, quarantine_email]
    bands:
      - {min_score: 0, start: strip_attachment}
      - {min_score: 80, start: quarantine_email}
    mode: autonomous
  - name: trial
    match: {models: ["Trial"], subject: user}
    ladder: [disable_user]
    mode: observe
    duration: 2h
  - name: watch
    match: {models: ["Watch / *"]}
    ladder: [observe]
    mode: observe
  - name: watch-high
    match: {models: ["Watch / *"], subject: user, min_score: 90}
    ladder: [force_logout]
)";

TEST(NarrativeTest, NoRuleNamesTheModel) {
  auto policy = Parse(kRules);
  auto b = UserBreach("Other / Thing", 99);
  Decision d = Decide(Input(b), *policy);
  EXPECT_THAT(d.narrative, HasSubstr("No policy rule matches"));
  EXPECT_THAT(d.narrative, HasSubstr("No rule names this model or its category"));
}

TEST(NarrativeTest, NoRuleMatchesNamesTheNearestScore) {
  auto policy = Parse(kRules);
  auto b = UserBreach("SaaS / Login", 40);
  Decision d = Decide(Input(b), *policy);
  // Of the two rules that fail only on the score, the nearer one.
  EXPECT_THAT(d.narrative, HasSubstr("Rule takeover acts on this model from "
                                     "score 50; this one scored 40."));
}

TEST(NarrativeTest, NoRuleMatchesNamesTheSubjectKindOrTagsNeeded) {
  auto policy = Parse(kRules);
  v1::Breach device = UserBreach("SaaS / Login", 75);
  device.mutable_subject()->mutable_device()->set_hostname("kiosk-3");
  EXPECT_THAT(Decide(Input(device), *policy).narrative,
              HasSubstr("The nearest rule for this model, high, acts on breaches "
                        "with a user as subject (this one is a device)."));
  v1::Breach tagged = UserBreach("SaaS / Tagged", 75);
  tagged.add_model_tags("m365");
  EXPECT_THAT(Decide(Input(tagged), *policy).narrative,
              HasSubstr("The nearest rule for this model, tagged, acts on "
                        "breaches with the tag prod."));
}

TEST(NarrativeTest, NoRuleMatchesSaysWhichGroupIsLeftOut) {
  auto policy = Parse(kRules);
  auto b = UserBreach("SaaS / Login", 65, "svc1@contoso.com");
  // high needs 70; takeover leaves svc out: the score is the nearer fix.
  EXPECT_THAT(Decide(Input(b), *policy).narrative,
              HasSubstr("Rule high acts on this model from score 70"));
  auto over = UserBreach("SaaS / Login", 55, "svc1@contoso.com");
  auto p2 = Parse(R"(
groups:
  svc: {members: [svc1@contoso.com]}
rules:
  - name: takeover
    match: {models: ["SaaS / Login"], subject: user, groups_none: [svc]}
    ladder: [force_logout]
)");
  EXPECT_THAT(Decide(Input(over), *p2).narrative,
              HasSubstr("Rule takeover acts on this model but leaves out members "
                        "of group svc, which svc1@contoso.com is in."));
}

TEST(NarrativeTest, MatchedRulesWithNothingToActOnSayWhatWould) {
  auto policy = Parse(kRules);
  auto b = UserBreach("Spam", 50);  // no related emails
  Decision d = Decide(Input(b), *policy);
  EXPECT_TRUE(d.actions.empty());
  EXPECT_THAT(d.narrative,
              HasSubstr("Rule copies matched, but it acts on the emails related "
                        "to a breach and this one lists none"));
  EXPECT_THAT(d.narrative, HasSubstr("a report that lists the copies would"));
}

TEST(NarrativeTest, AScoreBelowEveryBandNamesTheBandAndAction) {
  auto policy = Parse(kRules);
  auto b = UserBreach("SaaS / Login", 55);
  Decision d = Decide(Input(b), *policy);
  ASSERT_EQ(d.actions.at(0).action, "observe");
  EXPECT_THAT(d.narrative, HasSubstr("Why not stronger: a score of 55 is below 60, "
                                     "where rule takeover starts acting, at force_logout."));
  EXPECT_THAT(d.narrative, HasSubstr("Next: a matching breach scoring 60 or more "
                                     "would start at force_logout."));
  // Nothing is weaker than watching.
  EXPECT_THAT(d.narrative, Not(HasSubstr("Why not weaker")));
  ExpectNoCircularPhrases(d.narrative);
}

TEST(NarrativeTest, ARuleThatOnlyWatchesSaysSoAndNamesTheRuleThatWouldAct) {
  auto policy = Parse(kRules);
  auto b = UserBreach("Watch / Odd", 40);
  Decision d = Decide(Input(b), *policy);
  EXPECT_THAT(d.narrative, HasSubstr("Why not stronger: rule watch only watches this model."));
  EXPECT_THAT(d.narrative, HasSubstr("Next: rule watch-high acts on this model from "
                                     "score 90; this one scored 40."));
  ExpectNoCircularPhrases(d.narrative);
}

TEST(NarrativeTest, ObserveModeNamesTheDurationTheActionWouldHaveHad) {
  auto policy = Parse(kRules);
  auto b = UserBreach("Trial", 50);
  Decision d = Decide(Input(b), *policy);
  EXPECT_EQ(d.actions.at(0).state, RunState::kObserved);
  EXPECT_THAT(d.narrative, HasSubstr("Had it run, it would have lasted 2h; then "
                                     "Riposte would re-enable the account."));
}

TEST(NarrativeTest, AnExcludedTargetStaysUntouchedWhileInTheGroup) {
  auto policy = Parse(kRules);
  auto b = UserBreach("SaaS / Login", 95, "vault@contoso.com");
  Decision d = Decide(Input(b), *policy);
  EXPECT_THAT(d.narrative, HasSubstr("which is excluded (never touch the vault)."));
  EXPECT_THAT(d.narrative, HasSubstr("Whatever the score, Riposte will not act on "
                                     "it while it is in that group."));
}

TEST(NarrativeTest, NothingNewSaysWhatIsInEffectAndWhatWouldFollow) {
  auto policy = Parse(kRules);
  auto b = UserBreach("SaaS / Login", 65);
  DecideInput in = Input(b);
  PriorRun active = PriorRunOf(4, "disable_user", RunState::kActive, kNow - absl::Hours(1));
  active.expires = kNow + absl::Hours(1);
  in.open_runs.push_back(active);
  Decision d = Decide(in, *policy);
  ASSERT_EQ(d.actions.size(), 1u);
  EXPECT_EQ(d.actions[0].action, "force_logout");
  EXPECT_EQ(d.actions[0].state, RunState::kSuppressed);
  const std::string until = "2026-11-18 12:06 UTC";
  EXPECT_THAT(d.narrative,
              HasSubstr(absl::StrCat("Nothing new for alice@contoso.com: rule takeover asks "
                                     "for force_logout, which disable_user (run 4), in "
                                     "effect until ", until, ", already contains.")));
  EXPECT_THAT(d.narrative, HasSubstr(absl::StrCat("Next: once run 4 ends (", until,
                                                  "), a further breach like this one "
                                                  "would call for force_logout again")));
  ExpectNoCircularPhrases(d.narrative);

  // The same action, waiting for approval.
  auto high = UserBreach("SaaS / Login", 65);
  DecideInput waiting = Input(high);
  waiting.open_runs.push_back(
      PriorRunOf(5, "force_logout", RunState::kAwaitingApproval, kNow));
  d = Decide(waiting, *policy);
  EXPECT_THAT(d.narrative, HasSubstr("force_logout (run 5) is already waiting for an "
                                     "operator's approval, so Riposte does not ask again."));
  EXPECT_THAT(d.narrative, HasSubstr("Next: if run 5 is turned down or the request expires"));
}

TEST(NarrativeTest, IdenticalOutcomesOnSeveralTargetsShareOneParagraph) {
  auto policy = Parse(kRules);
  auto b = UserBreach("Spam", 50);
  for (const char* box : {"bob@contoso.com", "carol@contoso.com", "dave@contoso.com"}) {
    AddEmail(b, box);
  }
  Decision d = Decide(Input(b), *policy);
  ASSERT_EQ(d.actions.size(), 3u);
  EXPECT_EQ(Paragraphs(d.narrative), 2u) << d.narrative;
  EXPECT_THAT(d.narrative,
              HasSubstr("Riposte will strip the attachments of the 3 copies of message "
                        "<m@x> in bob@contoso.com, carol@contoso.com and dave@contoso.com "
                        "now, autonomously (rule copies)."));
}

TEST(NarrativeTest, RepeatedNothingNewCollapsesWithTheRunIds) {
  auto policy = Parse(kRules);
  auto b = UserBreach("Spam", 85);
  const char* boxes[] = {"bob@contoso.com", "carol@contoso.com", "dave@contoso.com",
                         "erin@contoso.com"};
  const int64_t runs[] = {9, 10, 11, 14};
  DecideInput in = Input(b);
  for (int i = 0; i < 4; ++i) {
    AddEmail(b, boxes[i]);
    PriorRun r = PriorRunOf(runs[i], "quarantine_email", RunState::kActive, kNow,
                            absl::StrCat("email:", boxes[i], "/<m@x>"));
    r.expires = kNow + absl::Hours(72);
    in.open_runs.push_back(r);
  }
  Decision d = Decide(in, *policy);
  ASSERT_EQ(d.actions.size(), 4u);
  EXPECT_EQ(Paragraphs(d.narrative), 2u) << d.narrative;
  EXPECT_THAT(d.narrative,
              HasSubstr("Nothing new for the 4 copies of message <m@x> in bob@contoso.com, "
                        "carol@contoso.com, dave@contoso.com and erin@contoso.com: "
                        "quarantine_email (runs 9\u201311 and 14) is already in effect "
                        "until 2026-11-21 11:06 UTC, so nothing more is needed."));
  EXPECT_THAT(d.narrative, HasSubstr("Next: once runs 9\u201311 and 14 end"));
}

TEST(NarrativeTest, DifferentOutcomesKeepTheirOwnParagraphs) {
  auto policy = Parse(kRules);
  auto b = UserBreach("Spam", 50);
  DecideInput in = Input(b);
  for (const char* box : {"bob@contoso.com", "carol@contoso.com", "vault@contoso.com"}) {
    AddEmail(b, box);
  }
  PriorRun r = PriorRunOf(3, "quarantine_email", RunState::kActive, kNow,
                          "email:carol@contoso.com/<m@x>");
  in.open_runs.push_back(r);
  Decision d = Decide(in, *policy);
  // Proposed for bob, covered for carol, excluded for the vault's mailbox.
  EXPECT_EQ(Paragraphs(d.narrative), 4u) << d.narrative;
}

TEST(NarrativeTest, ALongListOfTargetsNamesAFewAndCountsTheRest) {
  auto policy = Parse(kRules);
  auto b = UserBreach("Spam", 50);
  for (int i = 0; i < 1000; ++i) AddEmail(b, absl::StrCat("user", i, "@contoso.com"));
  Decision d = Decide(Input(b), *policy);
  ASSERT_EQ(d.actions.size(), 1000u);
  EXPECT_EQ(Paragraphs(d.narrative), 2u);
  EXPECT_THAT(d.narrative,
              HasSubstr("the 1000 copies of message <m@x> in user0@contoso.com, "
                        "user1@contoso.com, user2@contoso.com, user3@contoso.com, "
                        "user4@contoso.com and 995 more now"));
}

TEST(NarrativeTest, TheBottomOfALadderSaysWhyNotWeakerWithoutGoingInCircles) {
  auto policy = Parse(kRules);
  auto b = UserBreach("SaaS / Login", 75);
  Decision d = Decide(Input(b), *policy);
  EXPECT_THAT(d.narrative, HasSubstr("Why not weaker: rule high answers every "
                                     "matching breach with at least force_logout"));
  ExpectNoCircularPhrases(d.narrative);
}

}  // namespace
}  // namespace riposte::decide
