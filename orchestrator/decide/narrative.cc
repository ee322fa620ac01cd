#include "orchestrator/decide/narrative.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "orchestrator/entity/subject_key.h"
#include "policies/story.h"

namespace riposte::decide {
namespace {

using policies::ActionSpec;

std::string Score(double score) { return absl::StrFormat("%g", score); }

std::string When(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

// To the second, where a sentence compares two moments.
std::string At(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

// "sign alice@contoso.com out of every session".
std::string Phrase(const std::string& action, const std::string& target) {
  if (action == "force_logout") {
    return absl::StrCat("sign ", target, " out of every session");
  }
  if (action == "disable_user") {
    return absl::StrCat("disable the account ", target);
  }
  if (action == "quarantine_email") return absl::StrCat("quarantine ", target);
  if (action == "strip_attachment") {
    return absl::StrCat("strip the attachments of ", target);
  }
  if (action == "move_to_junk") {
    return absl::StrCat("move ", target, " to the Junk folder");
  }
  if (action == "observe") return absl::StrCat("watch ", target);
  return absl::StrCat("run ", action, " on ", target);
}

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

const Requirement* DrivingRequirement(const ProposedAction& a) {
  for (const auto& r : a.requirements) {
    if (r.rule == a.rule) return &r;
  }
  return a.requirements.empty() ? nullptr : &a.requirements.front();
}

std::string WhyNotWeaker(const ProposedAction& a, const Requirement& r,
                         double score, absl::Time observed,
                         const ActionSpec& chosen) {
  std::string out;
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
    out = "Why not weaker: it is the least aggressive step rule " + r.rule +
          " allows.";
  }
  if (a.requirements.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& q : a.requirements) {
      parts.push_back(absl::StrCat(q.rule, " asks for ", q.action));
    }
    absl::StrAppend(&out, " Several rules apply here (",
                    absl::StrJoin(parts, "; "), "); ", chosen.name,
                    " is the least aggressive action that satisfies all of "
                    "them.");
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

std::string WhyNotStronger(const ProposedAction& a, const Requirement& r,
                           const ActionSpec& chosen, double score) {
  if (chosen.records_only) {
    if (r.next_band_min_score >= 0) {
      return absl::StrCat("Why not stronger: a score of ", Score(score),
                          " is below ", Score(r.next_band_min_score),
                          ", where rule ", r.rule, " starts at ",
                          r.next_band_action, ".");
    }
    return absl::StrCat("Why not stronger: rule ", r.rule,
                        " only watches at this score.");
  }
  if (a.next_action.empty()) {
    if (r.at_top) {
      return absl::StrCat("Why not stronger: ", a.action,
                          " is the strongest step rule ", a.rule,
                          " allows, and the activity has gone on despite the "
                          "earlier steps.");
    }
    return absl::StrCat("Why not stronger: ", a.action,
                        " is the strongest step rule ", a.rule, " allows.");
  }
  return absl::StrCat("Why not stronger: ", a.next_action,
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

std::string Next(const ProposedAction& a, const Requirement* r,
                 const ActionSpec* chosen) {
  if (chosen != nullptr && chosen->records_only) {
    if (r != nullptr && r->next_band_min_score >= 0) {
      return absl::StrCat("Next: a matching breach scoring ",
                          Score(r->next_band_min_score),
                          " or more would start at ", r->next_band_action,
                          "; other rules may act on what follows.");
    }
    return "Next: Riposte keeps watching; other rules may act on what "
           "follows.";
  }
  if (a.next_action.empty()) {
    return "Next: this is the top of the ladder; further breaches are "
           "recorded for the operators.";
  }
  return absl::StrCat("Next: another matching breach within ",
                      HumanDuration(a.escalation_window),
                      " would escalate to ", a.next_action, ".");
}

std::string ActionParagraph(const DecideInput& in, const ProposedAction& a,
                            const policies::Policy& policy) {
  const ActionSpec* spec = policy.FindAction(a.action);
  const Requirement* req = DrivingRequirement(a);
  const std::string& who = a.target.display;
  std::vector<std::string> s;

  if (a.state == RunState::kSuppressed) {
    if (HasGate(a, Gate::kExcluded)) {
      s.push_back(absl::StrCat(
          "Riposte does not act on ", who, ": it is in group ",
          a.excluded_by_group, ", which is excluded",
          a.exclusion_reason.empty() ? "" : " (" + a.exclusion_reason + ")",
          ". Rule ", a.rule, " would otherwise ", Phrase(a.action, who), "."));
    } else if (a.contained_at.has_value()) {
      s.push_back(absl::StrCat(
          "Nothing new for ", who, ": ", a.duplicate_of_action, " (run ",
          a.duplicate_of_run, ") took effect at ", At(*a.contained_at),
          ", after this activity was observed (", At(in.observed),
          "), so it already contained it; repeating it would only end what "
          "happened since."));
    } else {
      s.push_back(absl::StrCat(
          "Nothing new for ", who, ": ", a.duplicate_of_action, " (run ",
          a.duplicate_of_run, ") is already in effect or under way, and it "
          "covers ", a.action, ", which rule ", a.rule, " asks for."));
    }
    if (req != nullptr && req->decayed) {
      s.push_back("The incident had been quiet long enough that earlier "
                  "steps no longer count.");
    }
    return absl::StrJoin(s, " ");
  }

  if (a.state == RunState::kObserved) {
    if (spec != nullptr && spec->records_only) {
      s.push_back(absl::StrCat("Riposte only observes ", who, " (rule ",
                               a.rule, "): it records the breach and changes "
                               "nothing."));
    } else {
      s.push_back(absl::StrCat("Riposte records that it would ",
                               Phrase(a.action, who), ", but rule ", a.rule,
                               " is in observe mode, so nothing is touched."));
    }
  } else if (a.state == RunState::kProposed) {
    s.push_back(absl::StrCat("Riposte will ", Phrase(a.action, who),
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
      why = absl::StrCat(who, " is in group ", a.capped_by_group,
                         ", where nothing stronger than ", a.cap_action,
                         " runs without confirmation");
    } else {
      why = "the rule asks for confirmation";
    }
    s.push_back(absl::StrCat(
        "Riposte proposes to ", Phrase(a.action, who), " (rule ", a.rule,
        ") and waits for an operator because ", why, ". If nobody decides "
        "within ", HumanDuration(a.approval_deadline), ", ",
        ExpiryVerb(a.on_approval_expiry), "."));
    if (a.two_person) {
      s.push_back("Two different operators must approve it.");
    }
  }
  if (req != nullptr) {
    if (req->decayed) {
      s.push_back("The incident had been quiet long enough that earlier "
                  "steps no longer count.");
    }
    std::string held = HeldBack(in, a, *req);
    if (!held.empty()) s.push_back(std::move(held));
    if (spec != nullptr) {
      s.push_back(WhyNotWeaker(a, *req, in.breach->score(), in.observed, *spec));
    }
    if (spec != nullptr) {
      s.push_back(WhyNotStronger(a, *req, *spec, in.breach->score()));
    }
  }
  if (spec != nullptr && a.state != RunState::kObserved) {
    std::string e = Expiry(a, *spec, in.now);
    if (!e.empty()) s.push_back(e);
  }
  s.push_back(Next(a, req, spec));
  return absl::StrJoin(s, " ");
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
    paragraphs.back() +=
        " No policy rule matches this model, score and subject, so Riposte "
        "takes no action and keeps the breach on record.";
  } else if (decision.actions.empty()) {
    absl::StrAppend(&paragraphs.back(), " Rule(s) ",
                    absl::StrJoin(decision.matched_rules, ", "),
                    " matched, but none of them can act on this breach's "
                    "entities, so Riposte takes no action.");
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
  for (const auto& a : decision.actions) {
    paragraphs.push_back(ActionParagraph(in, a, policy));
  }
  return absl::StrJoin(paragraphs, "\n\n");
}

}  // namespace riposte::decide
