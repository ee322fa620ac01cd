// Property tests of Decide over random policies (ladders drawn from the
// catalog, sometimes with other aggression levels), breaches and histories.
// The seed is fixed, so a failure reproduces; the iteration is in the
// message.

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/decide/choose.h"
#include "orchestrator/decide/decide.h"
#include "orchestrator/decide/decide_testing.h"

namespace riposte::decide {
namespace {

using policies::ActionSpec;
using policies::Policy;
using policies::Rule;

class DecidePropertyTest : public ::testing::Test {
 protected:
  std::mt19937 rng_{20261128};

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  // A random valid policy: 1 to 5 rules on one model family, each with a
  // ladder drawn from the actions for its target kind (in the order of the
  // policy's aggression levels), maybe two bands, and a random mode.
  std::string RandomPolicy(bool all_observe) {
    std::map<std::string, int> level = {
        {"observe", 0},          {"move_to_junk", 10}, {"strip_attachment", 20},
        {"quarantine_email", 30}, {"force_logout", 40}, {"disable_user", 60}};
    std::string y =
        "groups:\n  vip: {members: [vip@contoso.com]}\n"
        "  bg: {members: [bg@contoso.com]}\n"
        "exclusions:\n  - {group: bg, reason: test}\n"
        "caps:\n  - {group: vip, max_autonomous: force_logout}\n"
        "budgets:\n  - {action: disable_user, max: 2, per: 10m}\n";
    if (Pick(3) == 0) {
      // Other levels (distinct, observe first), so that the aggression order
      // and what actions contain disagree: quarantine may rank below strip.
      std::vector<int> levels = {10, 20, 30, 40, 50};
      std::shuffle(levels.begin(), levels.end(), rng_);
      y += "actions:\n";
      int i = 0;
      for (auto& [name, l] : level) {
        if (name == "observe") continue;
        l = levels[i++];
        absl::StrAppend(&y, "  ", name, ": {aggression: ", l, "}\n");
      }
    }
    y += "rules:\n";
    const std::vector<std::string> email = {"observe", "move_to_junk",
                                            "strip_attachment", "quarantine_email"};
    const std::vector<std::string> user = {"observe", "force_logout", "disable_user"};
    const char* modes[] = {"autonomous", "confirm", "observe"};
    const int n = 1 + Pick(5);
    for (int i = 0; i < n; ++i) {
      const int kind = Pick(5);  // 0-1 email copies, 2-3 user, 4 any subject
      std::vector<std::string> ladder;
      if (kind == 4) {
        ladder = {"observe"};
      } else {
        for (const auto& a : kind < 2 ? email : user) {
          if (Pick(2)) ladder.push_back(a);
        }
        if (ladder.empty()) ladder.push_back(kind < 2 ? "strip_attachment" : "force_logout");
        std::sort(ladder.begin(), ladder.end(), [&](const auto& a, const auto& b) {
          return level[a] < level[b];
        });
      }
      absl::StrAppend(&y, "  - name: r", i, "\n    match: {models: [\"",
                      Pick(2) ? "M / *" : "M / A", "\"], min_score: ", Pick(60),
                      kind == 2 || kind == 3 ? ", subject: user" : "", "}\n");
      if (kind < 2) absl::StrAppend(&y, "    target: related_emails\n");
      absl::StrAppend(&y, "    ladder: [");
      for (size_t j = 0; j < ladder.size(); ++j) {
        absl::StrAppend(&y, j ? ", " : "", ladder[j]);
      }
      absl::StrAppend(&y, "]\n    mode: ", all_observe ? "observe" : modes[Pick(3)],
                      "\n");
      if (ladder.size() > 1 && Pick(2)) {
        absl::StrAppend(&y, "    bands:\n      - {min_score: 0, start: ", ladder[0],
                        "}\n      - {min_score: ", 60 + Pick(40), ", start: ",
                        ladder[1 + Pick(static_cast<int>(ladder.size()) - 1)], "}\n");
      }
    }
    return y;
  }

