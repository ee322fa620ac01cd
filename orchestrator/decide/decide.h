#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_DECIDE_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_DECIDE_H_

// Decide: the pure heart of Riposte. Given a breach, what already happened
// in its incident and on its targets, the guards' state, a policy snapshot
// and the time, it returns the least aggressive actions that neutralise the
// threat and a narrative explaining them. No I/O, no clock, no randomness:
// the same input always gives the same decision, so decisions can be unit
// tested, replayed and simulated.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runs/lifecycle.h"
#include "policies/policy.h"
#include "riposte/v1/breach.pb.h"

namespace riposte::decide {

// The lifecycle's types, as decisions use them.
using runs::IsOpen;
using runs::ParseRunState;
using runs::RunState;
using runs::RunStateName;

// What an action is aimed at.
struct Target {
  policies::TargetKind kind = policies::TargetKind::kUser;
  // Stable key (the intake's SubjectKey): "user:alice@contoso.com",
  // "email:bob@contoso.com/<id@host>".
  std::string key;
  // For people: "alice@contoso.com", "message <id@host> in bob@contoso.com".
  std::string display;
  v1::Entity entity;
};

// An action run recorded earlier.
struct PriorRun {
  int64_t id = 0;
  int64_t incident_id = 0;
  std::string action;
  std::string target_key;
  std::string rule;
  RunState state = RunState::kProposed;
  absl::Time created;
  // When its effect was made (unset: not yet, or never).
  std::optional<absl::Time> effect_at;
  // For an active run: when Riposte undoes it (InfiniteFuture: only an
  // operator does); unset when not known or not active.
  std::optional<absl::Time> expires;
};

// When a prior run took effect, the moment later activity is measured
// from: its effect time, or for a run that only records (observe mode)
// the moment it was decided. Unset while it has not taken effect (waiting,
// queued, running, failed, turned down).
std::optional<absl::Time> EffectTime(const PriorRun& run);

// When the breach's activity happened: its observed time, or, when it
// repeats an earlier report, that report's if earlier.
absl::Time ActivityTime(const struct DecideInput& in);

// The earlier report of the same activity that a breach repeats.
struct Corroborated {
  int64_t stored_id = 0;
  std::string detector_id;
  std::string breach_id;
  std::string model_name;
  std::string family;
  absl::Time observed;
};

// Whether Riposte can undo `action` on `target` in `tenant` through the
// adapter the tenant routes it to (a gateway remediation cannot be undone,
// whatever the action catalog says). Deterministic; unset = the catalog.
using UndoCheck = std::function<bool(absl::string_view tenant, absl::string_view action,
                                     const v1::Entity& target)>;

struct DecideInput {
  const v1::Breach* breach = nullptr;
  int64_t incident_id = 0;
  // When the breach was observed (its observed_time, or the receive time).
  // Windows about activity (correlation, escalation, quiet period) are
  // measured on observed times and effect times.
  absl::Time observed;
  // The decision time (when Riposte received the breach): windows about
  // Riposte's own actions (budgets, approval deadlines, expiry) run from
  // it.
  absl::Time now;
  // How many breaches the incident held before this one, and the latest
  // observed time among them (unset for a new incident).
  int64_t prior_breaches = 0;
  std::optional<absl::Time> last_observed;
  // This incident's earlier steps on the breach's targets: the runs its
  // decisions made there that were not suppressed (the intake keeps a
  // bounded list per target), any state.
  std::vector<PriorRun> incident_runs;
  // Set when this breach repeats an earlier report of the same activity.
  std::optional<Corroborated> corroborates;
  // Open runs (IsOpen) on any target of this breach, from any incident.
  std::vector<PriorRun> open_runs;
  // Autonomous runs per action name in this breach's tenant within each
  // budget's window (only actions with a budget need an entry).
  absl::flat_hash_map<std::string, int64_t> budget_used;
  // Global pause (kill switch): no autonomy at all.
  bool paused = false;
  // Where the catalog calls an action reversible, whether it is here.
  UndoCheck can_undo;
};

// What turned an action from the rule's mode, in precedence order.
enum class Gate {
  kPaused,      // global pause: confirmation instead of autonomy
  kExcluded,    // target in an excluded group: suppressed
  kBudget,      // blast-radius budget exhausted: confirmation
  kDuplicate,   // an equal or stronger action already open: suppressed
  kCap,         // above the target's cap: confirmation
};
absl::string_view GateName(Gate gate);

// Why a rule asks for the rung it asks for.
struct Requirement {
  std::string rule;
  int rung = 0;  // index into the rule's ladder
  std::string action;
  int band_rung = 0;        // where the score band starts
  double band_min_score = -1;  // the band's threshold; -1 if none
  bool escalated = false;   // an earlier step of this ladder did not stop it
  int64_t escalated_from_run = 0;
  std::string escalated_from_action;
  bool decayed = false;     // quiet period passed: earlier steps ignored
  bool at_top = false;      // the escalation wanted more than the ladder has
  // When the step escalated from took effect.
  absl::Time escalated_effect;
  // Why an earlier step of this ladder on the target did not make this
  // breach escalate, when one exists.
  enum class Held {
    kNone,
    kCorroborates,    // the breach repeats an earlier report
    kBeforeEffect,    // observed before the step took effect
    kOutsideWindow,   // observed after the escalation window had passed
  };
  Held held = Held::kNone;
  int64_t held_run = 0;
  std::string held_action;
  absl::Time held_effect;
  // The first band above the score that starts higher, if any.
  double next_band_min_score = -1;
  std::string next_band_action;
};

struct ProposedAction {
  std::string action;
  Target target;
  // kProposed (will run autonomously), kAwaitingApproval, kObserved or
  // kSuppressed.
  RunState state = RunState::kProposed;
  // The mode that applies: mode_rule's.
  policies::Mode rule_mode = policies::Mode::kConfirm;
  // The rule credited with the action (see choose.h): its ladder holds it,
  // rung is its index there, and its duration, approval settings and ladder
  // drive it.
  std::string rule;
  int rung = 0;
  // Every rule whose ladder holds the action: `rule` first, then policy
  // order.
  std::vector<std::string> credited_rules;
  // When no rule asked for exactly this action: the rules whose
  // requirements it combines, in policy order. Empty otherwise.
  std::vector<std::string> combined_rules;
  // When no action on the matching ladders satisfies every requirement:
  // the rules whose requirement this one (the strongest required) misses.
  std::vector<std::string> unmet_rules;
  // The rule whose mode applies: `rule`, or when the action combines
  // requirements, the most cautious of `rule` and the combined rules.
  std::string mode_rule;
  // Every rule that asked for something on this target, in policy order.
  std::vector<Requirement> requirements;
  // What the choice was made among: the actions on those rules' ladders
  // that apply to the target, least aggressive first.
  std::vector<std::string> candidates;
  // Whether Riposte can undo it: the catalog's word, unless the tenant's
  // adapter for it cannot (DecideInput::can_undo).
  bool reversible = false;
  // For reversible actions, how long until it is undone; zero = until an
  // operator reverts it (or not reversible at all).
  absl::Duration duration = absl::ZeroDuration();
  absl::Duration approval_deadline = absl::ZeroDuration();
  policies::OnApprovalExpiry on_approval_expiry =
      policies::OnApprovalExpiry::kReject;
  bool two_person = false;
  std::vector<Gate> gates;
  // Details for the gates: the exclusion reason, the blocking run, ...
  std::string excluded_by_group;
  std::string exclusion_reason;
  int64_t duplicate_of_run = 0;
  std::string duplicate_of_action;
  // Set when that run is no longer open but took effect after this
  // activity was observed, so it already contained it.
  std::optional<absl::Time> contained_at;
  std::string capped_by_group;
  std::string cap_action;
  int64_t budget_max = 0;
  absl::Duration budget_per = absl::ZeroDuration();
  // The first rung of the credited ladder above `rung` that is more
  // aggressive than the action; "" at the top.
  std::string next_action;
  absl::Duration escalation_window = absl::ZeroDuration();
};

struct Decision {
  std::string policy_version;
  // Rules whose conditions all held, in policy order.
  std::vector<std::string> matched_rules;
  std::vector<ProposedAction> actions;
  std::string narrative;
};

// Decides for `input` under `policy`. Deterministic.
Decision Decide(const DecideInput& input, const policies::Policy& policy);

// The targets a rule acts on for this breach (its subject, or its related
// emails), as the intake keys them. A rule that names no subject kind (it
// only observes) acts on the subject, whatever its kind.
std::vector<Target> TargetsOf(const v1::Breach& breach,
                              const policies::Rule& rule);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_DECIDE_H_
