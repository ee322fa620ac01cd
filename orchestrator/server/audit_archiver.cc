#include "orchestrator/server/audit_archiver.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/chain_verifier.h"
#include "audit/coverage_check.h"
#include "audit/segment.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::server {
namespace {

// The rows a segment's records name, as CoverageCheck reads them.
audit::AuditedRows RowsNamedIn(const std::vector<audit::AuditRecord>& records) {
  audit::CoverageCheck named;
  for (const audit::AuditRecord& r : records) named.Add(r);
  return named.Named();
}

}  // namespace

absl::StatusOr<int64_t> AuditArchiver::ArchiveOne() {
  RIPOSTE_ASSIGN_OR_RETURN(audit::ChainBase base, store_->ReadAuditBase());
  RIPOSTE_ASSIGN_OR_RETURN(
      std::vector<audit::AuditRecord> records,
      store_->ReadAudit(base.seq, options_.segment_records + 1));
  // Whole segments only, and never the head of the chain.
  if (static_cast<int64_t>(records.size()) <= options_.segment_records) {
    return 0;
  }
  records.pop_back();
  const audit::AuditRecord& last = records.back();
  if (last.time >= clock_->Now() - options_.keep) return 0;
  audit::ChainVerifier chain(base);
  for (const audit::AuditRecord& r : records) {
    if (!chain.Add(r)) break;
  }
  if (!chain.result().ok) {
    return absl::DataLossError(absl::StrCat(
        "audit archive: not archiving a broken chain: record ",
        chain.result().first_broken_seq, ": ", chain.result().reason));
  }
  const audit::AuditedRows named = RowsNamedIn(records);
  int64_t stored = 0;
  RIPOSTE_RETURN_IF_ERROR(store_->ExecuteAndWait([&](store::Transaction& txn) {
    RIPOSTE_ASSIGN_OR_RETURN(stored, txn.CountStoredRows(named));
    return absl::OkStatus();
  }));
  if (stored > 0) {
    log::Debug("audit segment waits for its rows to leave the store",
               {{"first", records.front().seq},
                {"last", last.seq},
                {"rows_stored", stored}});
    return 0;
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      std::string note,
      signer_->Sign(audit::Checkpoint{options_.origin, last.seq, last.hash}));
  RIPOSTE_ASSIGN_OR_RETURN(
      std::string path,
      audit::WriteSegmentFile(
          options_.archive_dir,
          audit::SegmentFileName(records.front().seq, last.seq),
          audit::SegmentText(records, note)));
  const audit::ChainBase new_base{last.seq, last.hash};
  RIPOSTE_RETURN_IF_ERROR(store_->ExecuteAndWait([&](store::Transaction& txn) {
    // Checked again in the unit that deletes: a row may have come meanwhile.
    RIPOSTE_ASSIGN_OR_RETURN(int64_t now_stored, txn.CountStoredRows(named));
    if (now_stored > 0) {
      return absl::FailedPreconditionError(
          "rows named in the segment were stored meanwhile");
    }
    return txn.RemoveArchivedAudit(new_base);
  }));
  log::Info("audit segment archived", {{"first", records.front().seq},
                                       {"last", last.seq},
                                       {"file", path},
                                       {"checkpoint", note}});
  return static_cast<int64_t>(records.size());
}

}  // namespace riposte::server
