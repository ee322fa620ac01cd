#include "orchestrator/decide/decide.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy_loader.h"

namespace riposte::decide {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

std::shared_ptr<const policies::Policy> Parse(const std::string& yaml) {
  auto p = policies::ParsePolicy({{"test.yaml", yaml}});
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : nullptr;
}

v1::Breach UserBreach(const std::string& model, double score,
                      const std::string& upn = "alice@contoso.com") {
  v1::Breach b;
  b.set_detector_id("dt");
  b.set_breach_id("b1");
  b.set_tenant_id("contoso");
  b.set_model_name(model);
  b.set_score(score);
  b.mutable_subject()->mutable_user()->set_user_principal_name(upn);
  return b;
}

void AddEmail(v1::Breach& b, const std::string& mailbox) {
  auto* e = b.add_related_entities()->mutable_email();
  e->set_mailbox(mailbox);
  e->set_internet_message_id("<m@x>");
}

DecideInput Input(const v1::Breach& b) {
  DecideInput in;
  in.breach = &b;
  in.incident_id = 7;
  in.observed = kNow;
  in.now = kNow;
  return in;
}

PriorRun PriorRunOf(int64_t id, const std::string& action, RunState state,
             absl::Time created, const std::string& target =
                                     "user:alice@contoso.com") {
  PriorRun r;
  r.id = id;
  r.incident_id = 7;
  r.action = action;
  r.target_key = target;
  r.state = state;
  r.created = created;
  // Runs that acted took effect when they were decided.
  if (state == RunState::kDone || state == RunState::kActive ||
      state == RunState::kReverted) {
    r.effect_at = created;
  }
  return r;
}

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
  EXPECT_THAT(d.narrative, HasSubstr("satisfies all of them"));
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

// Property tests over random policies, breaches and histories. The seed is
// fixed, so a failure reproduces.
class DecidePropertyTest : public ::testing::Test {
 protected:
  std::mt19937 rng_{20261128};

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string RandomPolicy(bool all_observe) {
    const std::vector<std::vector<std::string>> user_ladders = {
        {"observe", "force_logout", "disable_user"},
        {"force_logout", "disable_user"},
        {"force_logout"},
        {"disable_user"},
        {"observe", "disable_user"}};
    const std::vector<std::vector<std::string>> email_ladders = {
        {"move_to_junk", "strip_attachment", "quarantine_email"},
        {"strip_attachment", "quarantine_email"},
        {"move_to_junk"},
        {"strip_attachment"},
        {"observe", "quarantine_email"}};
    const char* modes[] = {"autonomous", "confirm", "observe"};
    std::string y =
        "groups:\n  vip: {members: [vip@contoso.com]}\n"
        "  bg: {members: [bg@contoso.com]}\n"
        "exclusions:\n  - {group: bg, reason: test}\n"
        "caps:\n  - {group: vip, max_autonomous: force_logout}\n"
        "budgets:\n  - {action: disable_user, max: 2, per: 10m}\nrules:\n";
    const int n = 1 + Pick(5);
    for (int i = 0; i < n; ++i) {
      const bool email = Pick(2) == 0;
      const auto& ladder =
          email ? email_ladders[Pick(5)] : user_ladders[Pick(5)];
      absl::StrAppend(&y, "  - name: r", i, "\n    match: {models: [\"",
                      Pick(2) ? "M / *" : "M / A", "\"], min_score: ",
                      Pick(60), email ? "" : ", subject: user", "}\n");
      if (email) absl::StrAppend(&y, "    target: related_emails\n");
      absl::StrAppend(&y, "    ladder: [");
      for (size_t j = 0; j < ladder.size(); ++j) {
        absl::StrAppend(&y, j ? ", " : "", ladder[j]);
      }
      absl::StrAppend(&y, "]\n    mode: ",
                      all_observe ? "observe" : modes[Pick(3)], "\n");
      if (ladder.size() > 1 && Pick(2)) {
        absl::StrAppend(&y, "    bands:\n      - {min_score: 0, start: ",
                        ladder[0], "}\n      - {min_score: ", 60 + Pick(40),
                        ", start: ", ladder[1], "}\n");
      }
    }
    return y;
  }

  v1::Breach RandomBreach() {
    const char* users[] = {"alice@contoso.com", "vip@contoso.com",
                           "bg@contoso.com"};
    v1::Breach b = UserBreach("M / A", Pick(101), users[Pick(3)]);
    for (int i = Pick(3); i > 0; --i) {
      AddEmail(b, absl::StrCat("box", Pick(2), "@contoso.com"));
    }
    return b;
  }

