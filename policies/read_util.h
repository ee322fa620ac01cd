#ifndef RIPOSTE_POLICIES_READ_UTIL_H_
#define RIPOSTE_POLICIES_READ_UTIL_H_

// Small reading helpers shared by the policy and rule readers: names,
// scores, choices from a fixed set, and the wording of the messages that
// name actions. Internal to the loader.

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "policies/policy.h"
#include "policies/policy_draft.h"
#include "yaml/map_reader.h"

namespace riposte::policies {

// The built-in catalog (action names and targets never change; only
// aggression and default durations may be overridden).
const std::map<std::string, ActionSpec>& BuiltinActions();

// "observe, move_to_junk, ..., disable_user": the built-in actions from
// least to most aggressive (by default aggression).
const std::string& KnownActionList();

// "move_to_junk, quarantine_email, disable_user".
const std::string& ReversibleActionList();

// "unknown action 'x' (known: observe, ...)".
std::string UnknownActionMessage(absl::string_view name);

// Names of rules and groups: [a-z0-9][a-z0-9._-]*.
bool IsValidName(absl::string_view name);

// Why `name` is not a valid name of a `what` ("rule", "group").
std::string InvalidNameMessage(absl::string_view what, absl::string_view name);

// The site of `key` in `reader`'s map.
Site SiteOf(const yaml::MapReader& reader, absl::string_view key, int file);

// Reads `key` as a sequence of non-empty strings, with the site of each.
// Reports bad items and a missing key (when `required`). Returns true if the
// key is present and every item is good.
bool ReadNameList(yaml::MapReader& reader, absl::string_view key,
                  bool required, int file, std::vector<NameAt>* out);

// Reads `key` as a plain decimal number ("40", "12.5", "-3"). Returns true
// if present and a number; reports anything else, and a missing key when
// `required`.
bool ReadNumber(yaml::MapReader& reader, absl::string_view key, bool required,
                double* out);

// Reads `key` as one of `allowed`, storing its position in `*index`.
// Reports "unknown <what> "x" (allowed: a, b)". Returns true if present and
// allowed.
bool ReadChoice(yaml::MapReader& reader, absl::string_view key,
                absl::string_view what,
                std::initializer_list<absl::string_view> allowed, int* index);

// A score as users write it: "90", "12.5".
std::string FormatScore(double score);

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_READ_UTIL_H_
