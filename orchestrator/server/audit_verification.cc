#include "orchestrator/server/audit_verification.h"

#include "absl/strings/str_cat.h"
#include "audit/checkpoint_file.h"
#include "common/json.h"

namespace riposte::server {
namespace {

constexpr int64_t kPage = 4096;

}  // namespace

absl::StatusOr<CheckpointSource> LoadCheckpoints(
    const std::string& path, const audit::CheckpointVerifier& verifier,
    bool missing_ok) {
  CheckpointSource source;
  source.path = path;
  absl::StatusOr<std::string> text = audit::ReadCheckpointFile(path);
  if (!text.ok()) {
    if (missing_ok && absl::IsNotFound(text.status())) return source;
    return text.status();
  }
  auto notes = audit::ReadVerifiedCheckpoints(path, *text, verifier);
  if (!notes.ok()) {
    source.error = std::string(notes.status().message());
  } else {
    source.notes = *std::move(notes);
  }
  return source;
}

absl::StatusOr<AuditVerification> VerifyAuditTrail(
    store::Store& store, std::optional<CheckpointSource> checkpoints) {
  AuditVerification v;
  audit::ChainVerifier chain;
  audit::AnchorCheck anchors(checkpoints.has_value() && checkpoints->error.empty()
                                 ? checkpoints->notes
                                 : std::vector<audit::CheckpointNote>{});
  audit::CoverageCheck coverage;
  bool intact = true;
  int64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<audit::AuditRecord>> page =
        store.ReadAudit(after, kPage);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const audit::AuditRecord& r : *page) {
      // Rows are checked against every record, also past a break.
      coverage.Add(r);
      if (intact && (intact = chain.Add(r))) anchors.Add(r);
    }
    after = page->back().seq;
  }
  v.chain = chain.result();
  v.anchors = anchors.Finish(v.chain.records);
  absl::StatusOr<audit::AuditedRows> rows = store.ListAuditedRows();
  if (!rows.ok()) return rows.status();
  v.coverage = coverage.Check(*rows);
  v.checkpoints = std::move(checkpoints);
  return v;
}

std::string AuditVerification::ToJson() const {
  JsonObjectWriter w;
  w.AddBool("ok", ok());
  w.AddInt("records", chain.records);
  w.AddInt("head_seq", chain.head_seq);
  w.Add("head_hash", chain.head_hash);
  if (!chain.ok) {
    w.AddInt("first_broken_seq", chain.first_broken_seq);
    w.Add("reason", chain.reason);
  }
  if (checkpoints.has_value()) {
    w.Add("checkpoint_file", checkpoints->path);
    w.AddInt("checkpoints", anchors.checkpoints);
    if (!checkpoints->error.empty()) {
      w.Add("checkpoint_error", checkpoints->error);
    }
    if (!anchors.ok) {
      w.Add("failing_checkpoint", anchors.checkpoint);
      w.Add("checkpoint_reason", anchors.reason);
    }
  }
  w.AddInt("rows_checked", coverage.checked);
  if (!coverage.ok) {
    w.AddInt("rows_without_record", coverage.missing);
    JsonArrayWriter examples;
    for (const std::string& e : coverage.examples) examples.Add(e);
    w.AddRaw("missing_records", examples.Finish());
  }
  return std::move(w).Finish();
}

std::string AuditVerification::Problem() const {
  if (!chain.ok) {
    return absl::StrCat("record ", chain.first_broken_seq, ": ", chain.reason);
  }
  if (checkpoints.has_value() && !checkpoints->error.empty()) {
    return checkpoints->error;
  }
  if (!anchors.ok) {
    return absl::StrCat(checkpoints->path, ": ", anchors.checkpoint, ": ",
                        anchors.reason);
  }
  if (!coverage.ok) {
    return absl::StrCat(coverage.missing,
                        " stored row(s) without their audit record, e.g. ",
                        coverage.examples.front());
  }
  return "";
}

}  // namespace riposte::server
