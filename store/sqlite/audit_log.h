#ifndef RIPOSTE_STORE_SQLITE_AUDIT_LOG_H_
#define RIPOSTE_STORE_SQLITE_AUDIT_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/audit_record.h"
#include "audit/chain_verifier.h"
#include "store/sqlite/cached_statement.h"
#include "store/sqlite/settings.h"
#include "store/sqlite/sqlite_db.h"

namespace riposte::store::sqlite {

// The audit_log table: the hash chain of audit records, whose base (the
// last record archived out of the store) is kept in the settings table. On
// the writer connection it also holds the chain's tip, which follows the
// database: whoever rolls back appends must put the tip back (set_tip). Not
// thread-safe (one connection, one thread).
class AuditLog {
 public:
  // The newest record: its seq and hash (0 and the genesis hash if none).
  struct Tip {
    int64_t seq = 0;
    std::string hash;
  };

  AuditLog(Database& db, Settings& settings) : db_(db), settings_(settings) {}

  // Reads the tip from the table (the writer, at open).
  absl::Status LoadTip();
  const Tip& tip() const { return tip_; }
  void set_tip(Tip tip) { tip_ = std::move(tip); }

  // Seals `event` at `time` after the tip, stores it and moves the tip.
  absl::StatusOr<audit::AuditRecord> Append(const audit::AuditEvent& event,
                                            absl::Time time);
  // Records with seq > after_seq, in order, at most `limit`.
  absl::StatusOr<std::vector<audit::AuditRecord>> Read(int64_t after_seq,
                                                       int64_t limit);
  // The chain's base (see Store::ReadAuditBase). DataLoss if it is corrupt.
  absl::StatusOr<audit::ChainBase> ReadBase();
  // Recomputes the chain from its base, in one read transaction.
  absl::StatusOr<audit::VerifyResult> Verify();
  // See RetentionTransaction::RemoveArchivedAudit; uses the tip.
  absl::Status RemoveArchived(const audit::ChainBase& base);

 private:
  Database& db_;
  Settings& settings_;
  Tip tip_;
  CachedStatement insert_, read_, hash_of_, delete_through_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_AUDIT_LOG_H_
