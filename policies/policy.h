#ifndef RIPOSTE_POLICIES_POLICY_H_
#define RIPOSTE_POLICIES_POLICY_H_

// The in-memory policy snapshot: the action catalog, groups, guards and
// rules, validated and indexed. Built only by the loader (policy_loader.h);
// immutable afterwards and shared between threads as
// std::shared_ptr<const Policy>.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policies/story_template.h"
#include "riposte/v1/breach.pb.h"

namespace riposte::policies {

// What an action can be aimed at: the kinds of entity a breach names.
enum class TargetKind { kUser, kEmail, kDevice, kIp };

// How a decided action may proceed.
enum class Mode {
  kAutonomous,  // execute now
  kConfirm,     // wait for an operator
  kObserve,     // record only, never touch the target
};

// What happens when an approval request's deadline passes.
enum class OnApprovalExpiry { kReject, kEscalate, kApprove };

// "user", "email", "device", "ip": as entity::SubjectKind and the store
// spell them.
absl::string_view TargetKindName(TargetKind kind);
absl::string_view ModeName(Mode mode);  // "autonomous", "confirm", "observe"
absl::string_view OnApprovalExpiryName(OnApprovalExpiry e);  // "reject", ...

// One entry of the action catalog.
struct ActionSpec {
  std::string name;  // "disable_user"
  // Higher is more aggressive. Built-in defaults: observe 0, move_to_junk 10,
  // strip_attachment 20, quarantine_email 30, force_logout 40,
  // disable_user 60.
  int aggression = 0;
  // Kinds of target it applies to; observe applies to every kind.
  std::set<TargetKind> targets;
  // What it contains, e.g. {"sessions", "account"}. An action satisfies a
  // requirement when its set includes the required one.
  std::set<std::string> contains;
  bool reversible = false;
  // How it is undone, for narratives: "re-enable the account".
  std::string reverse_description;
  // For reversible actions: how long it lasts unless a rule says otherwise.
  absl::Duration default_duration = absl::ZeroDuration();
  // True for observe: records only.
  bool records_only = false;
};

// The built-in catalog, before any policy overrides.
std::map<std::string, ActionSpec> DefaultActionCatalog();

// How a rule names models.
struct ModelPattern {
  enum class Kind {
    kExact,   // "SaaS / Access / Suspicious Login Attempt"
    kPrefix,  // "SaaS / Compromise / *": every model under that category
    kGlob,    // anything else with * or ?: "*Outbound Email Spam"
  };
  Kind kind = Kind::kExact;
  std::string text;  // as written
  // kExact: the name; kPrefix: the text before the final "*" (ending in
  // "/ "); kGlob: the pattern.
  std::string key;
};

// Whether `pattern` matches `model_name` (exactly, by category prefix or
// by glob, as its kind says).
bool PatternMatches(const ModelPattern& pattern, absl::string_view model_name);

// A one-sentence story told first in the narratives of breaches whose model
// matches one of `models` (policies/story.h renders it).
struct Story {
  std::vector<ModelPattern> models;  // at least one
  std::string text;                  // the template as written
  StoryTemplate compiled;
  std::string file;
  int line = 0;
};

// A score band: breaches scoring at least min_score start at `start` (an
// index into the rule's ladder). Bands ascend by min_score.
struct ScoreBand {
  double min_score = 0;
  int start = 0;
  int line = 0;
};

// Which entities of a breach a rule acts on.
enum class RuleTarget {
  kSubject,        // the breach's subject
  kRelatedEmails,  // every related email entity (e.g. the phishing copies)
};

struct Rule {
  std::string name;
  std::string file;
  int line = 0;

  // Matching: every given condition must hold.
  std::vector<ModelPattern> models;  // at least one; any may match
  std::vector<std::string> tags_any;  // at least one of these tags
  std::vector<std::string> tags_all;  // all of these tags
  double min_score = 0;
  // The subject's kind ("user", "email", "device", "ip"); empty = any.
  std::string subject_kind;
  std::vector<std::string> groups_any;   // subject in at least one
  std::vector<std::string> groups_none;  // subject in none

