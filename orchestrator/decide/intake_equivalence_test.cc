// Simulate and the intake are one code path: random breach sequences
// (duplicates, late and out-of-order reports, several detectors repeating
// one another, budgets, caps) go through the Simulator (in memory) and
// through the intake's breach unit over a real SQLite store whose runs are
// carried out the way the simulator assumes (at once, undone at expiry,
// approval requests left unanswered). Every decision must be the same, to
// the run ids and the narrative.

#include <google/protobuf/util/message_differencer.h>

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/proto_time.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "orchestrator/decide/breach_unit.h"
#include "orchestrator/decide/simulator.h"
#include "policies/policy_loader.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::decide {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'795'000'000);

constexpr char kPolicy[] = R"(
groups:
  vips: {members: [u0@contoso.com]}
caps:
  - {group: vips, max_autonomous: force_logout}
budgets:
  - {action: disable_user, max: 2, per: 30m}
rules:
  - name: takeover
    match: {models: ["SaaS / Compromise / *"], subject: user, min_score: 40}
    ladder: [force_logout, disable_user]
    bands:
      - {min_score: 40, start: force_logout}
      - {min_score: 95, start: disable_user}
    escalation_window: 6h
    quiet_period: 12h
    mode: autonomous
    duration: 2h
    approval: {deadline: 1h, on_expiry: reject}
  - name: watch-access
    match: {models: ["SaaS / Access / *"]}
    ladder: [observe]
    mode: observe
  - name: copies
    match: {models: ["SaaS / Email / *"], min_score: 50}
    target: related_emails
    ladder: [move_to_junk, quarantine_email]
    escalation_window: 6h
    mode: autonomous
    duration: 1h
)";

// The executor as the simulator models it, over the real store.
void CarryOut(store::Store& store, absl::Time now) {
  ASSERT_TRUE(store
                  .ExecuteAndWait([now](store::Transaction& txn) -> absl::Status {
                    auto expired = txn.ListExpiredApprovals(now);
                    if (!expired.ok()) return expired.status();
                    for (const auto& run : *expired) {
                      store::OperatorRunUpdate u;
                      u.id = run.id;
                      u.expected_state = runs::RunState::kAwaitingApproval;
                      u.state = runs::RunState::kApprovalExpired;
                      u.now = now;
                      absl::Status st = txn.UpdateRunForOperator(u);
                      if (!st.ok()) return st;
                    }
                    while (true) {
                      auto claimed = txn.ClaimDueRun("equivalence", now,
                                                     now + absl::Minutes(1));
                      if (!claimed.ok()) return claimed.status();
                      if (!claimed->has_value()) return absl::OkStatus();
                      const store::ActionRunRow& run = **claimed;
                      store::RunUpdate up;
                      up.id = run.id;
                      up.fence = run.fence;
                      up.now = now;
                      if (run.state == runs::RunState::kReverting) {
                        up.state = runs::RunState::kReverted;
                      } else {
                        up.effect_at = now;
                        up.state = run.reversible ? runs::RunState::kActive
                                                  : runs::RunState::kDone;
                        if (run.reversible && run.duration > absl::ZeroDuration()) {
                          up.expires_at = now + run.duration;
                        }
                      }
                      absl::Status st = txn.UpdateLeasedRun(up);
                      if (!st.ok()) return st;
                    }
                  })
                  .ok());
}

struct Arrival {
  v1::Breach breach;
  absl::Time received;
};

