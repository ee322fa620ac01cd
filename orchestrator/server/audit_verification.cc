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

namespace {

absl::StatusOr<AuditVerification> VerifyFromBase(
    store::Store& store, const audit::ChainBase& base,
    const std::optional<CheckpointSource>& checkpoints) {
  AuditVerification v;
  audit::ChainVerifier chain(base);
  audit::AnchorCheck anchors(checkpoints.has_value() && checkpoints->error.empty()
                                 ? checkpoints->notes
                                 : std::vector<audit::CheckpointNote>{});
  anchors.SetBase(base);
  audit::CoverageCheck coverage;
  bool intact = true;
  int64_t after = base.seq;
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
  v.anchors = anchors.Finish(v.chain.head_seq);
  // Rows whose records were archived are gone already: a segment leaves
  // the store only once no stored row is named in it.
  absl::StatusOr<audit::AuditedRows> rows = store.ListAuditedRows();
  if (!rows.ok()) return rows.status();
  v.coverage = coverage.Check(*rows);
  return v;
}

}  // namespace

absl::StatusOr<AuditVerification> VerifyAuditTrail(
    store::Store& store, std::optional<CheckpointSource> checkpoints) {
  absl::StatusOr<AuditVerification> v;
  // A segment archived while the chain is read moves its base: then read
  // it again from the new base.
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<audit::ChainBase> base = store.ReadAuditBase();
    if (!base.ok()) return base.status();
    v = VerifyFromBase(store, *base, checkpoints);
    if (!v.ok() || v->chain.ok) break;
    absl::StatusOr<audit::ChainBase> again = store.ReadAuditBase();
    if (!again.ok() || again->seq == base->seq) break;
  }
  if (v.ok()) v->checkpoints = std::move(checkpoints);
  return v;
}

std::string AuditVerification::ToJson() const {
  JsonObjectWriter w;
  w.AddBool("ok", ok());
  w.AddInt("records", chain.records);
  w.AddInt("head_seq", chain.head_seq);
  if (chain.base_seq > 0) w.AddInt("archived_through", chain.base_seq);
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