  v1::Breach RandomBreach() {
    const char* users[] = {"alice@contoso.com", "vip@contoso.com",
                           "bg@contoso.com"};
    v1::Breach b = UserBreach("M / A", Pick(101), users[Pick(3)]);
    if (Pick(6) == 0) {
      b.mutable_subject()->mutable_device()->set_hostname("laptop-1");
    } else if (Pick(6) == 0) {
      b.mutable_subject()->mutable_ip()->set_address("10.0.0.1");
    }
    for (int i = Pick(4); i > 0; --i) {
      AddEmail(b, absl::StrCat("box", Pick(3), "@contoso.com"));
    }
    return b;
  }

  DecideInput RandomHistory(const v1::Breach& b) {
    DecideInput in = Input(b);
    const char* actions[] = {"force_logout", "disable_user", "observe",
                             "quarantine_email", "strip_attachment", "move_to_junk"};
    const RunState states[] = {RunState::kDone, RunState::kActive,
                               RunState::kAwaitingApproval,
                               RunState::kRejected, RunState::kObserved};
    std::vector<std::string> keys = {"user:alice@contoso.com",
                                     "user:vip@contoso.com"};
    for (int i = 0; i < 3; ++i) {
      keys.push_back(absl::StrCat("email:box", i, "@contoso.com/<m@x>"));
    }
    for (int i = Pick(5); i > 0; --i) {
      PriorRun r = PriorRunOf(i, actions[Pick(6)], states[Pick(5)],
                              kNow - absl::Hours(Pick(48)),
                              keys[Pick(static_cast<int>(keys.size()))]);
      if (r.state == RunState::kActive) r.expires = kNow + absl::Hours(Pick(8));
      in.incident_runs.push_back(r);
      if (IsOpen(r.state)) in.open_runs.push_back(r);
    }
    in.paused = Pick(4) == 0;
    in.budget_used["disable_user"] = Pick(3);
    return in;
  }

