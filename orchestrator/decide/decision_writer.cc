#include "orchestrator/decide/decision_writer.h"

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_map.h"

#include "absl/strings/str_cat.h"
#include "common/json.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "orchestrator/decide/decide.h"
#include "orchestrator/decide/decision_proto.h"
#include "orchestrator/entity/subject_key.h"

namespace riposte::decide {
namespace {

PriorRun ToPrior(const store::ActionRunRow& row) {
  PriorRun p;
  p.id = row.id;
  p.incident_id = row.incident_id;
  p.action = row.action;
  p.target_key = row.target_key;
  p.rule = row.rule;
  p.state = row.state;
  p.created = row.created_at;
  p.effect_at = row.effect_at;
  if (row.state == RunState::kActive) {
    p.expires = row.expires_at.value_or(absl::InfiniteFuture());
  }
  return p;
}

// How many runs of each action the incident's steps on a target keep: the
// newest one that counts as tried is what escalation needs, and a newer
// one may still wait for an operator or have been turned down.
constexpr int kStepsPerAction = 3;

// `ids` (oldest first) with only the newest kStepsPerAction of each action.
std::vector<int64_t> PruneSteps(const std::vector<int64_t>& ids,
                                const absl::flat_hash_map<int64_t, std::string>& action_of) {
  absl::flat_hash_map<std::string, int> kept;
  std::vector<int64_t> out;
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    auto a = action_of.find(*it);
    if (a == action_of.end()) continue;
    if (++kept[a->second] > kStepsPerAction) continue;
    out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

absl::StatusOr<v1::Decision> DecideAndRecord(store::IntakeTransaction& txn,
                                             const policies::Policy& policy,
                                             const BreachContext& ctx) {
  const v1::Breach& breach = *ctx.breach;
  DecideInput in;
  in.breach = &breach;
  in.incident_id = ctx.incident_id;
  in.observed = ctx.observed;
  in.now = ctx.now;
  in.can_undo = ctx.can_undo;
  in.prior_breaches = ctx.prior_breaches;
  in.last_observed = ctx.last_observed;
  in.corroborates = ctx.corroborates;

  // Every entity an action could be aimed at.
  std::set<std::string> keys;
  keys.insert(entity::SubjectKey(breach.subject()));
  for (const auto& e : breach.related_entities()) {
    keys.insert(entity::SubjectKey(e));
  }
  // The incident's steps on them.
  absl::flat_hash_map<std::string, std::vector<int64_t>> steps;
  absl::flat_hash_map<int64_t, std::string> action_of;
  for (const std::string& key : keys) {
    RIPOSTE_ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                             txn.GetIncidentSteps(ctx.incident_id, key));
    for (int64_t id : ids) {
      RIPOSTE_ASSIGN_OR_RETURN(auto run, txn.GetRun(id));
      if (!run.has_value()) continue;
      action_of[id] = run->action;
      in.incident_runs.push_back(ToPrior(*run));
    }
    steps[key] = std::move(ids);
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      auto open,
      txn.ListRunsOnTargets(breach.tenant_id(),
                            std::vector<std::string>(keys.begin(), keys.end()),
                            runs::OpenStates()));
  for (const auto& r : open) in.open_runs.push_back(ToPrior(r));

  for (const auto& budget : policy.budgets) {
    RIPOSTE_ASSIGN_OR_RETURN(
        int64_t used, txn.CountAutonomousRuns(breach.tenant_id(), budget.action,
                                              ctx.now - budget.per));
    in.budget_used[budget.action] = used;
  }
  RIPOSTE_ASSIGN_OR_RETURN(auto paused, txn.GetSetting(kPausedSetting));
  in.paused = paused.has_value() && *paused == "true";

  const Decision decision = Decide(in, policy);

  JsonArrayWriter rules_json;
  for (const auto& r : decision.matched_rules) rules_json.Add(r);
  store::DecisionRow drow;
  drow.breach_id = ctx.breach_row_id;
  drow.incident_id = ctx.incident_id;
  drow.tenant_id = breach.tenant_id();
  drow.policy_version = decision.policy_version;
  drow.decided_at = ctx.now;
  drow.matched_rules = rules_json.Finish();
  drow.narrative = decision.narrative;
  RIPOSTE_ASSIGN_OR_RETURN(const int64_t decision_id, txn.InsertDecision(drow));

  JsonArrayWriter actions_json;
  std::vector<int64_t> run_ids;
  // Audited after the decision itself, so the trail reads in order.
  std::vector<audit::AuditEvent> run_events;
  for (const ProposedAction& a : decision.actions) {
    store::ActionRunRow row;
    row.decision_id = decision_id;
    row.incident_id = ctx.incident_id;
    row.tenant_id = breach.tenant_id();
    row.action = a.action;
    row.target_kind = std::string(policies::TargetKindName(a.target.kind));
    row.target_key = a.target.key;
    a.target.entity.SerializeToString(&row.target);
    RIPOSTE_RETURN_IF_ERROR(
        runs::CheckTransition(std::nullopt, a.state, runs::Actor::kDecider));
    row.state = a.state;
    row.rule = a.rule;
    row.rung = a.rung;
    row.rule_mode = std::string(policies::ModeName(a.rule_mode));
    row.autonomous = a.state == RunState::kProposed;
    row.reversible = a.reversible;
    row.duration = a.duration;
    if (a.state == RunState::kAwaitingApproval) {
      row.approval_deadline = ctx.now + a.approval_deadline;
    }
    row.on_approval_expiry =
        std::string(policies::OnApprovalExpiryName(a.on_approval_expiry));
    row.two_person = a.two_person;
    row.gates = GateList(a);
    row.idempotency_key = absl::StrCat("decision-", decision_id, "/",
                                       a.target.key, "/", a.action);
    row.created_at = ctx.now;
    row.updated_at = ctx.now;
    RIPOSTE_ASSIGN_OR_RETURN(const int64_t run_id, txn.InsertActionRun(row));
    run_ids.push_back(run_id);
    if (a.state != RunState::kSuppressed) {
      action_of[run_id] = a.action;
      std::vector<int64_t>& ids = steps[a.target.key];
      ids.push_back(run_id);
      ids = PruneSteps(ids, action_of);
      RIPOSTE_RETURN_IF_ERROR(
          txn.PutIncidentSteps(ctx.incident_id, a.target.key, ids));
    }

    JsonObjectWriter summary;
    summary.AddInt("run_id", run_id);
    summary.Add("action", a.action);
    summary.Add("target", a.target.key);
    summary.Add("state", RunStateName(row.state));
    actions_json.AddRaw(summary.Finish());

    JsonObjectWriter d;
    d.AddInt("run_id", run_id);
    d.AddInt("decision_id", decision_id);
    d.AddInt("incident_id", ctx.incident_id);
    d.Add("action", a.action);
    d.Add("target", a.target.key);
    d.Add("rule", a.rule);
    d.AddInt("rung", a.rung);
    d.Add("rule_mode", row.rule_mode);
    // Only for an action no single rule asked for (docs/POLICY.md,
    // "Several rules on one target").
    if (!a.combined_rules.empty()) {
      JsonArrayWriter combined;
      for (const auto& r : a.combined_rules) combined.Add(r);
      d.AddRaw("combines", combined.Finish());
      d.Add("mode_rule", a.mode_rule);
    }
    d.Add("gates", row.gates);
    d.AddInt("duration_s", absl::ToInt64Seconds(a.duration));
    if (a.state == RunState::kAwaitingApproval) {
      d.AddInt("approval_deadline_unix", absl::ToUnixSeconds(*row.approval_deadline));
      d.Add("on_approval_expiry", row.on_approval_expiry);
      d.AddBool("two_person", a.two_person);
    }
    audit::AuditEvent ev;
    ev.actor = "system";
    ev.event = absl::StrCat("action.", RunStateName(row.state));
    ev.subject = absl::StrCat(breach.tenant_id(), "/", a.target.key);
    ev.details = d.Finish();
    ev.policy_version = decision.policy_version;
    run_events.push_back(std::move(ev));

    for (Gate g : a.gates) {
      if (g != Gate::kBudget) continue;
      // A budget running out means many accounts at once: say so loudly.
      JsonObjectWriter bd;
      bd.Add("action", a.action);
      bd.AddInt("max", a.budget_max);
      bd.AddInt("per_s", absl::ToInt64Seconds(a.budget_per));
      bd.AddInt("run_id", run_id);
      audit::AuditEvent bev;
      bev.actor = "system";
      bev.event = "guard.budget_exhausted";
      bev.subject = breach.tenant_id();
      bev.details = bd.Finish();
      bev.policy_version = decision.policy_version;
      run_events.push_back(std::move(bev));
      log::Warn("blast-radius budget exhausted; action waits for approval",
                {{"tenant", breach.tenant_id()},
                 {"action", a.action},
                 {"max", a.budget_max},
                 {"run_id", run_id}});
    }
  }

  JsonObjectWriter d;
  d.AddInt("decision_id", decision_id);
  d.AddInt("stored_breach_id", ctx.breach_row_id);
  d.AddInt("incident_id", ctx.incident_id);
  d.AddRaw("matched_rules", drow.matched_rules);
  d.AddRaw("actions", actions_json.Finish());
  audit::AuditEvent ev;
  ev.actor = "system";
  ev.event = "decision.made";
  ev.subject = ctx.audit_subject;
  ev.details = d.Finish();
  ev.policy_version = decision.policy_version;
  RIPOSTE_RETURN_IF_ERROR(txn.AppendAudit(ev).status());
  for (const auto& e : run_events) {
    RIPOSTE_RETURN_IF_ERROR(txn.AppendAudit(e).status());
  }

  return ToProto(decision, ctx.now, decision_id, run_ids);
}

}  // namespace riposte::decide