// A random stream: detectors d0..d2 report on users u0..u2 and their mail;
// some reports are resent under the same id, some repeated by another
// detector or under a new id, some arrive hours late.
std::vector<Arrival> RandomStream(std::mt19937& rng, int n) {
  auto pick = [&](int k) { return static_cast<int>(rng() % k); };
  const char* models[] = {"SaaS / Compromise / Unusual Login",
                          "SaaS / Compromise / New Email Rule",
                          "SaaS / Access / Suspicious Login Attempt",
                          "SaaS / Email / Phishing Link"};
  std::vector<Arrival> out;
  absl::Time now = kStart;
  for (int i = 0; i < n; ++i) {
    now += absl::Minutes(1 + pick(90));
    if (!out.empty() && pick(6) == 0) {
      // The same breach again (a retry), or the same activity reported by
      // another detector or under a new id.
      Arrival again = out[pick(static_cast<int>(out.size()))];
      again.received = now;
      if (pick(2) == 0) {
        again.breach.set_detector_id(absl::StrCat("d", pick(3)));
        again.breach.set_breach_id(absl::StrCat("again-", i));
        ToProtoTime(FromProtoTime(again.breach.observed_time()) +
                        absl::Seconds(pick(30)),
                    again.breach.mutable_observed_time());
      }
      out.push_back(std::move(again));
      continue;
    }
    v1::Breach b;
    b.set_detector_id(absl::StrCat("d", pick(3)));
    b.set_breach_id(absl::StrCat("b", i));
    b.set_tenant_id("contoso");
    b.set_model_name(models[pick(4)]);
    b.set_score(30 + pick(71));
    const std::string upn = absl::StrCat("u", pick(3), "@contoso.com");
    b.mutable_subject()->mutable_user()->set_user_principal_name(upn);
    if (absl::StartsWith(b.model_name(), "SaaS / Email")) {
      auto* e = b.add_related_entities()->mutable_email();
      e->set_mailbox(upn);
      e->set_internet_message_id(absl::StrCat("<m", pick(4), "@evil.example>"));
    }
    auto* ev = b.add_evidence();
    ev->set_key("src_endpoint.ip");
    ev->set_value(absl::StrCat("203.0.113.", pick(3)));
    // Mostly prompt; sometimes late by up to 10 hours.
    absl::Duration late = pick(4) == 0 ? absl::Minutes(pick(600)) : absl::Seconds(pick(60));
    ToProtoTime(now - late, b.mutable_observed_time());
    out.push_back(Arrival{std::move(b), now});
  }
  return out;
}

TEST(IntakeEquivalenceTest, SimulateDecidesExactlyAsTheIntake) {
  auto policy = policies::ParsePolicy({{"p.yaml", kPolicy}});
  ASSERT_TRUE(policy.ok()) << policy.status();
  std::mt19937 rng(20261202);
  int decisions = 0, escalations = 0, corroborations = 0, duplicates = 0;
  for (int sequence = 0; sequence < 12; ++sequence) {
    SCOPED_TRACE(absl::StrCat("sequence ", sequence));
    riposte::testing::TempDir dir;
    FakeClock clock(kStart);
    store::sqlite::SqliteStoreOptions options;
    options.path = dir.File("riposte.db");
    auto store = store::sqlite::SqliteStore::Open(options, &clock);
    ASSERT_TRUE(store.ok()) << store.status();
    Simulator sim(*policy, absl::Hours(24), /*paused=*/false);
    BreachUnitOptions unit;
    unit.correlation_window = absl::Hours(24);
    unit.policy = policy->get();

    for (const Arrival& a : RandomStream(rng, 40)) {
      clock.Set(a.received);
      CarryOut(**store, a.received);
      v1::SubmitResponse live;
      ASSERT_TRUE((*store)
                      ->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
                        auto r = RecordBreach(txn, a.breach, a.received, unit);
                        if (!r.ok()) return r.status();
                        live = *std::move(r);
                        return absl::OkStatus();
                      })
                      .ok());
      CarryOut(**store, a.received);
      const v1::SimulatedDecision simulated = sim.Add(a.breach, a.received);

      SCOPED_TRACE(absl::StrCat(a.breach.detector_id(), "/", a.breach.breach_id()));
      EXPECT_EQ(simulated.duplicate(), live.duplicate());
      EXPECT_EQ(simulated.incident(), live.incident_id());
      EXPECT_EQ(simulated.corroborates(), live.corroborates_breach_id());
      std::string diff;
      google::protobuf::util::MessageDifferencer differ;
      differ.ReportDifferencesToString(&diff);
      EXPECT_TRUE(differ.Compare(simulated.decision(), live.decision())) << diff;
      ++decisions;
      duplicates += live.duplicate();
      corroborations += live.corroborates_breach_id() != 0;
      if (live.decision().narrative().find("shows it was not enough") !=
          std::string::npos) {
        ++escalations;
      }
    }
  }
  // The streams exercised what they are for.
  EXPECT_GT(escalations, 5);
  EXPECT_GT(corroborations, 5);
  EXPECT_GT(duplicates, 5);
  EXPECT_EQ(decisions, 12 * 40);
}

}  // namespace
}  // namespace riposte::decide
