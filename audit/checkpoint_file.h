#ifndef RIPOSTE_AUDIT_CHECKPOINT_FILE_H_
#define RIPOSTE_AUDIT_CHECKPOINT_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::audit {

// Reads a whole checkpoint file. NotFound when it does not exist,
// PermissionDenied, FailedPrecondition when it is not a regular file,
// Unavailable for other I/O errors; messages name the path.
absl::StatusOr<std::string> ReadCheckpointFile(const std::string& path);

// Appends one signed note and the blank line after it, in one write, and
// syncs the file to disk. Creates the file (mode 0644) if needed. Errors
// as ReadCheckpointFile. Thread-compatible: one writer per file.
absl::Status AppendCheckpoint(const std::string& path, absl::string_view note);

}  // namespace riposte::audit

#endif  // RIPOSTE_AUDIT_CHECKPOINT_FILE_H_
