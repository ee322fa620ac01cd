#include "policies/rule_reader.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policies/read_util.h"
#include "yaml/scalar.h"

namespace riposte::policies {
namespace {

using yaml::DurationBounds;
using yaml::MapReader;
using yaml::Node;

constexpr double kMaxScore = 100;

// What ReadMatch learned that later checks of the rule need.
struct MatchFacts {
  bool present = false;
  bool subject_ok = true;  // absent or a valid kind
  Site subject_site;
};

std::string OutOfScoreRange(double score) {
  return absl::StrCat("must be between 0 and 100, got ", FormatScore(score));
}

void ReadMatch(MapReader& m, int file, Rule* rule, MatchFacts* facts,
               PolicyFileDraft* out) {
  facts->present = true;

  ReadModelPatterns(m, file, &rule->models, /*sites=*/nullptr);

  for (auto [key, tags] : {std::pair("tags_any", &rule->tags_any),
                            std::pair("tags_all", &rule->tags_all)}) {
    std::vector<NameAt> items;
    ReadNameList(m, key, /*required=*/false, file, &items);
    for (NameAt& item : items) tags->push_back(std::move(item.name));
  }

  double min_score = 0;
  if (ReadNumber(m, "min_score", /*required=*/false, &min_score)) {
    if (min_score < 0) {
      m.AddError("min_score", OutOfScoreRange(min_score));
    } else if (min_score > kMaxScore) {
      m.AddError("min_score",
                 absl::StrCat(FormatScore(min_score),
                              " is above the highest possible score (100), so "
                              "the rule can never match"));
    } else {
      rule->min_score = min_score;
    }
  }

  static constexpr absl::string_view kSubjects[] = {"user", "email", "device",
                                                    "ip"};
  facts->subject_site = SiteOf(m, "subject", file);
  int subject = 0;
  if (ReadChoice(m, "subject", "subject kind",
                 {kSubjects[0], kSubjects[1], kSubjects[2], kSubjects[3]},
                 &subject)) {
    rule->subject_kind = std::string(kSubjects[subject]);
  } else if (m.Has("subject")) {
    facts->subject_ok = false;
  }

  std::vector<NameAt> any;
  std::vector<NameAt> none;
  ReadNameList(m, "groups_any", /*required=*/false, file, &any);
  ReadNameList(m, "groups_none", /*required=*/false, file, &none);
  for (const NameAt& g : any) {
    rule->groups_any.push_back(g.name);
    out->group_refs.push_back(g);
  }
  for (const NameAt& g : none) {
    rule->groups_none.push_back(g.name);
    out->group_refs.push_back(g);
    if (std::find(rule->groups_any.begin(), rule->groups_any.end(), g.name) !=
        rule->groups_any.end()) {
      m.errors()->Add(g.site.line, g.site.path,
                      absl::StrCat("group '", g.name,
                                   "' is also in groups_any, so the rule can "
                                   "never match"));
    }
  }
}

// Reads the ladder; every rung is kept (with its site), and unknown or
// repeated actions are reported.
void ReadLadder(MapReader& r, int file, RuleDraft* draft) {
  std::vector<NameAt> rungs;
  if (ReadNameList(r, "ladder", /*required=*/true, file, &rungs) &&
      rungs.empty()) {
    r.AddError("ladder",
               "must list at least one action, least aggressive first (e.g. "
               "[observe, force_logout, disable_user])");
  }
  std::map<std::string, std::string> first_path;
  for (NameAt& rung : rungs) {
    if (BuiltinActions().count(rung.name) == 0) {
      r.errors()->Add(rung.site.line, rung.site.path,
                      UnknownActionMessage(rung.name));
    } else if (auto [it, inserted] =
                   first_path.emplace(rung.name, rung.site.path);
               !inserted) {
      r.errors()->Add(rung.site.line, rung.site.path,
                      absl::StrCat("'", rung.name,
                                   "' is already in the ladder at ", it->second,
                                   "; each action may appear once"));
    }
    draft->rule.ladder.push_back(std::move(rung.name));
    draft->ladder_sites.push_back(std::move(rung.site));
  }
}

// The ladder's known actions, once each, in ladder order.
std::vector<const ActionSpec*> KnownRungs(const Rule& rule) {
  std::vector<const ActionSpec*> specs;
  for (const std::string& name : rule.ladder) {
    auto it = BuiltinActions().find(name);
    if (it == BuiltinActions().end()) continue;
    if (std::find(specs.begin(), specs.end(), &it->second) != specs.end()) {
      continue;
    }
    specs.push_back(&it->second);
  }
  return specs;
}

// Decides rule.target_kind and reports rungs that cannot act on it.
void CheckTarget(const RuleDraft& draft, bool target_ok,
                 const MatchFacts& match, yaml::ErrorList* errors,
                 Rule* rule) {
  if (!target_ok) return;
  std::string why;  // how the kind was chosen, for messages
  if (rule->target == RuleTarget::kRelatedEmails) {
    rule->target_kind = TargetKind::kEmail;
    why = "target: related_emails";
  } else if (rule->subject_kind == "user" || rule->subject_kind == "email") {
    rule->target_kind = rule->subject_kind == "user" ? TargetKind::kUser
                                                     : TargetKind::kEmail;
    why = absl::StrCat("match.subject: ", rule->subject_kind);
  } else {
    // Devices and IP addresses can only be observed; without a subject kind
    // the rule observes whatever the subject is (target_kind stays unset).
    if (rule->subject_kind == "device") rule->target_kind = TargetKind::kDevice;
    if (rule->subject_kind == "ip") rule->target_kind = TargetKind::kIp;
    bool acts = false;
    for (const ActionSpec* spec : KnownRungs(*rule)) {
      acts = acts || !spec->records_only;
    }
    if (acts && match.present && match.subject_ok) {
      std::string detail =
          rule->subject_kind.empty()
              ? "it is not set"
              : absl::StrCat("a ", rule->subject_kind,
                             " subject can only be observed");
      errors->Add(match.subject_site.line, match.subject_site.path,
                  absl::StrCat("target 'subject' needs match.subject: user or "
                               "email to choose actions (",
                               detail, ")"));
    }
    return;
  }
  std::vector<std::string> seen;
  for (size_t i = 0; i < rule->ladder.size(); ++i) {
    const std::string& name = rule->ladder[i];
    auto it = BuiltinActions().find(name);
    if (it == BuiltinActions().end()) continue;
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    const ActionSpec& spec = it->second;
    if (spec.targets.count(*rule->target_kind) > 0) continue;
    std::vector<std::string> kinds;
    for (TargetKind kind : spec.targets) {
      kinds.push_back(std::string(TargetKindName(kind)));
    }
    const Site& site = draft.ladder_sites[i];
    errors->Add(site.line, site.path,
                absl::StrCat(name, " cannot act on ",
                             rule->target_kind == TargetKind::kUser
                                 ? "a user"
                                 : "an email",
                             " (", why,
                             "); it acts on: ", absl::StrJoin(kinds, ", ")));
  }
}

// Reads `bands` and checks each band against the ladder and its neighbour.
void ReadBands(MapReader& r, Rule* rule) {
  yaml::ErrorList* errors = r.errors();
  std::optional<double> previous_score;
  std::optional<int> previous_start;
  r.OptionalSequence("bands", [&](const Node& item, const std::string& path) {
    MapReader::ReadMap(item, path, errors, [&](MapReader& b) {
      ScoreBand band;
      band.line = b.line();
      bool score_ok = ReadNumber(b, "min_score", /*required=*/true,
                                 &band.min_score);
      if (score_ok && (band.min_score < 0 || band.min_score > kMaxScore)) {
        b.AddError("min_score", OutOfScoreRange(band.min_score));
        score_ok = false;
      }
      if (score_ok && previous_score.has_value() &&
          band.min_score <= *previous_score) {
        b.AddError("min_score",
                   absl::StrCat("must be above the previous band's (",
                                FormatScore(*previous_score), "), got ",
                                FormatScore(band.min_score),
                                ": list bands from the lowest score to the "
                                "highest"));
      }
      if (score_ok) previous_score = band.min_score;

      std::string start;
      if (!b.RequiredString("start", &start)) return;
      auto rung = std::find(rule->ladder.begin(), rule->ladder.end(), start);
      if (rung == rule->ladder.end()) {
        b.AddError("start",
                   absl::StrCat("unknown rung '", start,
                                "': a band must start on a rung of this "
                                "rule's ladder (",
                                absl::StrJoin(rule->ladder, ", "), ")"));
        return;
      }
      band.start = static_cast<int>(rung - rule->ladder.begin());
      if (previous_start.has_value() && band.start < *previous_start) {
        b.AddError("start",
                   absl::StrCat("starts at ", start,
                                ", below the previous band's ",
                                rule->ladder[*previous_start],
                                ": a higher score must not start on a lower "
                                "rung"));
      }
      previous_start = std::max(band.start, previous_start.value_or(0));
      if (score_ok) rule->bands.push_back(band);
    });
  });
}

}  // namespace

ModelPattern ClassifyModelPattern(const std::string& text) {
  ModelPattern pattern;
  pattern.text = text;
  size_t wildcards = std::count(text.begin(), text.end(), '*') +
                     std::count(text.begin(), text.end(), '?');
  if (absl::EndsWith(text, "/ *") && wildcards == 1) {
    pattern.kind = ModelPattern::Kind::kPrefix;
    pattern.key = text.substr(0, text.size() - 1);
  } else if (wildcards > 0) {
    pattern.kind = ModelPattern::Kind::kGlob;
    pattern.key = text;
  } else {
    pattern.kind = ModelPattern::Kind::kExact;
    pattern.key = text;
  }
  return pattern;
}

void ReadModelPatterns(MapReader& reader, int file,
                       std::vector<ModelPattern>* patterns,
                       std::vector<Site>* sites) {
  std::vector<NameAt> models;
  if (ReadNameList(reader, "models", /*required=*/true, file, &models) &&
      models.empty()) {
    reader.AddError("models",
                    "must list at least one model name or pattern (e.g. "
                    "\"SaaS / Compromise / *\")");
  }
  for (NameAt& model : models) {
    patterns->push_back(ClassifyModelPattern(model.name));
    if (sites != nullptr) sites->push_back(std::move(model.site));
  }
}

void ReadSharedSettings(MapReader& reader, Rule* rule) {
  reader.OptionalDuration("escalation_window", &rule->escalation_window,
                          DurationBounds::Positive());
  reader.OptionalDuration("quiet_period", &rule->quiet_period,
                          DurationBounds::Positive());
  int mode = 0;
  if (ReadChoice(reader, "mode", "mode", {"autonomous", "confirm", "observe"},
                 &mode)) {
    rule->mode = static_cast<Mode>(mode);
  }
  reader.OptionalMap("approval", [&](MapReader& approval) {
    approval.OptionalDuration("deadline", &rule->approval_deadline,
                              DurationBounds::Positive());
    int on_expiry = 0;
    if (ReadChoice(approval, "on_expiry", "on_expiry",
                   {"reject", "escalate", "approve"}, &on_expiry)) {
      rule->on_approval_expiry = static_cast<OnApprovalExpiry>(on_expiry);
    }
  });
}

void ReadRule(const Node& item, const std::string& path, int file,
              const std::string& file_name, const Rule& defaults,
              yaml::ErrorList* errors, PolicyFileDraft* out) {
  MapReader::ReadMap(item, path, errors, [&](MapReader& r) {
    RuleDraft draft;
    Rule& rule = draft.rule;
    rule.escalation_window = defaults.escalation_window;
    rule.quiet_period = defaults.quiet_period;
    rule.mode = defaults.mode;
    rule.approval_deadline = defaults.approval_deadline;
    rule.on_approval_expiry = defaults.on_approval_expiry;
    rule.file = file_name;
    rule.line = r.line();

    draft.name_site = SiteOf(r, "name", file);
    if (r.RequiredString("name", &rule.name) && !IsValidName(rule.name)) {
      r.AddError("name", InvalidNameMessage("rule", rule.name));
    }
    std::string description;  // documentation only
    r.OptionalString("description", &description);

    MatchFacts match;
    r.RequiredMap("match", [&](MapReader& m) {
      ReadMatch(m, file, &rule, &match, out);
    });

    int target = 0;
    bool target_ok = true;
    if (ReadChoice(r, "target", "target", {"subject", "related_emails"},
                   &target)) {
      rule.target = static_cast<RuleTarget>(target);
    } else if (r.Has("target")) {
      target_ok = false;
    }

    ReadLadder(r, file, &draft);
    CheckTarget(draft, target_ok, match, errors, &rule);
    ReadBands(r, &rule);
    ReadSharedSettings(r, &rule);

    absl::Duration duration;
    if (r.OptionalDuration("duration", &duration,
                           DurationBounds::Positive())) {
      std::vector<const ActionSpec*> rungs = KnownRungs(rule);
      bool reversible = false;
      for (const ActionSpec* spec : rungs) {
        reversible = reversible || spec->reversible;
      }
      if (reversible) {
        rule.duration = duration;
      } else if (!rungs.empty()) {
        r.AddError("duration",
                   absl::StrCat("only reversible actions last for a duration, "
                                "and none in this ladder is (reversible "
                                "actions: ",
                                ReversibleActionList(), ")"));
      }
    }

    out->rules.push_back(std::move(draft));
  });
}

}  // namespace riposte::policies
