#include "orchestrator/server/audit_archiver.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/chain_verifier.h"
#include "audit/coverage_check.h"
#include "audit/segment.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::server {
namespace {

// Records read from the store at a time while a segment is written.
constexpr int64_t kPage = 4096;

}  // namespace

absl::StatusOr<int64_t> AuditArchiver::ArchiveOne() {
  RIPOSTE_ASSIGN_OR_RETURN(audit::ChainBase base, store_->ReadAuditBase());
  const int64_t first = base.seq + 1;
  const int64_t last = base.seq + options_.segment_records;
  // Whole segments only, old enough, and never the head of the chain (a
  // record must follow the segment's last one).
  RIPOSTE_ASSIGN_OR_RETURN(std::vector<audit::AuditRecord> end,
                           store_->ReadAudit(last - 1, 2));
  if (end.size() < 2 || end[0].seq != last) return 0;
  if (end[0].time >= clock_->Now() - options_.keep) return 0;

  // Records first..last, page by page, so a segment is never held whole.
  auto for_each = [&](auto&& fn) -> absl::Status {
    int64_t after = base.seq;
    while (after < last) {
      RIPOSTE_ASSIGN_OR_RETURN(
          std::vector<audit::AuditRecord> page,
          store_->ReadAudit(after, std::min(kPage, last - after)));
      if (page.empty()) break;
      for (const audit::AuditRecord& r : page) RIPOSTE_RETURN_IF_ERROR(fn(r));
      after = page.back().seq;
    }
    return absl::OkStatus();
  };
  // First the chain and the rows the segment names, writing nothing: a
  // segment that must wait costs reads only.
  audit::ChainVerifier chain(base);
  audit::CoverageCheck named;
  RIPOSTE_RETURN_IF_ERROR(for_each([&](const audit::AuditRecord& r) {
    if (!chain.Add(r)) {
      return absl::DataLossError(absl::StrCat(
          "audit archive: not archiving a broken chain: record ",
          chain.result().first_broken_seq, ": ", chain.result().reason));
    }
    named.Add(r);
    return absl::OkStatus();
  }));
  if (chain.result().head_seq != last) {
    return absl::DataLossError(absl::StrCat(
        "audit archive: records ", first, "-", last, " are not all stored"));
  }
  const audit::AuditedRows rows = named.Named();
  int64_t stored = 0;
  RIPOSTE_RETURN_IF_ERROR(
      store_->ExecuteAndWait([&](store::RetentionTransaction& txn) {
        RIPOSTE_ASSIGN_OR_RETURN(stored, txn.CountStoredRows(rows));
        return absl::OkStatus();
      }));
  if (stored > 0) {
    log::Debug("audit segment waits for its rows to leave the store",
               {{"first", first}, {"last", last}, {"rows_stored", stored}});
    return 0;
  }
  // Then the file, checking the chain again as it is written: what is
  // signed is exactly what the file holds.
  RIPOSTE_ASSIGN_OR_RETURN(
      std::unique_ptr<audit::SegmentWriter> writer,
      audit::SegmentWriter::Create(options_.archive_dir,
                                   audit::SegmentFileName(first, last)));
  audit::ChainVerifier written(base);
  RIPOSTE_RETURN_IF_ERROR(for_each([&](const audit::AuditRecord& r) {
    written.Add(r);
    return writer->Add(r);
  }));
  if (written.result().head_seq != last ||
      written.result().head_hash != chain.result().head_hash) {
    return absl::DataLossError(absl::StrCat(
        "audit archive: records ", first, "-", last,
        " changed while the segment was written"));
  }
  const audit::ChainBase new_base{last, chain.result().head_hash};
  RIPOSTE_ASSIGN_OR_RETURN(
      std::string note,
      signer_->Sign(audit::Checkpoint{options_.origin, last, new_base.hash}));
  RIPOSTE_ASSIGN_OR_RETURN(std::string path, writer->Finish(note));
  RIPOSTE_RETURN_IF_ERROR(
      store_->ExecuteAndWait([&](store::RetentionTransaction& txn) {
        // Checked again in the unit that deletes: a row may have come
        // meanwhile.
        RIPOSTE_ASSIGN_OR_RETURN(int64_t now_stored, txn.CountStoredRows(rows));
        if (now_stored > 0) {
          return absl::FailedPreconditionError(
              "rows named in the segment were stored meanwhile");
        }
        return txn.RemoveArchivedAudit(new_base);
      }));
  log::Info("audit segment archived", {{"first", first},
                                       {"last", last},
                                       {"file", path},
                                       {"checkpoint", note}});
  return options_.segment_records;
}

}  // namespace riposte::server