  DecideInput RandomHistory(const v1::Breach& b) {
    DecideInput in = Input(b);
    const char* actions[] = {"force_logout", "disable_user", "observe",
                             "quarantine_email", "strip_attachment"};
    const RunState states[] = {RunState::kDone, RunState::kActive,
                               RunState::kAwaitingApproval,
                               RunState::kRejected, RunState::kObserved};
    const std::string key = absl::StrCat("user:", b.subject().user().user_principal_name());
    for (int i = Pick(4); i > 0; --i) {
      PriorRun r = PriorRunOf(i, actions[Pick(5)], states[Pick(5)],
                       kNow - absl::Hours(Pick(48)), key);
      in.incident_runs.push_back(r);
      if (IsOpen(r.state)) in.open_runs.push_back(r);
    }
    in.paused = Pick(4) == 0;
    in.budget_used["disable_user"] = Pick(3);
    return in;
  }
};

TEST_F(DecidePropertyTest, ChosenActionIsTheLeastThatSatisfiesEveryRule) {
  int checked = 0, multi_rule = 0;
  for (int iter = 0; iter < 400; ++iter) {
    auto policy = Parse(RandomPolicy(false));
    ASSERT_NE(policy, nullptr);
    v1::Breach b = RandomBreach();
    DecideInput in = RandomHistory(b);
    Decision d = Decide(in, *policy);
    for (const auto& a : d.actions) {
      ++checked;
      if (a.requirements.size() > 1) ++multi_rule;
      std::set<std::string> need;
      std::set<std::string> allowed;
      for (const auto& req : a.requirements) {
        const policies::Rule* rule = nullptr;
        for (const auto& r : policy->rules) {
          if (r.name == req.rule) rule = &r;
        }
        ASSERT_NE(rule, nullptr);
        ASSERT_EQ(rule->ladder.at(req.rung), req.action);
        ASSERT_GE(req.rung, req.band_rung);
        const auto* spec = policy->FindAction(req.action);
        need.insert(spec->contains.begin(), spec->contains.end());
        allowed.insert(rule->ladder.begin(), rule->ladder.end());
      }
      const auto* chosen = policy->FindAction(a.action);
      for (const auto& name : allowed) {
        const auto* alt = policy->FindAction(name);
        if (alt->targets.count(a.target.kind) == 0) continue;
        const bool satisfies = std::includes(alt->contains.begin(),
                                             alt->contains.end(), need.begin(),
                                             need.end());
        if (satisfies) {
          EXPECT_LE(chosen->aggression, alt->aggression)
              << "iteration " << iter << ": " << a.action << " chosen over "
              << name;
        }
      }
    }
  }
  // The generator must exercise the property, including rule conflicts.
  EXPECT_GT(checked, 300);
  EXPECT_GT(multi_rule, 50);
}

TEST_F(DecidePropertyTest, ObserveModeNeverYieldsAnExecutableAction) {
  for (int iter = 0; iter < 300; ++iter) {
    auto policy = Parse(RandomPolicy(true));
    v1::Breach b = RandomBreach();
    Decision d = Decide(RandomHistory(b), *policy);
    for (const auto& a : d.actions) {
      EXPECT_TRUE(a.state == RunState::kObserved ||
                  a.state == RunState::kSuppressed)
          << "iteration " << iter << ": " << RunStateName(a.state);
    }
  }
}

TEST_F(DecidePropertyTest, ExcludedSubjectsNeverGetAnAction) {
  for (int iter = 0; iter < 300; ++iter) {
    auto policy = Parse(RandomPolicy(false));
    v1::Breach b = RandomBreach();
    b.mutable_subject()->mutable_user()->set_user_principal_name("BG@contoso.com");
    Decision d = Decide(RandomHistory(b), *policy);
    for (const auto& a : d.actions) {
      if (a.target.key != "user:bg@contoso.com") continue;
      EXPECT_EQ(a.state, RunState::kSuppressed) << "iteration " << iter;
    }
  }
}

TEST_F(DecidePropertyTest, PausedNeverRunsAutonomously) {
  for (int iter = 0; iter < 300; ++iter) {
    auto policy = Parse(RandomPolicy(false));
    v1::Breach b = RandomBreach();
    DecideInput in = RandomHistory(b);
    in.paused = true;
    for (const auto& a : Decide(in, *policy).actions) {
      EXPECT_NE(a.state, RunState::kProposed) << "iteration " << iter;
    }
  }
}

}  // namespace
}  // namespace riposte::decide
