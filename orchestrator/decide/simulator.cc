#include "orchestrator/decide/simulator.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_time.h"
#include "orchestrator/decide/decision_writer.h"

namespace riposte::decide {

Simulator::Simulator(std::shared_ptr<const policies::Policy> policy,
                     absl::Duration correlation_window, bool paused,
                     UndoCheck can_undo)
    : policy_(std::move(policy)) {
  options_.correlation_window = correlation_window;
  options_.policy = policy_.get();
  options_.can_undo = std::move(can_undo);
  if (paused) store_.PutSetting(kPausedSetting, "true");
}

void Simulator::Execute(store::ActionRunRow& r, absl::Time at) {
  r.effect_at = at;
  r.updated_at = at;
  if (r.reversible) {
    r.state = RunState::kActive;
    if (r.duration > absl::ZeroDuration()) r.expires_at = at + r.duration;
  } else {
    r.state = RunState::kDone;
  }
}

void Simulator::AdvanceTo(absl::Time now) {
  for (store::ActionRunRow& r : store_.runs()) {
    if (r.state == RunState::kAwaitingApproval && r.approval_deadline.has_value() &&
        *r.approval_deadline <= now && !r.escalated) {
      const absl::Time deadline = *r.approval_deadline;
      if (r.on_approval_expiry == "approve") {
        Execute(r, deadline);
      } else if (r.on_approval_expiry == "escalate") {
        r.escalated = true;  // a second approver is asked; still waiting
      } else {
        r.state = RunState::kApprovalExpired;
      }
    }
    if (r.state == RunState::kActive && r.expires_at.has_value() &&
        *r.expires_at <= now) {
      r.state = RunState::kReverted;
      r.updated_at = *r.expires_at;
    }
  }
}

v1::SimulatedDecision Simulator::Add(const v1::Breach& breach,
                                     absl::Time received) {
  AdvanceTo(received);
  store_.set_now(received);
  const size_t runs_before = store_.runs().size();
  absl::StatusOr<v1::SubmitResponse> response =
      RecordBreach(store_, breach, received, options_);
  v1::SimulatedDecision out;
  out.set_detector_id(breach.detector_id());
  out.set_breach_id(breach.breach_id());
  if (!response.ok()) {
    // The in-memory store does not fail; say so plainly if it ever does.
    out.mutable_decision()->set_narrative(
        absl::StrCat("simulation error: ", response.status().ToString()));
    return out;
  }
  for (size_t i = runs_before; i < store_.runs().size(); ++i) {
    store::ActionRunRow& r = store_.runs()[i];
    if (r.state == RunState::kProposed && r.autonomous) Execute(r, received);
  }
  out.set_incident(response->incident_id());
  out.set_duplicate(response->duplicate());
  out.set_corroborates(response->corroborates_breach_id());
  *out.mutable_decision() = response->decision();
  return out;
}

v1::SimulateResponse Simulate(const v1::SimulateRequest& request,
                              std::shared_ptr<const policies::Policy> policy,
                              absl::Duration correlation_window,
                              absl::Time start, UndoCheck can_undo) {
  v1::SimulateResponse response;
  response.set_policy_version(policy->version);
  Simulator sim(policy, correlation_window, request.paused(), std::move(can_undo));
  absl::Time arrived = start;
  bool first = true;
  for (int i = 0; i < request.breaches_size(); ++i) {
    v1::Breach b = request.breaches(i);
    absl::Time t;
    if (i < request.received_times_size()) {
      t = FromProtoTime(request.received_times(i));
    } else if (b.has_observed_time()) {
      t = FromProtoTime(b.observed_time());
    } else {
      t = first ? start : arrived + absl::Minutes(1);
    }
    if (!first) t = std::max(t, arrived);
    // Whole microseconds, as the intake stores times.
    t = absl::FromUnixMicros(absl::ToUnixMicros(t));
    arrived = t;
    first = false;
    *response.add_results() = sim.Add(b, t);
  }
  return response;
}

std::string FormatSimulation(const v1::SimulateResponse& response) {
  std::string out;
  for (const auto& r : response.results()) {
    const v1::Decision& d = r.decision();
    absl::StrAppend(&out, "== ", r.detector_id(), "/", r.breach_id(),
                    " incident ", r.incident(),
                    r.duplicate() ? " (duplicate: the original decision)" : "",
                    r.corroborates() > 0
                        ? absl::StrCat(" (corroborates breach ", r.corroborates(), ")")
                        : "",
                    "\n");
    absl::StrAppend(&out, "rules: ",
                    d.matched_rules().empty()
                        ? "(none)"
                        : absl::StrJoin(d.matched_rules(), ", "),
                    "\n");
    for (const auto& a : d.actions()) {
      absl::StrAppend(&out, "action ", a.run_id(), ": ", a.action(), " ",
                      a.target_key(), " ", a.state(), " (rule ", a.rule(),
                      " rung ", a.rung(), ", ", a.rule_mode());
      if (a.duration().seconds() > 0) {
        absl::StrAppend(&out, ", ", a.duration().seconds(), "s");
      }
      if (!a.gates().empty()) {
        absl::StrAppend(&out, ", gates ", absl::StrJoin(a.gates(), ","));
      }
      if (a.two_person()) absl::StrAppend(&out, ", two-person");
      if (!a.combined_rules().empty()) {
        absl::StrAppend(&out, ", combines ", absl::StrJoin(a.combined_rules(), "+"));
      }
      if (!a.unmet_rules().empty()) {
        absl::StrAppend(&out, ", unmet ", absl::StrJoin(a.unmet_rules(), "+"));
      }
      if (a.mode_rule() != a.rule()) {
        absl::StrAppend(&out, ", mode of ", a.mode_rule());
      }
      absl::StrAppend(&out, ")\n");
    }
    absl::StrAppend(&out, d.narrative(), "\n\n");
  }
  return out;
}

}  // namespace riposte::decide
