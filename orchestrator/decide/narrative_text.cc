#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "orchestrator/decide/narrative_parts.h"

namespace riposte::decide::narrative {
namespace {

// How many names a list of targets spells out before "and N more".
constexpr size_t kNamesShown = 5;

}  // namespace

std::string Score(double score) { return absl::StrFormat("%g", score); }

std::string When(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

std::string At(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

std::string JoinAnd(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  if (items.size() == 1) return items[0];
  std::vector<std::string> head(items.begin(), items.end() - 1);
  return absl::StrCat(absl::StrJoin(head, ", "), " and ", items.back());
}

std::string RunList(std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::string> parts;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (j >= i + 2) {
      parts.push_back(absl::StrCat(ids[i], "\u2013", ids[j]));
    } else {
      for (size_t k = i; k <= j; ++k) parts.push_back(absl::StrCat(ids[k]));
    }
    i = j + 1;
  }
  return absl::StrCat(ids.size() == 1 ? "run " : "runs ", JoinAnd(parts));
}

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

Who OneTarget(const ProposedAction& a) {
  Who who;
  who.name = a.target.display;
  if (a.duplicate_of_run > 0) who.runs = RunList({a.duplicate_of_run});
  return who;
}

Who SeveralTargets(const std::vector<const ProposedAction*>& actions) {
  if (actions.size() == 1) return OneTarget(*actions[0]);
  Who who;
  who.plural = true;
  std::vector<int64_t> runs;
  for (const ProposedAction* a : actions) {
    if (a->duplicate_of_run > 0) runs.push_back(a->duplicate_of_run);
  }
  if (!runs.empty()) who.runs = RunList(runs);

  const v1::Entity& first = actions[0]->target.entity;
  bool copies = first.has_email();
  for (const ProposedAction* a : actions) {
    copies = copies && a->target.entity.has_email() &&
             a->target.entity.email().internet_message_id() ==
                 first.email().internet_message_id();
  }
  std::vector<std::string> names;
  for (const ProposedAction* a : actions) {
    if (names.size() == kNamesShown && actions.size() > kNamesShown + 1) {
      names.push_back(absl::StrCat(actions.size() - kNamesShown, " more"));
      break;
    }
    names.push_back(copies ? a->target.entity.email().mailbox()
                           : a->target.display);
  }
  who.name = copies ? absl::StrCat("the ", actions.size(), " copies of message ",
                                   first.email().internet_message_id(), " in ",
                                   JoinAnd(names))
                    : JoinAnd(names);
  return who;
}

}  // namespace riposte::decide::narrative
