// Property tests of Decide over random policies, breaches and histories.

#include <algorithm>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/decide/decide.h"
#include "orchestrator/decide/decide_testing.h"

namespace riposte::decide {
namespace {

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
