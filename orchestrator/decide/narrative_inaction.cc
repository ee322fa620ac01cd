// Narrative for decisions that change nothing: what would make Riposte act,
// or why nothing will.

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "orchestrator/decide/match.h"
#include "orchestrator/decide/narrative.h"
#include "orchestrator/decide/narrative_parts.h"
#include "orchestrator/entity/subject_key.h"

namespace riposte::decide::narrative {
namespace {

using policies::Rule;

bool Acts(const Rule& rule, const policies::Policy& policy) {
  for (const auto& name : rule.ladder) {
    const policies::ActionSpec* spec = policy.FindAction(name);
    if (spec != nullptr && !spec->records_only) return true;
  }
  return false;
}

// "a user", "an email", "a device", "an IP address".
std::string KindNoun(const std::string& kind) {
  if (kind == "ip") return "an IP address";
  if (kind == "email") return "an email";
  return absl::StrCat("a ", kind);
}

struct Nearest {
  const Rule* rule = nullptr;
  std::vector<Mismatch> mismatches;
};

// The candidate rule for the breach's model that comes closest to matching:
// rules that act before rules that only watch, then the fewest failed
// conditions, a missed score before a deliberate group exclusion, the
// smallest score gap, policy order. Rules that match are skipped, and with
// `subject_actors` so are rules that do not act on the subject.
Nearest FindNearest(const DecideInput& in, const policies::Policy& policy,
                    bool subject_actors) {
  const v1::Breach& b = *in.breach;
  const std::vector<std::string> groups = policy.GroupsOf(b.subject());
  Nearest best;
  std::tuple<int, size_t, int, double> best_key;
  for (const Rule* rule : policy.CandidateRules(b.model_name())) {
    std::vector<Mismatch> m = Mismatches(*rule, b, groups);
    if (m.empty()) continue;
    if (subject_actors && (rule->target != policies::RuleTarget::kSubject ||
                           !Acts(*rule, policy))) {
      continue;
    }
    const bool excluded = m.back().kind == Mismatch::Kind::kGroupsNone;
    const std::tuple<int, size_t, int, double> key{
        Acts(*rule, policy) ? 0 : 1, m.size(), excluded ? 1 : 0,
        std::max(0.0, rule->min_score - b.score())};
    if (best.rule == nullptr || key < best_key) {
      best.rule = rule;
      best.mismatches = std::move(m);
      best_key = key;
    }
  }
  return best;
}

std::string Condition(const Mismatch& m, const Rule& rule, const v1::Breach& b) {
  switch (m.kind) {
    case Mismatch::Kind::kScore:
      return absl::StrCat("a score of at least ", Score(rule.min_score),
                          " (this one: ", Score(b.score()), ")");
    case Mismatch::Kind::kSubjectKind: {
      const std::string kind = entity::SubjectKind(b.subject());
      return absl::StrCat(KindNoun(rule.subject_kind), " as subject (this one is ",
                          KindNoun(kind), ")");
    }
    case Mismatch::Kind::kTagsAny:
      return rule.tags_any.size() == 1
                 ? absl::StrCat("the tag ", rule.tags_any[0])
                 : absl::StrCat("one of the tags ", absl::StrJoin(rule.tags_any, ", "));
    case Mismatch::Kind::kTagsAll:
      return absl::StrCat(m.names.size() == 1 ? "the tag " : "the tags ",
                          JoinAnd(m.names));
    case Mismatch::Kind::kGroupsAny:
      return rule.groups_any.size() == 1
                 ? absl::StrCat("a subject in group ", rule.groups_any[0])
                 : absl::StrCat("a subject in one of the groups ",
                                absl::StrJoin(rule.groups_any, ", "));
    case Mismatch::Kind::kGroupsNone:
      return absl::StrCat("a subject outside group", m.names.size() == 1 ? " " : "s ",
                          JoinAnd(m.names));
  }
  return "";
}

// What the nearest rule needs, as a sentence.
std::string Needs(const Nearest& n, const DecideInput& in,
                  const policies::Policy& policy) {
  const v1::Breach& b = *in.breach;
  const Rule& rule = *n.rule;
  const char* verb = Acts(rule, policy) ? "acts on" : "watches";
  if (n.mismatches.size() == 1) {
    const Mismatch& m = n.mismatches[0];
    if (m.kind == Mismatch::Kind::kScore) {
      return absl::StrCat("Rule ", rule.name, " ", verb, " this model from score ",
                          Score(rule.min_score), "; this one scored ",
                          Score(b.score()), ".");
    }
    if (m.kind == Mismatch::Kind::kGroupsNone) {
      return absl::StrCat("Rule ", rule.name, " ", verb,
                          " this model but leaves out members of group",
                          m.names.size() == 1 ? " " : "s ", JoinAnd(m.names),
                          ", which ", entity::DisplayName(b.subject()), " is in.");
    }
  }
  std::vector<std::string> conds;
  for (const Mismatch& m : n.mismatches) conds.push_back(Condition(m, rule, b));
  return absl::StrCat("The nearest rule for this model, ", rule.name, ", ",
                      verb, " breaches with ", JoinAnd(conds), ".");
}

// How the blocking run of a duplicate stands: "in effect until ...".
std::string Standing(const PriorRun* run) {
  if (run == nullptr) return "in effect or under way";
  switch (run->state) {
    case RunState::kActive:
      if (!run->expires.has_value()) return "in effect";
      if (*run->expires == absl::InfiniteFuture()) {
        return "in effect until an operator reverts it";
      }
      return absl::StrCat("in effect until ", When(*run->expires));
    case RunState::kAwaitingApproval:
      return "waiting for an operator's approval";
    default:
      return "under way";
  }
}

const PriorRun* FindRun(const DecideInput& in, int64_t id) {
  for (const PriorRun& r : in.open_runs) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

// " No action on ... ": the requirement a fallback leaves unmet, if any.
std::string Unmet(const ProposedAction& a) {
  return a.unmet_rules.empty() ? "" : " " + Combination(a);
}

std::string Excluded(const ProposedAction& a, const Who& who) {
  std::string reason = a.exclusion_reason;
  while (!reason.empty() && reason.back() == '.') reason.pop_back();
  return absl::StrCat(
      "Riposte does not act on ", who.name, ": ", who.It(), " ", who.Is(),
      " in group ", a.excluded_by_group, ", which is excluded",
      reason.empty() ? "" : " (" + reason + ")", ". ",
      a.combined_rules.empty() ? absl::StrCat("Rule ", a.rule, " would")
                               : std::string("Riposte would"),
      " otherwise ", Phrase(a.action, who.name),
      a.combined_rules.empty() ? "" : ", " + CombinesClause(a), ".",
      Unmet(a), " Whatever the score, Riposte will not act on ", who.Them(),
      " while ", who.It(), " ", who.Is(), " in that group.");
}

// A step that took effect after this activity already contained it.
std::string Contained(const DecideInput& in, const ProposedAction& a,
                      const Who& who) {
  return absl::StrCat(
      "Nothing new for ", who.name, ": ", a.duplicate_of_action, " (",
      who.runs, ") took effect at ", At(*a.contained_at),
      ", after this activity was observed (", At(ActivityTime(in)),
      in.corroborates.has_value() && in.corroborates->observed < in.observed
          ? ", as first reported"
          : "",
      "), so it already contained it; repeating it would only end what "
      "happened since. Next: activity observed after ", At(*a.contained_at),
      " within the ", HumanDuration(a.escalation_window),
      " escalation window would show the step was not enough",
      a.next_action.empty() ? "" : absl::StrCat(" and call for ", a.next_action),
      ".");
}

std::string Duplicate(const DecideInput& in, const ProposedAction& a,
                      const Who& who) {
  if (a.contained_at.has_value()) return Contained(in, a, who);
  const PriorRun* run = FindRun(in, a.duplicate_of_run);
  const std::string standing = Standing(run);
  std::string out;
  const bool waiting = run != nullptr && run->state == RunState::kAwaitingApproval;
  const std::string combines = CombinesClause(a);
  if (a.duplicate_of_action == a.action) {
    out = absl::StrCat("Nothing new for ", who.name, ": ", a.action, " (",
                       who.runs, ")", combines.empty() ? "" : ", " + combines + ",",
                       " is already ", standing,
                       waiting ? ", so Riposte does not ask again."
                               : ", so nothing more is needed.");
  } else if (!combines.empty()) {
    out = absl::StrCat("Nothing new for ", who.name, ": ", a.duplicate_of_action,
                       " (", who.runs, "), ", standing, ", already contains ",
                       a.action, ", ", combines, ".");
  } else if (a.action == "observe") {
    out = absl::StrCat("Nothing new for ", who.name, ": rule ", a.rule,
                       " would only watch, and ", a.duplicate_of_action, " (",
                       who.runs, ") is already ", standing, ".");
  } else {
    out = absl::StrCat("Nothing new for ", who.name, ": rule ", a.rule,
                       " asks for ", a.action, ", which ", a.duplicate_of_action,
                       " (", who.runs, "), ", standing, ", already contains.");
  }
  out += Unmet(a);
  const Requirement* req = CreditedRequirement(a);
  if (req != nullptr && req->decayed) {
    out += " The incident had been quiet long enough that earlier steps no "
           "longer count.";
  }
  std::string when;
  if (waiting) {
    when = absl::StrCat("if ", who.runs, who.plural ? " are" : " is",
                        " turned down or the request expires");
  } else {
    when = absl::StrCat("once ", who.runs, " end", who.plural ? "" : "s");
    if (run != nullptr && run->state == RunState::kActive &&
        run->expires.has_value() && *run->expires != absl::InfiniteFuture()) {
      absl::StrAppend(&when, " (", When(*run->expires), ")");
    }
  }
  absl::StrAppend(&out, " Next: ", when,
                  ", a further breach like this one would call for ", a.action,
                  " again");
  // A request turned down proves nothing, so only what ran can climb.
  if (!a.next_action.empty() && !waiting) {
    absl::StrAppend(&out, " or, as the ladder climbs, ", a.next_action);
  }
  out += ".";
  return out;
}

}  // namespace

std::string NoRuleMatches(const DecideInput& in, const policies::Policy& policy) {
  const Nearest n = FindNearest(in, policy, /*subject_actors=*/false);
  if (n.rule == nullptr) {
    return "No rule names this model or its category, so nothing will act on "
           "it until one does.";
  }
  return Needs(n, in, policy);
}

std::string NoTargets(const DecideInput& in, const Decision& decision,
                      const policies::Policy& policy) {
  std::vector<std::string> copies;
  std::vector<std::string> others;
  for (const Rule* rule : policy.CandidateRules(in.breach->model_name())) {
    if (std::find(decision.matched_rules.begin(), decision.matched_rules.end(),
                  rule->name) == decision.matched_rules.end()) {
      continue;
    }
    (rule->target == policies::RuleTarget::kRelatedEmails ? copies : others)
        .push_back(rule->name);
  }
  std::vector<std::string> out;
  if (!copies.empty()) {
    out.push_back(absl::StrCat(
        copies.size() == 1 ? "Rule " : "Rules ", JoinAnd(copies),
        " matched, but ", copies.size() == 1 ? "it acts" : "they act",
        " on the emails related to a breach and this one lists none, so "
        "Riposte takes no action; a report that lists the copies would let ",
        copies.size() == 1 ? "it" : "them", " act."));
  }
  if (!others.empty()) {
    out.push_back(absl::StrCat(
        others.size() == 1 ? "Rule " : "Rules ", JoinAnd(others),
        " matched, but none of them can act on this breach's entities, so "
        "Riposte takes no action."));
  }
  return absl::StrJoin(out, " ");
}

std::string WhoWouldAct(const DecideInput& in, const ProposedAction& a,
                        const policies::Policy& policy) {
  if (a.target.kind == policies::TargetKind::kDevice ||
      a.target.kind == policies::TargetKind::kIp) {
    return absl::StrCat("Next: Riposte has no action for ",
                        KindNoun(std::string(policies::TargetKindName(a.target.kind))),
                        "; it keeps recording what the detectors report.");
  }
  const Nearest n = FindNearest(in, policy, /*subject_actors=*/true);
  if (n.rule != nullptr) {
    std::string needs = Needs(n, in, policy);
    needs[0] = absl::ascii_tolower(needs[0]);
    return absl::StrCat("Next: ", needs);
  }
  return "Next: no rule acts on breaches like this one; Riposte keeps "
         "recording them.";
}

std::string SuppressedParagraph(const DecideInput& in, const ProposedAction& a,
                                const Who& who) {
  for (Gate g : a.gates) {
    if (g == Gate::kExcluded) return Excluded(a, who);
  }
  return Duplicate(in, a, who);
}

}  // namespace riposte::decide::narrative
