#include "policies/policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace riposte::policies {

absl::string_view TargetKindName(TargetKind kind) {
  switch (kind) {
    case TargetKind::kUser:
      return "user";
    case TargetKind::kEmail:
      return "email";
    case TargetKind::kDevice:
      return "device";
    case TargetKind::kIp:
      return "ip";
  }
  return "unknown";
}

absl::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kAutonomous:
      return "autonomous";
    case Mode::kConfirm:
      return "confirm";
    case Mode::kObserve:
      return "observe";
  }
  return "unknown";
}

absl::string_view OnApprovalExpiryName(OnApprovalExpiry e) {
  switch (e) {
    case OnApprovalExpiry::kReject:
      return "reject";
    case OnApprovalExpiry::kEscalate:
      return "escalate";
    case OnApprovalExpiry::kApprove:
      return "approve";
  }
  return "unknown";
}

std::map<std::string, ActionSpec> DefaultActionCatalog() {
  std::map<std::string, ActionSpec> c;
  auto add = [&](ActionSpec spec) { c[spec.name] = std::move(spec); };
  {
    ActionSpec a;
    a.name = "observe";
    a.aggression = 0;
    // Recording touches nothing, so it applies to every kind of entity.
    a.targets = {TargetKind::kUser, TargetKind::kEmail, TargetKind::kDevice,
                 TargetKind::kIp};
    a.records_only = true;
    add(a);
  }
  {
    ActionSpec a;
    a.name = "move_to_junk";
    a.aggression = 10;
    a.targets = {TargetKind::kEmail};
    a.contains = {"message_soft"};
    a.reversible = true;
    a.reverse_description = "move the message back to where it was";
    a.default_duration = absl::ZeroDuration();  // stays until an operator moves it
    add(a);
  }
  {
    ActionSpec a;
    a.name = "strip_attachment";
    a.aggression = 20;
    a.targets = {TargetKind::kEmail};
    a.contains = {"payload"};
    add(a);
  }
  {
    ActionSpec a;
    a.name = "quarantine_email";
    a.aggression = 30;
    a.targets = {TargetKind::kEmail};
    a.contains = {"message_soft", "message", "payload"};
    a.reversible = true;
    a.reverse_description = "release the message from quarantine";
    a.default_duration = absl::Hours(72);
    add(a);
  }
  {
    ActionSpec a;
    a.name = "force_logout";
    a.aggression = 40;
    a.targets = {TargetKind::kUser};
    a.contains = {"sessions"};
    add(a);
  }
  {
    ActionSpec a;
    a.name = "disable_user";
    a.aggression = 60;
    a.targets = {TargetKind::kUser};
    a.contains = {"sessions", "account"};
    a.reversible = true;
    a.reverse_description = "re-enable the account";
    a.default_duration = absl::Hours(4);
    add(a);
  }
  return c;
}

const ActionSpec* Policy::FindAction(absl::string_view name) const {
  auto it = actions.find(std::string(name));
  return it == actions.end() ? nullptr : &it->second;
}

void Policy::BuildIndex() {
  exact_.clear();
  prefix_.clear();
  globs_.clear();
  for (int i = 0; i < static_cast<int>(rules.size()); ++i) {
    bool has_glob = false;
    for (const auto& m : rules[i].models) {
      switch (m.kind) {
        case ModelPattern::Kind::kExact:
          exact_[m.key].push_back(i);
          break;
        case ModelPattern::Kind::kPrefix:
          prefix_[m.key].push_back(i);
          break;
        case ModelPattern::Kind::kGlob:
          has_glob = true;
          break;
      }
    }
    if (has_glob) globs_.push_back(i);
  }
}

std::vector<const Rule*> Policy::CandidateRules(
    absl::string_view model_name) const {
  std::vector<int> hits;
  auto take = [&](const absl::flat_hash_map<std::string, std::vector<int>>& m,
                  absl::string_view key) {
    auto it = m.find(key);
    if (it != m.end()) hits.insert(hits.end(), it->second.begin(), it->second.end());
  };
  take(exact_, model_name);
  // Every category prefix of the name: "SaaS / ", "SaaS / Compromise / ".
  for (size_t pos = model_name.find(" / "); pos != absl::string_view::npos;
       pos = model_name.find(" / ", pos + 3)) {
    take(prefix_, model_name.substr(0, pos + 3));
  }
  for (int i : globs_) {
    for (const auto& m : rules[i].models) {
      if (m.kind == ModelPattern::Kind::kGlob && GlobMatch(m.key, model_name)) {
        hits.push_back(i);
        break;
      }
    }
  }
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  std::vector<const Rule*> out;
  out.reserve(hits.size());
  for (int i : hits) out.push_back(&rules[i]);
  return out;
}

std::vector<std::string> Policy::GroupsOf(const v1::Entity& entity) const {
  std::vector<std::string> ids;
  if (entity.has_user()) {
    if (!entity.user().user_principal_name().empty()) {
      ids.push_back(absl::AsciiStrToLower(entity.user().user_principal_name()));
    }
    if (!entity.user().id().empty()) {
      ids.push_back(absl::AsciiStrToLower(entity.user().id()));
    }
  } else if (entity.has_email()) {
    ids.push_back(absl::AsciiStrToLower(entity.email().mailbox()));
  }
  std::vector<std::string> out;
  for (const auto& [name, group] : groups) {
    bool member = false;
    for (const auto& id : ids) {
      if (group.members.count(id) > 0) member = true;
      for (const auto& g : group.globs) {
        if (GlobMatch(g, id)) member = true;
      }
    }
    if (member) out.push_back(name);
  }
  return out;  // std::map iterates in name order
}

bool PatternMatches(const ModelPattern& pattern, absl::string_view model_name) {
  switch (pattern.kind) {
    case ModelPattern::Kind::kExact:
      return model_name == pattern.key;
    case ModelPattern::Kind::kPrefix:
      return absl::StartsWith(model_name, pattern.key);
    case ModelPattern::Kind::kGlob:
      return GlobMatch(pattern.key, model_name);
  }
  return false;
}

std::string Policy::FamilyOf(absl::string_view model_name) const {
  for (const ModelFamily& family : corroboration.families) {
    for (const ModelPattern& m : family.models) {
      if (PatternMatches(m, model_name)) return family.name;
    }
  }
  const size_t first = model_name.find(" / ");
  const size_t last = model_name.rfind(" / ");
  if (first == absl::string_view::npos || first == last) {
    return std::string(model_name);
  }
  return std::string(model_name.substr(0, last));
}

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  // Iterative matcher with single-star backtracking: linear in practice.
  size_t p = 0, t = 0, star = absl::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace riposte::policies
