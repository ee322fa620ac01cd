#include "orchestrator/decide/decide_testing.h"

#include "gtest/gtest.h"
#include "policies/policy_loader.h"

namespace riposte::decide {

std::shared_ptr<const policies::Policy> Parse(const std::string& yaml) {
  auto p = policies::ParsePolicy({{"test.yaml", yaml}});
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : nullptr;
}

v1::Breach UserBreach(const std::string& model, double score,
                      const std::string& upn) {
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
                    absl::Time created, const std::string& target) {
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

}  // namespace riposte::decide