  RuleTarget target = RuleTarget::kSubject;
  // The kind of entity the rule acts on; unset for a rule that only
  // observes and names no subject kind: it acts on any subject.
  std::optional<TargetKind> target_kind;
  // Action names, least aggressive first; never empty.
  std::vector<std::string> ladder;
  std::vector<ScoreBand> bands;  // may be empty: start at rung 0
  // A new matching breach within this window after an action from this
  // ladder on the same target escalates one rung.
  absl::Duration escalation_window = absl::Hours(24);
  // After this long without breaches the incident decays to rung 0.
  absl::Duration quiet_period = absl::Hours(72);
  Mode mode = Mode::kConfirm;
  // Overrides the catalog's default duration of reversible actions.
  std::optional<absl::Duration> duration;
  absl::Duration approval_deadline = absl::Hours(1);
  OnApprovalExpiry on_approval_expiry = OnApprovalExpiry::kReject;
};

// A named set of subjects, e.g. executives or service accounts. Users match
// by userPrincipalName (case-insensitive) or object id, or by a glob over
// the userPrincipalName ("svc-*@contoso.com"). An email target belongs to
// the groups of its mailbox.
struct Group {
  std::string name;
  std::set<std::string> members;   // lower-cased UPNs and object ids
  std::vector<std::string> globs;  // lower-cased UPN patterns
  int line = 0;
};

// Never act on members of `group`; record that they were excluded.
struct Exclusion {
  std::string group;
  std::string reason;
  int line = 0;
};

// Members of `group` get nothing more aggressive than `max_autonomous`
// autonomously; anything above waits for confirmation.
struct Cap {
  std::string group;
  std::string max_autonomous;  // an action name
  int line = 0;
};

// At most `max` autonomous `action`s per tenant within `per`; beyond that
// they wait for confirmation.
struct Budget {
  std::string action;
  int64_t max = 0;
  absl::Duration per = absl::Minutes(10);
  int line = 0;
};

// Requires two distinct operators to approve `action` on members of
// `group` (empty group = everyone).
struct TwoPersonRule {
  std::string action;
  std::string group;
  int line = 0;
};

// Names of one activity across detectors: reports of any of `models`
// about one subject at nearly the same moment may be the same activity.
struct ModelFamily {
  std::string name;
  std::vector<ModelPattern> models;
  int line = 0;
};

// When a breach repeats an earlier report of the same activity (another
// detector, or one detector resending under a new id): same subject, same
// model family, observed within `tolerance`, and no evidence key or related
// entity that tells them apart. Such a report corroborates; it does not
// escalate (docs/POLICY.md, "Repeated reports").
struct Corroboration {
  absl::Duration tolerance = absl::Minutes(2);
  // Evidence keys compared between the two reports; empty = every key
  // both carry. A key both carry with no value in common tells them apart.
  std::vector<std::string> evidence_keys;
  std::vector<ModelFamily> families;
  int line = 0;  // where the policy sets it; 0 = the defaults
};

class Policy {
 public:
  // Content hash of the sources (hex SHA-256), recorded with every decision.
  std::string version;
  // The files it came from, in load order.
  std::vector<std::string> sources;
  // (name, text) of each source, for operators to read back.
  std::vector<std::pair<std::string, std::string>> source_texts;

  std::map<std::string, ActionSpec> actions;
  std::map<std::string, Group> groups;
  std::vector<Exclusion> exclusions;
  std::vector<Cap> caps;
  std::vector<Budget> budgets;
  std::vector<TwoPersonRule> two_person;
  std::vector<Rule> rules;
  Corroboration corroboration;

  // The family of a model: the first of corroboration.families naming it;
  // else the name without its last " / " segment ("SaaS / Compromise" for
  // "SaaS / Compromise / Unusual Login"), or the whole name if it has fewer
  // than three segments.
  std::string FamilyOf(absl::string_view model_name) const;
  // In policy order; see StoriesFor (story.h) for which one tells a breach.
  std::vector<Story> stories;

  const ActionSpec* FindAction(absl::string_view name) const;

  // Rules whose model patterns match `model_name`, in policy order, found
  // through the index (exact names and category prefixes are hashed; only
  // free-form globs are scanned). Other conditions are not checked here.
  std::vector<const Rule*> CandidateRules(absl::string_view model_name) const;

  // The groups an entity belongs to (users by UPN/id; emails by mailbox),
  // sorted by name.
  std::vector<std::string> GroupsOf(const v1::Entity& entity) const;

  // Builds the model index; the loader calls it once, after `rules` is
  // final.
  void BuildIndex();

 private:
  absl::flat_hash_map<std::string, std::vector<int>> exact_;
  absl::flat_hash_map<std::string, std::vector<int>> prefix_;
  std::vector<int> globs_;
};

// Glob match with '*' (any run, including empty) and '?' (one byte).
bool GlobMatch(absl::string_view pattern, absl::string_view text);

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_POLICY_H_
