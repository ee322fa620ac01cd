#include "orchestrator/decide/decide.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "orchestrator/decide/choose.h"
#include "orchestrator/decide/match.h"
#include "orchestrator/decide/narrative.h"
#include "orchestrator/entity/subject_key.h"

namespace riposte::decide {
namespace {

using policies::ActionSpec;
using policies::Mode;
using policies::Policy;
using policies::Rule;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

int IndexInLadder(const Rule& rule, const std::string& action) {
  for (int i = 0; i < static_cast<int>(rule.ladder.size()); ++i) {
    if (rule.ladder[i] == action) return i;
  }
  return -1;
}

// Whether a run counts as an earlier step that was tried (or, observed,
// would have been): not one still waiting for an operator, turned down, or
// never started.
bool CountsAsTried(RunState s) {
  return s != RunState::kAwaitingApproval && s != RunState::kRejected &&
         s != RunState::kApprovalExpired && s != RunState::kSuppressed;
}

Requirement Require(const Rule& rule, const Target& target,
                    const DecideInput& in, const Policy& policy) {
  Requirement req;
  req.rule = rule.name;
  const double score = in.breach->score();
  for (const auto& band : rule.bands) {
    if (score >= band.min_score) {
      req.band_rung = band.start;
      req.band_min_score = band.min_score;
    } else if (req.next_band_min_score < 0 && band.start > req.band_rung) {
      req.next_band_min_score = band.min_score;
      req.next_band_action = rule.ladder[band.start];
    }
  }
  int rung = req.band_rung;

  // Decay: a long enough quiet spell before this breach wipes the slate.
  if (!in.incident_breaches.empty()) {
    absl::Time last = in.incident_breaches.front().observed;
    for (const auto& b : in.incident_breaches) last = std::max(last, b.observed);
    if (in.observed - last > rule.quiet_period) req.decayed = true;
  }
  if (!req.decayed) {
    int prior = -1;
    const PriorRun* prior_run = nullptr;
    for (const auto& run : in.incident_runs) {
      if (run.target_key != target.key || !CountsAsTried(run.state)) continue;
      // Watching contains nothing, so it cannot have proved insufficient:
      // only a step that acted (or, in observe mode, would have) counts.
      const ActionSpec* spec = policy.FindAction(run.action);
      if (spec == nullptr || spec->records_only) continue;
      if (run.created < in.now - rule.escalation_window) continue;
      const int idx = IndexInLadder(rule, run.action);
      if (idx > prior || (idx == prior && prior_run != nullptr &&
                          run.id > prior_run->id)) {
        prior = idx;
        prior_run = &run;
      }
    }
    if (prior >= 0 && prior + 1 > rung) {
      req.escalated = true;
      req.escalated_from_run = prior_run->id;
      req.escalated_from_action = prior_run->action;
      rung = prior + 1;
    }
  }
  const int top = static_cast<int>(rule.ladder.size()) - 1;
  if (rung > top) {
    req.at_top = true;
    rung = top;
  }
  req.rung = rung;
  req.action = rule.ladder[rung];
  return req;
}

struct PerTarget {
  Target target;
  std::vector<RuleRequirement> reqs;
};

// The kind of an entity, as actions see it.
std::optional<policies::TargetKind> KindOf(const v1::Entity& e) {
  switch (e.kind_case()) {
    case v1::Entity::kUser:
      return policies::TargetKind::kUser;
    case v1::Entity::kEmail:
      return policies::TargetKind::kEmail;
    case v1::Entity::kDevice:
      return policies::TargetKind::kDevice;
    case v1::Entity::kIp:
      return policies::TargetKind::kIp;
    case v1::Entity::KIND_NOT_SET:
      break;
  }
  return std::nullopt;
}

}  // namespace

absl::string_view GateName(Gate gate) {
  switch (gate) {
    case Gate::kPaused:
      return "paused";
    case Gate::kExcluded:
      return "excluded";
    case Gate::kBudget:
      return "budget";
    case Gate::kDuplicate:
      return "duplicate";
    case Gate::kCap:
      return "cap";
  }
  return "unknown";
}

std::vector<Target> TargetsOf(const v1::Breach& breach, const Rule& rule) {
  std::vector<Target> out;
  auto add = [&](const v1::Entity& e, policies::TargetKind kind) {
    Target t;
    t.kind = kind;
    t.key = entity::SubjectKey(e);
    t.display = entity::DisplayName(e);
    t.entity = e;
    for (const auto& existing : out) {
      if (existing.key == t.key) return;
    }
    out.push_back(std::move(t));
  };
  if (rule.target == policies::RuleTarget::kSubject) {
    const auto& s = breach.subject();
    const std::optional<policies::TargetKind> kind = KindOf(s);
    if (kind.has_value() &&
        (!rule.target_kind.has_value() || rule.target_kind == kind)) {
      add(s, *kind);
    }
  } else {
    for (const auto& e : breach.related_entities()) {
      if (e.has_email()) add(e, policies::TargetKind::kEmail);
    }
  }
  return out;
}

Decision Decide(const DecideInput& in, const Policy& policy) {
  Decision decision;
  decision.policy_version = policy.version;
  const v1::Breach& breach = *in.breach;
  const std::vector<std::string> subject_groups =
      policy.GroupsOf(breach.subject());

  std::vector<const Rule*> matched;
  for (const Rule* rule : policy.CandidateRules(breach.model_name())) {
    if (Mismatches(*rule, breach, subject_groups).empty()) {
      matched.push_back(rule);
      decision.matched_rules.push_back(rule->name);
    }
  }

  // Each rule's requirement on each of its targets, grouped by target in
  // first-seen order.
  std::vector<PerTarget> targets;
  for (const Rule* rule : matched) {
    for (Target& t : TargetsOf(breach, *rule)) {
      auto it = std::find_if(targets.begin(), targets.end(),
                             [&](const PerTarget& p) { return p.target.key == t.key; });
      if (it == targets.end()) {
        targets.push_back(PerTarget{std::move(t), {}});
        it = targets.end() - 1;
      }
      it->reqs.push_back({rule, Require(*rule, it->target, in, policy)});
    }
  }

  absl::flat_hash_map<std::string, int64_t> budget_used = in.budget_used;
  for (const PerTarget& pt : targets) {
    const Choice choice = Choose(pt.reqs, pt.target.kind, policy);
    const ActionSpec* chosen = choice.action;
    const Rule* credited = pt.reqs[choice.credited].rule;
    const Rule* mode_rule = pt.reqs[choice.mode_from].rule;

    ProposedAction pa;
    pa.action = chosen->name;
    pa.target = pt.target;
    pa.rule_mode = mode_rule->mode;
    pa.mode_rule = mode_rule->name;
    pa.rule = credited->name;
    pa.rung = std::max(0, IndexInLadder(*credited, chosen->name));
    for (int i : choice.credited_all) pa.credited_rules.push_back(pt.reqs[i].rule->name);
    for (int i : choice.combined) pa.combined_rules.push_back(pt.reqs[i].rule->name);
    for (int i : choice.unmet) pa.unmet_rules.push_back(pt.reqs[i].rule->name);
    for (const auto& r : pt.reqs) pa.requirements.push_back(r.req);
    for (const ActionSpec* c : choice.candidates) pa.candidates.push_back(c->name);
    pa.escalation_window = credited->escalation_window;
    for (size_t i = pa.rung + 1; i < credited->ladder.size(); ++i) {
      const ActionSpec* above = policy.FindAction(credited->ladder[i]);
      if (above != nullptr && above->aggression > chosen->aggression) {
        pa.next_action = above->name;
        break;
      }
    }
    pa.reversible = chosen->reversible &&
                    (!in.can_undo ||
                     in.can_undo(breach.tenant_id(), chosen->name, pt.target.entity));
    if (pa.reversible) {
      pa.duration = credited->duration.value_or(chosen->default_duration);
    }
    pa.approval_deadline = credited->approval_deadline;
    pa.on_approval_expiry = credited->on_approval_expiry;
    const std::vector<std::string> target_groups =
        policy.GroupsOf(pt.target.entity);
    for (const auto& tp : policy.two_person) {
      if (tp.action == chosen->name &&
          (tp.group.empty() || Contains(target_groups, tp.group))) {
        pa.two_person = true;
      }
    }

    // Gates, strongest first. Suppressions end the story.
    for (const auto& ex : policy.exclusions) {
      if (Contains(target_groups, ex.group) ||
          (pt.target.kind == policies::TargetKind::kUser &&
           Contains(subject_groups, ex.group) &&
           pt.target.key == entity::SubjectKey(breach.subject()))) {
        pa.gates.push_back(Gate::kExcluded);
        pa.excluded_by_group = ex.group;
        pa.exclusion_reason = ex.reason;
        pa.state = RunState::kSuppressed;
        break;
      }
    }
    if (pa.state != RunState::kSuppressed) {
      const PriorRun* blocking = nullptr;
      for (const auto& run : in.open_runs) {
        if (run.target_key != pt.target.key || !IsOpen(run.state)) continue;
        const ActionSpec* spec = policy.FindAction(run.action);
        if (spec == nullptr) continue;
        if (Satisfies(*spec, *chosen) &&
            (blocking == nullptr || run.id < blocking->id)) {
          blocking = &run;
        }
      }
      if (blocking != nullptr) {
        pa.gates.push_back(Gate::kDuplicate);
        pa.duplicate_of_run = blocking->id;
        pa.duplicate_of_action = blocking->action;
        pa.state = RunState::kSuppressed;
      }
    }
    if (pa.state != RunState::kSuppressed) {
      if (chosen->records_only || pa.rule_mode == Mode::kObserve) {
        pa.state = RunState::kObserved;
      } else {
        bool autonomous = pa.rule_mode == Mode::kAutonomous;
        for (const auto& cap : policy.caps) {
          if (!Contains(target_groups, cap.group)) continue;
          const ActionSpec* limit = policy.FindAction(cap.max_autonomous);
          if (limit != nullptr && chosen->aggression > limit->aggression) {
            if (autonomous) pa.gates.push_back(Gate::kCap);
            pa.capped_by_group = cap.group;
            pa.cap_action = cap.max_autonomous;
            autonomous = false;
            break;
          }
        }
        if (autonomous && in.paused) {
          pa.gates.push_back(Gate::kPaused);
          autonomous = false;
        }
        if (autonomous) {
          for (const auto& budget : policy.budgets) {
            if (budget.action != chosen->name) continue;
            int64_t& used = budget_used[budget.action];
            if (used >= budget.max) {
              pa.gates.push_back(Gate::kBudget);
              pa.budget_max = budget.max;
              pa.budget_per = budget.per;
              autonomous = false;
            } else {
              ++used;
            }
            break;
          }
        }
        pa.state = autonomous ? RunState::kProposed
                              : RunState::kAwaitingApproval;
      }
    }
    // Gates read best in precedence order.
    std::sort(pa.gates.begin(), pa.gates.end());
    decision.actions.push_back(std::move(pa));
  }
  decision.narrative = WriteNarrative(in, decision, policy);
  return decision;
}

}  // namespace riposte::decide
