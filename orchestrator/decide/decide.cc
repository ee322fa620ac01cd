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
  if (in.last_observed.has_value() &&
      in.observed - *in.last_observed > rule.quiet_period) {
    req.decayed = true;
  }
  if (!req.decayed) {
    // Only activity observed after a step took effect, within the window,
    // shows that the step was not enough.
    struct Step {
      const PriorRun* run = nullptr;
      int idx = -1;
      absl::Time effect;
      Requirement::Held why = Requirement::Held::kNone;
    };
    auto later = [](const Step& a, int idx, const PriorRun& run) {
      return idx > a.idx || (idx == a.idx && a.run != nullptr && run.id > a.run->id);
    };
    Step best, held;
    for (const auto& run : in.incident_runs) {
      if (run.target_key != target.key || !CountsAsTried(run.state)) continue;
      // Watching contains nothing, so it cannot have proved insufficient:
      // only a step that acted (or, in observe mode, would have) counts.
      const ActionSpec* spec = policy.FindAction(run.action);
      if (spec == nullptr || spec->records_only) continue;
      const int idx = IndexInLadder(rule, run.action);
      const std::optional<absl::Time> effect = EffectTime(run);
      if (idx < 0 || !effect.has_value()) continue;
      Requirement::Held why = Requirement::Held::kNone;
      if (in.observed <= *effect) {
        why = Requirement::Held::kBeforeEffect;
      } else if (in.observed - *effect > rule.escalation_window) {
        why = Requirement::Held::kOutsideWindow;
      }
      Step& slot = why == Requirement::Held::kNone ? best : held;
      if (later(slot, idx, run)) slot = Step{&run, idx, *effect, why};
    }
    if (best.run != nullptr && in.corroborates.has_value()) {
      held = best;
      held.why = Requirement::Held::kCorroborates;
      best = Step{};
    }
    if (best.run != nullptr && best.idx + 1 > rung) {
      req.escalated = true;
      req.escalated_from_run = best.run->id;
      req.escalated_from_action = best.run->action;
      req.escalated_effect = best.effect;
      rung = best.idx + 1;
    } else if (best.run == nullptr && held.run != nullptr &&
               held.idx + 1 > rung) {
      req.held = held.why;
      req.held_run = held.run->id;
      req.held_action = held.run->action;
      req.held_effect = held.effect;
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

absl::Time ActivityTime(const DecideInput& in) {
  return in.corroborates.has_value()
             ? std::min(in.observed, in.corroborates->observed)
             : in.observed;
}

std::optional<absl::Time> EffectTime(const PriorRun& run) {
  if (run.effect_at.has_value()) return run.effect_at;
  if (run.state == RunState::kObserved) return run.created;
  return std::nullopt;
}

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
      // A step that took effect after this activity already contained it
      // (a logout after the login, a disable after the spam): repeating it
      // would only end what the user did since.
      const absl::Time activity = ActivityTime(in);
      const PriorRun* containing = nullptr;
      for (const auto& run : in.incident_runs) {
        if (run.target_key != pt.target.key || !CountsAsTried(run.state)) continue;
        const ActionSpec* spec = policy.FindAction(run.action);
        const std::optional<absl::Time> effect = EffectTime(run);
        if (spec == nullptr || spec->records_only || !effect.has_value() ||
            activity > *effect || !Satisfies(*spec, *chosen)) {
          continue;
        }
        if (containing == nullptr || run.id > containing->id) containing = &run;
      }
      if (containing != nullptr) {
        pa.gates.push_back(Gate::kDuplicate);
        pa.duplicate_of_run = containing->id;
        pa.duplicate_of_action = containing->action;
        pa.contained_at = *EffectTime(*containing);
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
