#include "orchestrator/decide/decision_proto.h"

#include "absl/strings/str_join.h"
#include "common/proto_time.h"

namespace riposte::decide {

std::string GateList(const ProposedAction& action) {
  std::vector<std::string> names;
  for (Gate g : action.gates) names.emplace_back(GateName(g));
  return absl::StrJoin(names, ",");
}

v1::Decision ToProto(const Decision& decision, absl::Time now,
                     int64_t decision_id, const std::vector<int64_t>& run_ids) {
  v1::Decision out;
  out.set_decision_id(decision_id);
  out.set_policy_version(decision.policy_version);
  for (const auto& r : decision.matched_rules) out.add_matched_rules(r);
  out.set_narrative(decision.narrative);
  ToProtoTime(now, out.mutable_decided_time());
  for (size_t i = 0; i < decision.actions.size(); ++i) {
    const ProposedAction& a = decision.actions[i];
    v1::ProposedAction* p = out.add_actions();
    if (i < run_ids.size()) p->set_run_id(run_ids[i]);
    p->set_action(a.action);
    *p->mutable_target() = a.target.entity;
    p->set_target_key(a.target.key);
    p->set_state(std::string(RunStateName(a.state)));
    p->set_rule(a.rule);
    p->set_rung(a.rung);
    p->set_rule_mode(std::string(policies::ModeName(a.rule_mode)));
    if (a.duration > absl::ZeroDuration()) {
      p->mutable_duration()->set_seconds(absl::ToInt64Seconds(a.duration));
    }
    if (a.state == RunState::kAwaitingApproval) {
      ToProtoTime(now + a.approval_deadline, p->mutable_approval_deadline());
      p->set_on_approval_expiry(
          std::string(policies::OnApprovalExpiryName(a.on_approval_expiry)));
    }
    p->set_two_person(a.two_person);
    for (Gate g : a.gates) p->add_gates(std::string(GateName(g)));
    for (const auto& r : a.credited_rules) p->add_credited_rules(r);
    for (const auto& r : a.combined_rules) p->add_combined_rules(r);
    for (const auto& r : a.unmet_rules) p->add_unmet_rules(r);
    p->set_mode_rule(a.mode_rule);
  }
  return out;
}

}  // namespace riposte::decide