  static const Rule& RuleNamed(const Policy& policy, const std::string& name) {
    for (const Rule& r : policy.rules) {
      if (r.name == name) return r;
    }
    ADD_FAILURE() << "no rule " << name;
    return policy.rules.front();
  }
};

// The rule of docs/POLICY.md, "Several rules on one target", checked
// against an independent reading of the policy.
TEST_F(DecidePropertyTest, EveryDecisionKeepsTheSeveralRulesContract) {
  int checked = 0, multi_rule = 0, combined = 0, unmet = 0, reordered = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    SCOPED_TRACE(absl::StrCat("iteration ", iter));
    auto policy = Parse(RandomPolicy(false));
    ASSERT_NE(policy, nullptr);
    if (policy->FindAction("quarantine_email")->aggression <
        policy->FindAction("strip_attachment")->aggression) {
      ++reordered;
    }
    v1::Breach b = RandomBreach();
    DecideInput in = RandomHistory(b);
    Decision d = Decide(in, *policy);
    for (const ProposedAction& a : d.actions) {
      ++checked;
      if (a.requirements.size() > 1) ++multi_rule;
      const ActionSpec& chosen = *policy->FindAction(a.action);

      // Credited: its ladder holds the action at `rung`, and it comes first.
      const Rule& credited = RuleNamed(*policy, a.rule);
      ASSERT_LT(a.rung, static_cast<int>(credited.ladder.size()));
      EXPECT_EQ(credited.ladder[a.rung], a.action);
      ASSERT_FALSE(a.credited_rules.empty());
      EXPECT_EQ(a.credited_rules.front(), a.rule);

      // Requirements and candidates, read from the policy directly.
      std::vector<const ActionSpec*> required;
      std::set<const ActionSpec*> candidates;
      bool someone_asked_for_it = false;
      for (const Requirement& req : a.requirements) {
        const Rule& rule = RuleNamed(*policy, req.rule);
        ASSERT_EQ(rule.ladder.at(req.rung), req.action);
        required.push_back(policy->FindAction(req.action));
        someone_asked_for_it = someone_asked_for_it || req.action == a.action;
        for (const auto& name : rule.ladder) {
          const ActionSpec* spec = policy->FindAction(name);
          if (spec->targets.count(a.target.kind) > 0) candidates.insert(spec);
        }
      }
      auto satisfies_all = [&](const ActionSpec& s) {
        return std::all_of(required.begin(), required.end(),
                           [&](const ActionSpec* r) { return Satisfies(s, *r); });
      };

      if (a.unmet_rules.empty()) {
        EXPECT_TRUE(satisfies_all(chosen)) << a.action;
        for (const ActionSpec* c : candidates) {
          if (satisfies_all(*c)) {
            EXPECT_LE(chosen.aggression, c->aggression)
                << a.action << " chosen over " << c->name;
          }
        }
      } else {
        ++unmet;
        for (const ActionSpec* c : candidates) EXPECT_FALSE(satisfies_all(*c)) << c->name;
        EXPECT_THAT(d.narrative, ::testing::HasSubstr(
                                     "No action on the matching rules' ladders"));
      }

      // When no rule asked for exactly this action, the narrative names the
      // rules whose requirements it combines.
      EXPECT_EQ(a.combined_rules.empty(), someone_asked_for_it);
      if (!a.combined_rules.empty()) {
        ++combined;
        for (const auto& r : a.combined_rules) {
          EXPECT_THAT(d.narrative, ::testing::HasSubstr(r + " ("));
        }
        EXPECT_THAT(d.narrative, ::testing::HasSubstr("ombines what rule"));
      } else {
        EXPECT_EQ(a.mode_rule, a.rule);
      }
      EXPECT_EQ(a.rule_mode, RuleNamed(*policy, a.mode_rule).mode);

      // "Next" names a stronger action or says it is the top.
      if (!a.next_action.empty()) {
        EXPECT_GT(policy->FindAction(a.next_action)->aggression, chosen.aggression);
      }
      if (a.state != RunState::kSuppressed && !chosen.records_only) {
        EXPECT_TRUE(
            a.next_action.empty()
                ? absl::StrContains(d.narrative, "Next: this is the top of")
                : absl::StrContains(d.narrative,
                                    absl::StrCat("would escalate to ", a.next_action)))
            << d.narrative;
      }

      // However paragraphs collapse, every target is named.
      EXPECT_THAT(d.narrative,
                  ::testing::HasSubstr(a.target.entity.has_email()
                                           ? a.target.entity.email().mailbox()
                                           : a.target.display));
    }
  }
  // The generator must exercise the contract, including its corners.
  EXPECT_GT(checked, 3000);
  EXPECT_GT(multi_rule, 500);
  EXPECT_GT(combined, 50);
  EXPECT_GT(unmet, 20);
  EXPECT_GT(reordered, 100);
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

// Every decision that changes nothing says what would, or why nothing will.
TEST_F(DecidePropertyTest, DecisionsThatChangeNothingSayWhatWould) {
  for (int iter = 0; iter < 1000; ++iter) {
    SCOPED_TRACE(absl::StrCat("iteration ", iter));
    auto policy = Parse(RandomPolicy(false));
    v1::Breach b = RandomBreach();
    if (Pick(3) == 0) b.set_model_name(Pick(2) ? "M / B" : "Other / A");
    Decision d = Decide(RandomHistory(b), *policy);
    if (d.matched_rules.empty()) {
      // The nearest rule for the model and what it needs, or that none
      // names it.
      EXPECT_THAT(d.narrative, ::testing::HasSubstr("this model"));
    }
    for (const auto& a : d.actions) {
      if (a.state == RunState::kSuppressed) {
        EXPECT_TRUE(absl::StrContains(d.narrative, "Whatever the score") ||
                    absl::StrContains(d.narrative, "a further breach like this one") ||
                    absl::StrContains(d.narrative, "Next: activity observed after"))
            << d.narrative;
      }
    }
  }
}

}  // namespace
}  // namespace riposte::decide
