#ifndef RIPOSTE_ORCHESTRATOR_SERVER_AUDIT_VERIFICATION_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_AUDIT_VERIFICATION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/anchor_check.h"
#include "audit/chain_verifier.h"
#include "audit/checkpoint.h"
#include "audit/coverage_check.h"
#include "store/store.h"

namespace riposte::server {

// Signed checkpoints to compare the chain with, as read from a file.
struct CheckpointSource {
  std::string path;
  // Set when the file could not be parsed or a note did not verify (a
  // forged or altered checkpoint): then nothing is compared.
  std::string error;
  std::vector<audit::CheckpointNote> notes;
};

// Reads and verifies a checkpoint file. A file that does not exist holds no
// checkpoints when `missing_ok`. Returns the I/O error (NotFound,
// PermissionDenied, Unavailable) when the file cannot be read; a file that
// is read but does not parse or verify is reported in `error`.
absl::StatusOr<CheckpointSource> LoadCheckpoints(
    const std::string& path, const audit::CheckpointVerifier& verifier,
    bool missing_ok);

// Everything verify found: the chain itself, the chain against the
// checkpoints (when given), and whether every stored breach, decision and
// action run has its record.
struct AuditVerification {
  audit::VerifyResult chain;
  std::optional<CheckpointSource> checkpoints;
  audit::AnchorResult anchors;
  audit::CoverageResult coverage;

  bool ok() const {
    return chain.ok && anchors.ok && coverage.ok &&
           (!checkpoints.has_value() || checkpoints->error.empty());
  }
  // One JSON line (docs/AUDIT.md, "Verifying").
  std::string ToJson() const;
  // The first problem in words, "" when ok.
  std::string Problem() const;
};

// Reads the whole chain once, page by page, and checks it. Errors are the
// store's (it could not be read).
absl::StatusOr<AuditVerification> VerifyAuditTrail(
    store::Store& store, std::optional<CheckpointSource> checkpoints);

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_AUDIT_VERIFICATION_H_
