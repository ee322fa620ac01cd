#include "orchestrator/decide/simulator.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_time.h"
#include "orchestrator/decide/decision_proto.h"
#include "orchestrator/entity/subject_key.h"

namespace riposte::decide {

Simulator::Simulator(std::shared_ptr<const policies::Policy> policy,
                     absl::Duration correlation_window, bool paused,
                     UndoCheck can_undo)
    : policy_(std::move(policy)),
      window_(correlation_window),
      paused_(paused),
      can_undo_(std::move(can_undo)) {}

void Simulator::Execute(SimRun& r, absl::Time at) {
  if (r.reversible) {
    r.run.state = RunState::kActive;
    r.expires = r.duration > absl::ZeroDuration() ? at + r.duration
                                                  : absl::InfiniteFuture();
    r.run.expires = r.expires;
  } else {
    r.run.state = RunState::kDone;
  }
}

void Simulator::AdvanceTo(absl::Time now) {
  for (SimRun& r : runs_) {
    if (r.run.state == RunState::kAwaitingApproval &&
        r.approval_deadline <= now) {
      switch (r.on_expiry) {
        case policies::OnApprovalExpiry::kApprove:
          Execute(r, r.approval_deadline);
          break;
        case policies::OnApprovalExpiry::kReject:
          r.run.state = RunState::kApprovalExpired;
          break;
        case policies::OnApprovalExpiry::kEscalate:
          break;  // a second approver is asked; still waiting
      }
    }
    if (r.run.state == RunState::kActive && r.expires <= now) {
      r.run.state = RunState::kReverted;
    }
  }
}

v1::SimulatedDecision Simulator::Add(const v1::Breach& breach,
                                     absl::Time observed) {
  AdvanceTo(observed);
  const std::string key = entity::SubjectKey(breach.subject());

  // Correlate exactly as the intake does.
  SimIncident* incident = nullptr;
  for (auto it = incidents_.rbegin(); it != incidents_.rend(); ++it) {
    if (it->tenant == breach.tenant_id() && it->key == key) {
      if (observed >= it->first_seen - window_ &&
          observed <= it->last_seen + window_) {
        incident = &*it;
      }
      break;
    }
  }
  if (incident == nullptr) {
    SimIncident fresh;
    fresh.id = static_cast<int64_t>(incidents_.size()) + 1;
    fresh.tenant = breach.tenant_id();
    fresh.key = key;
    fresh.first_seen = observed;
    fresh.last_seen = observed;
    incidents_.push_back(std::move(fresh));
    incident = &incidents_.back();
  }

  DecideInput in;
  in.breach = &breach;
  in.incident_id = incident->id;
  in.observed = observed;
  in.now = observed;
  in.incident_breaches = incident->breaches;
  in.paused = paused_;
  in.can_undo = can_undo_;
  std::set<std::string> keys = {key};
  for (const auto& e : breach.related_entities()) {
    keys.insert(entity::SubjectKey(e));
  }
  for (const SimRun& r : runs_) {
    if (r.run.incident_id == incident->id) in.incident_runs.push_back(r.run);
    if (r.tenant == breach.tenant_id() && keys.count(r.run.target_key) > 0 &&
        IsOpen(r.run.state)) {
      in.open_runs.push_back(r.run);
    }
  }
  for (const auto& budget : policy_->budgets) {
    int64_t used = 0;
    for (const SimRun& r : runs_) {
      if (r.tenant == breach.tenant_id() && r.autonomous &&
          r.run.action == budget.action &&
          r.run.created >= observed - budget.per) {
        ++used;
      }
    }
    in.budget_used[budget.action] = used;
  }

  const Decision decision = Decide(in, *policy_);

  std::vector<int64_t> run_ids;
  for (const ProposedAction& a : decision.actions) {
    SimRun r;
    r.run.id = static_cast<int64_t>(runs_.size()) + 1;
    r.run.incident_id = incident->id;
    r.run.action = a.action;
    r.run.target_key = a.target.key;
    r.run.rule = a.rule;
    r.run.state = a.state;
    r.run.created = observed;
    r.tenant = breach.tenant_id();
    r.autonomous = a.state == RunState::kProposed;
    r.duration = a.duration;
    r.reversible = a.reversible;
    if (a.state == RunState::kAwaitingApproval) {
      r.approval_deadline = observed + a.approval_deadline;
      r.on_expiry = a.on_approval_expiry;
    }
    if (r.autonomous) Execute(r, observed);
    run_ids.push_back(r.run.id);
    runs_.push_back(std::move(r));
  }

  incident->breaches.push_back(
      PriorBreach{breach.model_name(), breach.score(), observed});
  incident->first_seen = std::min(incident->first_seen, observed);
  incident->last_seen = std::max(incident->last_seen, observed);

  v1::SimulatedDecision out;
  out.set_detector_id(breach.detector_id());
  out.set_breach_id(breach.breach_id());
  out.set_incident(incident->id);
  *out.mutable_decision() =
      ToProto(decision, observed, next_decision_++, run_ids);
  return out;
}

v1::SimulateResponse Simulate(const v1::SimulateRequest& request,
                              std::shared_ptr<const policies::Policy> policy,
                              absl::Duration correlation_window,
                              absl::Time start, UndoCheck can_undo) {
  v1::SimulateResponse response;
  response.set_policy_version(policy->version);
  Simulator sim(policy, correlation_window, request.paused(), std::move(can_undo));
  absl::Time t = start;
  bool first = true;
  for (const auto& b : request.breaches()) {
    if (b.has_observed_time()) {
      t = FromProtoTime(b.observed_time());
    } else if (!first) {
      t += absl::Minutes(1);
    }
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
                    " incident ", r.incident(), "\n");
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
