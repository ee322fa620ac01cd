#include "orchestrator/decide/narrative.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "orchestrator/decide/narrative_parts.h"
#include "orchestrator/entity/subject_key.h"
#include "policies/story.h"

namespace riposte::decide {
namespace {

using policies::ActionSpec;
using narrative::CreditedRequirement;
using narrative::Phrase;
using narrative::Score;
using narrative::When;
using narrative::Who;
using narrative::At;

std::string ExpiryVerb(policies::OnApprovalExpiry e) {
  switch (e) {
    case policies::OnApprovalExpiry::kReject:
      return "the proposal is dropped";
    case policies::OnApprovalExpiry::kEscalate:
      return "it goes to a second approver";
    case policies::OnApprovalExpiry::kApprove:
      return "it runs anyway";
  }
  return "the proposal is dropped";
}

bool HasGate(const ProposedAction& a, Gate g) {
  for (Gate x : a.gates) {
    if (x == g) return true;
  }
  return false;
}

std::string WhyNotWeaker(const ProposedAction& a, const Requirement& r,
                         double score, absl::Time observed,
                         const policies::Policy& policy) {
  std::string out = narrative::WeakerMisses(a, policy);
  if (!out.empty()) return out;
  if (r.escalated && r.at_top && r.escalated_from_action == r.action) {
    out = absl::StrCat("Why not weaker: ", r.action, " (run ",
                       r.escalated_from_run, ") took effect on this target at ",
                       At(r.escalated_effect), " and this activity, observed ",
                       HumanDuration(observed - r.escalated_effect),
                       " later, within the ",
                       HumanDuration(a.escalation_window),
                       " escalation window, shows it was not enough; it is "
                       "the top of the ladder, so it is applied again.");
  } else if (r.escalated) {
    out = absl::StrCat("Why not weaker: ", r.escalated_from_action, " (run ",
                       r.escalated_from_run, ") took effect on this target at ",
                       At(r.escalated_effect), " and this activity, observed ",
                       HumanDuration(observed - r.escalated_effect),
                       " later, within the ",
                       HumanDuration(a.escalation_window),
                       " escalation window, shows it was not enough, so the "
                       "next step is needed.");
  } else if (r.band_min_score >= 0 && r.band_rung > 0) {
    out = absl::StrCat("Why not weaker: a score of ", Score(score),
                       " reaches the band that starts at ", r.action,
                       " (score ", Score(r.band_min_score), " and above).");
  } else {
    out = absl::StrCat("Why not weaker: rule ", r.rule,
                       " answers every matching breach with at least ",
                       r.action, ", the bottom of its ladder.");
  }
  return out;
}

// Why an earlier step did not make this breach climb the ladder, if one
// would have.
std::string HeldBack(const DecideInput& in, const ProposedAction& a,
                     const Requirement& r) {
  const std::string step =
      absl::StrCat(r.held_action, " (run ", r.held_run, ")");
  switch (r.held) {
    case Requirement::Held::kNone:
      return "";
    case Requirement::Held::kCorroborates: {
      const Corroborated& c = *in.corroborates;
      return absl::StrCat("As a repeat of breach ", c.detector_id, "/",
                          c.breach_id, " it is not taken as the activity "
                          "going on after ", step,
                          ", so the ladder does not climb.");
    }
    case Requirement::Held::kBeforeEffect:
      return absl::StrCat(
          "This activity was observed at ", At(in.observed), ", before ",
          step, " took effect at ", At(r.held_effect),
          ", so it is no evidence that the step failed: it joins the "
          "incident without climbing the ladder.");
    case Requirement::Held::kOutsideWindow:
      return absl::StrCat(
          step, " took effect at ", At(r.held_effect),
          "; this activity was observed ",
          HumanDuration(in.observed - r.held_effect),
          " later, outside the ", HumanDuration(a.escalation_window),
          " escalation window, so it does not climb the ladder.");
  }
  return "";
}

// For a watched target: the lowest band of any rule here that starts
// higher, if any.
const Requirement* NearestBand(const ProposedAction& a) {
  const Requirement* best = nullptr;
  for (const auto& r : a.requirements) {
    if (r.next_band_min_score >= 0 &&
        (best == nullptr || r.next_band_min_score < best->next_band_min_score)) {
      best = &r;
    }
  }
  return best;
}

std::string WhyNotStronger(const ProposedAction& a, const Requirement& r,
                           const ActionSpec& chosen, double score,
                           const policies::Policy& policy) {
  if (chosen.records_only) {
    if (const Requirement* band = NearestBand(a)) {
      return absl::StrCat("Why not stronger: a score of ", Score(score),
                          " is below ", Score(band->next_band_min_score),
                          ", where rule ", band->rule, " starts acting, at ",
                          band->next_band_action, ".");
    }
    if (a.next_action.empty()) {
      return absl::StrCat("Why not stronger: rule ", r.rule,
                          " only watches this model.");
    }
    return absl::StrCat("Why not stronger: rule ", r.rule,
                        " watches at any score; no band starts it higher.");
  }
  std::string out = "Why not stronger: ";
  const std::string also = narrative::AlsoCovers(a, policy);
  if (!also.empty()) absl::StrAppend(&out, also, "; ");
  if (a.next_action.empty()) {
    absl::StrAppend(&out, a.action, " is the strongest step rule ", a.rule,
                    " allows");
    if (r.at_top) {
      out += ", and the activity has gone on despite the earlier steps";
    }
    return out + ".";
  }
  return absl::StrCat(out, a.next_action,
                      " is held back until the activity goes on after this "
                      "step.");
}

std::string Expiry(const ProposedAction& a, const ActionSpec& spec,
                   absl::Time now) {
  if (spec.records_only) return "";
  if (spec.reversible && !a.reversible) {
    return "Riposte cannot undo it here: the adapter that carries it out has "
           "no way back (a mail gateway's remediation is restored by an "
           "administrator in the gateway's console), so it has no expiry.";
  }
  if (!spec.reversible) {
    if (a.action == "strip_attachment") {
      return "It cannot be undone; Riposte keeps a record of what it removed.";
    }
    return "It takes effect at once and leaves nothing to undo.";
  }
  if (a.duration <= absl::ZeroDuration()) {
    return absl::StrCat("It stays until an operator reverts it (", 
                        spec.reverse_description, ").");
  }
  const std::string from =
      a.state == RunState::kProposed ? When(now + a.duration)
                                     : "approval";
  if (a.state == RunState::kProposed) {
    return absl::StrCat("It lasts ", HumanDuration(a.duration), ", until ",
                        from, "; then Riposte will ", spec.reverse_description,
                        " unless an operator extends it or makes it "
                        "permanent.");
  }
  return absl::StrCat("Once carried out it lasts ", HumanDuration(a.duration),
                      "; then Riposte will ", spec.reverse_description,
                      " unless an operator extends it or makes it permanent.");
}

// For an action recorded in observe mode: what it would have done.
std::string WouldHaveLasted(const ProposedAction& a, const ActionSpec& spec) {
  if (!spec.reversible || !a.reversible) {
    return "Had it run, it could not have been undone.";
  }
  if (a.duration <= absl::ZeroDuration()) {
    return "Had it run, it would have lasted until an operator reverted it.";
  }
  return absl::StrCat("Had it run, it would have lasted ",
                      HumanDuration(a.duration), "; then Riposte would ",
                      spec.reverse_description, ".");
}

std::string Next(const DecideInput& in, const ProposedAction& a,
                 const ActionSpec& chosen, const policies::Policy& policy) {
  if (chosen.records_only) {
    if (const Requirement* band = NearestBand(a)) {
      return absl::StrCat("Next: a matching breach scoring ",
                          Score(band->next_band_min_score),
                          " or more would start at ", band->next_band_action,
                          ".");
    }
    return narrative::WhoWouldAct(in, a, policy);
  }
  if (a.next_action.empty()) {
    // With several rules, say whose ladder.
    return absl::StrCat("Next: this is the top of ",
                        a.requirements.size() > 1
                            ? absl::StrCat("rule ", a.rule, "'s ladder")
                            : std::string("the ladder"),
                        "; further breaches are recorded for the operators.");
  }
  return absl::StrCat("Next: matching activity observed within ",
                      HumanDuration(a.escalation_window),
                      " after this step takes effect would escalate to ",
                      a.next_action, ".");
}

std::string ActionParagraph(const DecideInput& in, const ProposedAction& a,
                            const policies::Policy& policy, const Who& who) {
  if (a.state == RunState::kSuppressed) {
    return narrative::SuppressedParagraph(in, a, who);
  }
  const ActionSpec* spec = policy.FindAction(a.action);
  const Requirement* req = CreditedRequirement(a);
  if (spec == nullptr || req == nullptr) return "";
  std::vector<std::string> s;
  // Names the credited rule where another rule's mode applies.
  const std::string credited =
      a.mode_rule == a.rule ? "" : absl::StrCat(" (rule ", a.rule, ")");

  if (a.state == RunState::kObserved) {
    if (spec->records_only) {
      s.push_back(absl::StrCat("Riposte only observes ", who.name, " (rule ",
                               a.rule, "): it records the breach and changes "
                               "nothing."));
    } else {
      s.push_back(absl::StrCat("Riposte records that it would ",
                               Phrase(a.action, who.name), credited, ", but rule ",
                               a.mode_rule,
                               " is in observe mode, so nothing is touched."));
    }
  } else if (a.state == RunState::kProposed) {
    s.push_back(absl::StrCat("Riposte will ", Phrase(a.action, who.name),
                             " now, autonomously (rule ", a.rule, ")."));
  } else {
    std::string why;
    if (HasGate(a, Gate::kPaused)) {
      why = "autonomy is paused (global kill switch)";
    } else if (HasGate(a, Gate::kBudget)) {
      why = absl::StrCat("the blast-radius budget of ", a.budget_max, " ",
                         a.action, " per ", HumanDuration(a.budget_per),
                         " in this tenant is used up");
    } else if (HasGate(a, Gate::kCap)) {
      why = absl::StrCat(who.name, " ", who.Is(), " in group ", a.capped_by_group,
                         ", where nothing stronger than ", a.cap_action,
                         " runs without confirmation");
    } else {
      why = absl::StrCat("rule ", a.mode_rule, " asks for confirmation");
    }
    s.push_back(absl::StrCat(
        "Riposte proposes to ", Phrase(a.action, who.name), " (rule ", a.rule,
        ") and waits for an operator because ", why, ". If nobody decides "
        "within ", HumanDuration(a.approval_deadline), ", ",
        ExpiryVerb(a.on_approval_expiry), "."));
    if (a.two_person) {
      s.push_back("Two different operators must approve it.");
    }
  }
  const std::string combination = narrative::Combination(a);
  if (!combination.empty()) s.push_back(combination);
  if (req->decayed) {
    s.push_back("The incident had been quiet long enough that earlier "
                "steps no longer count.");
  }
  std::string held = HeldBack(in, a, *req);
  if (!held.empty()) s.push_back(std::move(held));
  // Nothing is weaker than watching.
  if (!spec->records_only) {
    s.push_back(WhyNotWeaker(a, *req, in.breach->score(), in.observed, policy));
  }
  s.push_back(WhyNotStronger(a, *req, *spec, in.breach->score(), policy));
  if (a.state == RunState::kObserved) {
    if (!spec->records_only) s.push_back(WouldHaveLasted(a, *spec));
  } else {
    std::string e = Expiry(a, *spec, in.now);
    if (!e.empty()) s.push_back(e);
  }
  s.push_back(Next(in, a, *spec, policy));
  return absl::StrJoin(s, " ");
}

// The actions of a decision in paragraphs: actions whose paragraphs read
// the same but for their target (and the runs they defer to) share one,
// placed where the first of them stands.
std::vector<std::string> ActionParagraphs(const DecideInput& in,
                                          const Decision& decision,
                                          const policies::Policy& policy) {
  // Rendered about placeholders, a paragraph is its outcome's key.
  const Who placeholder{"\x01", false, "\x02"};
  absl::flat_hash_map<std::string, size_t> group_of;
  std::vector<std::vector<const ProposedAction*>> groups;
  for (const ProposedAction& a : decision.actions) {
    std::string key = absl::StrCat(policies::TargetKindName(a.target.kind), "\n",
                                   ActionParagraph(in, a, policy, placeholder));
    auto [it, fresh] = group_of.emplace(std::move(key), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(&a);
  }
  std::vector<std::string> out;
  for (const auto& group : groups) {
    out.push_back(ActionParagraph(in, *group.front(), policy,
                                  narrative::SeveralTargets(group)));
  }
  return out;
}

}  // namespace

std::string HumanDuration(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return "0s";
  const int64_t minutes = absl::ToInt64Minutes(d);
  if (d == absl::Minutes(minutes)) {
    if (minutes % (24 * 60) == 0) return absl::StrCat(minutes / (24 * 60), "d");
    if (minutes % 60 == 0) return absl::StrCat(minutes / 60, "h");
    if (minutes > 60) return absl::StrCat(minutes / 60, "h", minutes % 60, "m");
    return absl::StrCat(minutes, "m");
  }
  return absl::FormatDuration(d);
}

std::string WriteNarrative(const DecideInput& in, const Decision& decision,
                           const policies::Policy& policy) {
  const v1::Breach& b = *in.breach;
  std::vector<std::string> paragraphs;
  // What happened comes first, when the policy has a story for the model.
  const std::string story = policies::TellStory(policy, b);
  paragraphs.push_back(absl::StrCat(
      story.empty() ? "" : story + " ",
      "Detector ", b.detector_id(), " reported \"", b.model_name(),
      "\" (score ", Score(b.score()), ") for ",
      entity::DisplayName(b.subject()), " in tenant ", b.tenant_id(),
      "; breach ", in.prior_breaches + 1, " of incident ",
      in.incident_id, "."));
  if (decision.matched_rules.empty()) {
    absl::StrAppend(&paragraphs.back(),
                    " No policy rule matches this model, score and subject, "
                    "so Riposte takes no action and keeps the breach on "
                    "record. ",
                    narrative::NoRuleMatches(in, policy));
  } else if (decision.actions.empty()) {
    absl::StrAppend(&paragraphs.back(), " ",
                    narrative::NoTargets(in, decision, policy));
  }
  if (in.corroborates.has_value()) {
    const Corroborated& c = *in.corroborates;
    const absl::Duration apart = absl::AbsDuration(in.observed - c.observed);
    paragraphs.push_back(absl::StrCat(
        "It reports the same activity as breach ", c.detector_id, "/",
        c.breach_id, " (\"", c.model_name, "\", family ", c.family,
        ", observed ", apart == absl::ZeroDuration() ? "at the same moment"
                                                     : HumanDuration(apart) + " apart",
        "): Riposte counts one event, and this report corroborates it."));
  }
  for (std::string& p : ActionParagraphs(in, decision, policy)) {
    paragraphs.push_back(std::move(p));
  }
  return absl::StrJoin(paragraphs, "\n\n");
}

}  // namespace riposte::decide
