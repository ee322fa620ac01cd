#include "store/sqlite/outbox.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/engine_rules.h"

namespace riposte::store::sqlite {

absl::Status Outbox::Append(const OutboxRow& row) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      append_.Get(db_,
                  "INSERT INTO ocsf_outbox (uid, class_uid, time_us, event) "
                  "VALUES (?, ?, ?, ?) ON CONFLICT (uid) DO NOTHING"));
  ResetOnExit reset(*s);
  s->Bind(1, row.uid)
      .Bind(2, row.class_uid)
      .Bind(3, absl::ToUnixMicros(row.time))
      .Bind(4, row.event);
  return s->Run();
}

absl::StatusOr<std::vector<OutboxRow>> Outbox::Read(int64_t after_seq,
                                                    int64_t limit) {
  RIPOSTE_ASSIGN_OR_RETURN(Statement * s, read_.Get(db_, [] {
    return absl::StrCat("SELECT ", kOutboxColumns,
                        " FROM ocsf_outbox WHERE seq > ? ORDER BY seq LIMIT ?");
  }));
  ResetOnExit reset(*s);
  s->Bind(1, after_seq).Bind(2, limit);
  return ReadAll<OutboxRow>(*s, [](const Statement& r) {
    OutboxRow row;
    row.seq = r.ColumnInt(0);
    row.uid = r.ColumnText(1);
    row.class_uid = r.ColumnInt(2);
    row.time = absl::FromUnixMicros(r.ColumnInt(3));
    row.event = r.ColumnText(4);
    return row;
  });
}

absl::StatusOr<int64_t> Outbox::LastSeq() {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      last_.Get(db_, "SELECT COALESCE(MAX(seq), 0) FROM ocsf_outbox"));
  ResetOnExit reset(*s);
  RIPOSTE_ASSIGN_OR_RETURN(
      std::optional<int64_t> last,
      ReadOne<int64_t>(*s, [](const Statement& r) { return r.ColumnInt(0); }));
  return last.value_or(0);
}

absl::StatusOr<int64_t> Outbox::Prune(int64_t up_to_seq, absl::Time before,
                                      int64_t limit) {
  RIPOSTE_ASSIGN_OR_RETURN(
      Statement * s,
      prune_.Get(db_,
                 "DELETE FROM ocsf_outbox WHERE seq IN (SELECT seq FROM "
                 "ocsf_outbox WHERE seq <= ? AND time_us < ? ORDER BY seq "
                 "LIMIT ?)"));
  ResetOnExit reset(*s);
  s->Bind(1, up_to_seq).Bind(2, absl::ToUnixMicros(before)).Bind(3, limit);
  RIPOSTE_RETURN_IF_ERROR(s->Run());
  return db_.Changes();
}

}  // namespace riposte::store::sqlite
