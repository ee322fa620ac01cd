#include "orchestrator/decide/match.h"

#include <algorithm>

#include "orchestrator/entity/subject_key.h"

namespace riposte::decide {
namespace {

bool HasTag(const v1::Breach& b, const std::string& tag) {
  return std::find(b.model_tags().begin(), b.model_tags().end(), tag) !=
         b.model_tags().end();
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::vector<Mismatch> Mismatches(const policies::Rule& rule,
                                 const v1::Breach& breach,
                                 const std::vector<std::string>& subject_groups) {
  using Kind = Mismatch::Kind;
  std::vector<Mismatch> out;
  if (breach.score() < rule.min_score) out.push_back({Kind::kScore, {}});
  if (!rule.subject_kind.empty() &&
      rule.subject_kind != entity::SubjectKind(breach.subject())) {
    out.push_back({Kind::kSubjectKind, {}});
  }
  if (!rule.tags_any.empty() &&
      std::none_of(rule.tags_any.begin(), rule.tags_any.end(),
                   [&](const std::string& t) { return HasTag(breach, t); })) {
    out.push_back({Kind::kTagsAny, {}});
  }
  Mismatch missing_tags{Kind::kTagsAll, {}};
  for (const auto& t : rule.tags_all) {
    if (!HasTag(breach, t)) missing_tags.names.push_back(t);
  }
  if (!missing_tags.names.empty()) out.push_back(std::move(missing_tags));
  if (!rule.groups_any.empty() &&
      std::none_of(rule.groups_any.begin(), rule.groups_any.end(),
                   [&](const std::string& g) { return Contains(subject_groups, g); })) {
    out.push_back({Kind::kGroupsAny, {}});
  }
  Mismatch left_out{Kind::kGroupsNone, {}};
  for (const auto& g : rule.groups_none) {
    if (Contains(subject_groups, g)) left_out.names.push_back(g);
  }
  if (!left_out.names.empty()) out.push_back(std::move(left_out));
  return out;
}

}  // namespace riposte::decide
