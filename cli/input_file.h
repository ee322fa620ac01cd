#ifndef RIPOSTE_CLI_INPUT_FILE_H_
#define RIPOSTE_CLI_INPUT_FILE_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "riposte/v1/operator.pb.h"

namespace riposte::cli {

// Largest -f input the CLI reads.
inline constexpr size_t kMaxInputBytes = 64 * 1024 * 1024;

// The text of `path`, or of `in` when `path` is "-". Usage errors name the
// file: "cannot read breaches.json: No such file or directory".
absl::StatusOr<std::string> ReadInput(const std::string& path, std::istream& in);

// How -f names a file in messages: "<stdin>" for "-", else the path.
std::string InputName(const std::string& path);

// Policy files for --policy / -f: each path is a file, or a directory whose
// *.yaml and *.yml files (not in subdirectories, hidden files skipped,
// sorted by name) are read, each named "<dir>/<file name>" as riposted
// names them. Usage errors for missing or unreadable paths and for a
// directory without policy files.
absl::StatusOr<std::vector<v1::PolicySource>> ReadPolicySources(
    const std::vector<std::string>& paths);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_INPUT_FILE_H_
