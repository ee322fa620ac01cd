// Property tests of the time, order and repeats rules (docs/POLICY.md,
// "Time, order and repeated reports") over random histories: earlier steps
// with random effect times and states, breaches observed before, inside
// and after the escalation window, late by any amount, and repeats.

#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "orchestrator/decide/decide.h"
#include "orchestrator/decide/decide_testing.h"

namespace riposte::decide {
namespace {

constexpr char kPolicy[] = R"(
rules:
  - name: takeover
    match: {models: ["SaaS / Compromise / *"], subject: user}
    ladder: [force_logout, disable_user]
    bands:
      - {min_score: 0, start: force_logout}
      - {min_score: 95, start: disable_user}
    escalation_window: 48h
    quiet_period: 96h
    mode: autonomous
    duration: 4h
)";

TEST(TimePropertyTest, OnlyActivityAfterAnEffectWithinTheWindowEscalates) {
  auto policy = Parse(kPolicy);
  std::mt19937 rng(20261202);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const RunState states[] = {RunState::kDone,     RunState::kActive,
                             RunState::kReverted, RunState::kQueued,
                             RunState::kRunning,  RunState::kFailed,
                             RunState::kObserved, RunState::kAwaitingApproval};
  int escalated = 0, held = 0, contained = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    SCOPED_TRACE(absl::StrCat("iteration ", iter));
    v1::Breach b = UserBreach("SaaS / Compromise / Unusual Login", pick(100));
    DecideInput in = Input(b);
    // Observed up to 4 days before the decision (late reports).
    in.observed = kNow - absl::Minutes(pick(4 * 24 * 60));
    in.prior_breaches = 1 + pick(5);
    in.last_observed = in.observed - absl::Minutes(pick(3 * 24 * 60)) +
                       absl::Minutes(pick(24 * 60));
    for (int i = pick(3); i >= 0; --i) {
      PriorRun r = PriorRunOf(10 + i, pick(2) ? "force_logout" : "disable_user",
                              states[pick(8)], kNow - absl::Minutes(pick(5 * 24 * 60)));
      if (r.effect_at.has_value()) {
        r.effect_at = r.created + absl::Seconds(pick(120));
      }
      in.incident_runs.push_back(r);
    }
    if (pick(4) == 0) {
      Corroborated c;
      c.stored_id = 1;
      c.detector_id = "other";
      c.breach_id = "x";
      c.family = "SaaS / Compromise";
      c.observed = in.observed - absl::Seconds(pick(120));
      in.corroborates = c;
    }
    const Decision d = Decide(in, *policy);
    ASSERT_EQ(d.actions.size(), 1u);
    const ProposedAction& a = d.actions[0];
    const Requirement& r = a.requirements.at(0);
    if (r.escalated) {
      ++escalated;
      // Never from a repeat, never from activity before the effect, never
      // past the window; and the step it climbs from is one that acted.
      EXPECT_FALSE(in.corroborates.has_value());
      EXPECT_GT(in.observed, r.escalated_effect);
      EXPECT_LE(in.observed - r.escalated_effect, absl::Hours(48));
      EXPECT_FALSE(r.decayed);
      bool found = false;
      for (const auto& run : in.incident_runs) {
        if (run.id == r.escalated_from_run) {
          found = EffectTime(run) == r.escalated_effect;
        }
      }
      EXPECT_TRUE(found);
      if (a.state != RunState::kSuppressed) {
        EXPECT_NE(d.narrative.find("shows it was not enough"), std::string::npos)
            << d.narrative;
      }
    }
    // Whenever a counted step took effect after the activity and covers the
    // action, the action is not repeated.
    for (const auto& run : in.incident_runs) {
      const auto effect = EffectTime(run);
      if (!effect.has_value() || run.state == RunState::kAwaitingApproval) continue;
      if (ActivityTime(in) <= *effect &&
          (run.action == a.action || run.action == "disable_user")) {
        EXPECT_EQ(a.state, RunState::kSuppressed) << d.narrative;
      }
    }
    if (a.contained_at.has_value()) {
      ++contained;
      EXPECT_LE(ActivityTime(in), *a.contained_at);
      EXPECT_NE(d.narrative.find("already contained it"), std::string::npos);
    }
    if (r.held != Requirement::Held::kNone) ++held;
  }
  // The random histories reached every branch.
  EXPECT_GT(escalated, 100);
  EXPECT_GT(held, 100);
  EXPECT_GT(contained, 100);
}

}  // namespace
}  // namespace riposte::decide
