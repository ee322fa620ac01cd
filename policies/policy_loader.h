#ifndef RIPOSTE_POLICIES_POLICY_LOADER_H_
#define RIPOSTE_POLICIES_POLICY_LOADER_H_

// Loads policy YAML into a validated, indexed Policy snapshot.
//
// A policy may be split over several files (guards in one, each threat's
// rules in others); they are merged in order. Validation is complete: one
// call reports every mistake in every file, each as
// "file:line: field.path: message", so an operator fixes them all in one
// pass. See docs/POLICY.md for the format and the checks.
//
// Thread-safe: the functions keep no state, and the snapshot they return is
// immutable.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policies/policy.h"

namespace riposte::policies {

// One policy file's content.
struct PolicySource {
  // Names the file in errors and in Policy::sources, e.g.
  // "policies/library/saas_account_takeover.yaml". Only the part after the
  // last '/' counts for the version (see RootRelativeName).
  std::string name;
  std::string text;
};

// Parses, validates, merges and indexes `sources` (in order: rules keep the
// order of the files, then of each file).
//
// Returns InvalidArgument listing every error, one per line, each
// "file:line: field.path: message"; the files are reported in order, each
// sorted by line. YAML syntax errors ("file:line:column: ...") are reported
// alone for their file, and the checks across files (duplicate names, group
// references, ladder order) are skipped until every file parses, since they
// would otherwise report names defined in the broken file.
//
// Policy::version is the hex SHA-256 of, for each source in order,
// "<len>:<relative name>\n<len>:<text>\n" (lengths in bytes, the name as
// RootRelativeName gives it), so it changes whenever a file is renamed,
// edited, added, removed or reordered, and not when the same files are
// mounted somewhere else.
absl::StatusOr<std::shared_ptr<const Policy>> ParsePolicy(
    const std::vector<PolicySource>& sources);

// Loads `path`: a file, or a directory whose *.yaml and *.yml files (not in
// subdirectories, hidden files skipped, sorted by name) are the sources,
// each named "<path>/<file name>".
//
// Returns NotFound if `path` does not exist or a directory holds no policy
// file, PermissionDenied if it cannot be read, InvalidArgument for a file
// over 16 MiB and for invalid policies (see ParsePolicy), Unavailable for
// other I/O errors. Every message names the path.
absl::StatusOr<std::shared_ptr<const Policy>> LoadPolicy(
    const std::string& path);

// The content hash ParsePolicy stores in Policy::version.
std::string PolicyVersion(const std::vector<PolicySource>& sources);

// A source's name relative to the policy root: the part after the last '/'.
// Policies are read from the files directly inside one directory (or from one
// file), by riposted and by the CLI alike, so this is the file's name within
// the policy directory wherever that is mounted: "guards.yaml" for
// "/etc/riposte/policy/guards.yaml" and for "./policy/guards.yaml".
absl::string_view RootRelativeName(absl::string_view name);

}  // namespace riposte::policies

#endif  // RIPOSTE_POLICIES_POLICY_LOADER_H_
