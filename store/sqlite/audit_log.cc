#include "store/sqlite/audit_log.h"

#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "store/engine_rules.h"

namespace riposte::store::sqlite {
namespace {


// Columns: kAuditColumns.
audit::AuditRecord ReadAuditRecord(const Statement& s) {
  audit::AuditRecord r;
  r.seq = s.ColumnInt(0);
  r.time = absl::FromUnixMicros(s.ColumnInt(1));
  r.event.actor = s.ColumnText(2);
  r.event.event = s.ColumnText(3);
  r.event.subject = s.ColumnText(4);
  r.event.details = s.ColumnText(5);
  r.event.policy_version = s.ColumnText(6);
  r.prev_hash = s.ColumnText(7);
  r.hash = s.ColumnText(8);
  return r;
}


}  // namespace

absl::Status AuditLog::LoadTip() {
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, db_.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC "
                          "LIMIT 1"));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  if (row) {
    tip_ = Tip{s->ColumnInt(0), s->ColumnText(1)};
  } else {
    tip_ = Tip{0, std::string(audit::kGenesisHash)};
  }
  return absl::OkStatus();
}

absl::StatusOr<audit::AuditRecord> AuditLog::Append(
    const audit::AuditEvent& event, absl::Time time) {
  audit::AuditRecord r;
  r.time = time;
  r.event = event;
  if (r.event.details.empty()) r.event.details = "{}";
  audit::Seal(tip_.seq, tip_.hash, r);
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, insert_.Get(db_, [] {
    return absl::StrCat("INSERT INTO audit_log (", kAuditColumns,
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, r.seq)
      .Bind(2, absl::ToUnixMicros(r.time))
      .Bind(3, r.event.actor)
      .Bind(4, r.event.event)
      .Bind(5, r.event.subject)
      .Bind(6, r.event.details)
      .Bind(7, r.event.policy_version)
      .Bind(8, r.prev_hash)
      .Bind(9, r.hash);
  RIPOSTE_RETURN_IF_ERROR(s->Run());
  tip_ = Tip{r.seq, r.hash};
  return r;
}

absl::StatusOr<std::vector<audit::AuditRecord>> AuditLog::Read(
    int64_t after_seq, int64_t limit) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, read_.Get(db_, [] {
    return absl::StrCat("SELECT ", kAuditColumns,
                        " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, after_seq).Bind(2, limit);
  return ReadAll<audit::AuditRecord>(*s, ReadAuditRecord);
}

absl::StatusOr<audit::ChainBase> AuditLog::ReadBase() {
  RIPOSTE_ASSIGN_OR_RETURN(std::optional<std::string> value,
                           settings_.Get(kAuditBaseKey));
  return ParseAuditBase(value);
}

absl::StatusOr<audit::VerifyResult> AuditLog::Verify() {
  // The base and the records in one read transaction, so an archive pass
  // between them cannot make the chain look cut.
  RIPOSTE_RETURN_IF_ERROR(db_.Exec("BEGIN"));
  struct EndRead {
    Database& db;
    ~EndRead() { db.Exec("COMMIT").IgnoreError(); }
  } end_read{db_};
  RIPOSTE_ASSIGN_OR_RETURN(audit::ChainBase base, ReadBase());
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, db_.Prepare(absl::StrCat("SELECT ", kAuditColumns,
                                       " FROM audit_log ORDER BY seq")));
  audit::ChainVerifier verifier(base);
  while (true) {
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (!verifier.Add(ReadAuditRecord(*s))) break;
  }
  return verifier.result();
}

absl::Status AuditLog::RemoveArchived(const audit::ChainBase& base) {
  {
    RIPOSTE_ASSIGN_OR_RETURN(
        Statement * s,
        hash_of_.Get(db_, "SELECT hash FROM audit_log WHERE seq = ?"));
    ResetOnExit reset(*s);
    s->Bind(1, base.seq);
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row || s->ColumnText(0) != base.hash) {
      return absl::FailedPreconditionError(absl::StrCat(
          "audit record ", base.seq, " is not stored with hash ", base.hash));
    }
  }
  if (base.seq >= tip_.seq) {
    return absl::FailedPreconditionError(absl::StrCat(
        "audit record ", base.seq, " is the head of the chain; it stays"));
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * d,
      delete_through_.Get(db_, "DELETE FROM audit_log WHERE seq <= ?"));
  ResetOnExit reset(*d);
  d->Bind(1, base.seq);
  RIPOSTE_RETURN_IF_ERROR(d->Run());
  return settings_.Put(kAuditBaseKey, FormatAuditBase(base));
}

}  // namespace riposte::store::sqlite
