#ifndef RIPOSTE_STORE_SQLITE_WRITER_SESSION_H_
#define RIPOSTE_STORE_SQLITE_WRITER_SESSION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "store/group_commit.h"
#include "store/sqlite/cached_statement.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/tables.h"
#include "store/store.h"

namespace riposte::store::sqlite {

// The SQLite engine's Transaction: each operation is one table's (see
// tables.h). Only valid on the writer thread, inside a batch.
class SqliteTransaction : public Transaction {
 public:
  // `next_breach_id`: one more than the greatest stored.
  SqliteTransaction(Tables& tables, Clock* clock, int64_t next_breach_id)
      : t_(tables), clock_(clock), next_breach_id_(next_breach_id) {}

  // IntakeTransaction.
  absl::StatusOr<std::optional<BreachRow>> FindBreach(
      absl::string_view detector_id, absl::string_view breach_id) override;
  absl::StatusOr<int64_t> AllocateBreachId() override;
  absl::Status InsertBreach(const BreachRow& row) override;
  absl::StatusOr<std::optional<IncidentRow>> FindLatestIncident(
      absl::string_view tenant_id, absl::string_view subject_key) override;
  absl::StatusOr<int64_t> InsertIncident(const IncidentRow& row) override;
  absl::Status UpdateIncident(const IncidentRow& row) override;
  absl::StatusOr<std::vector<BreachRow>> ListBreachesObservedBetween(
      int64_t incident_id, absl::Time from, absl::Time to,
      int64_t limit) override;
  absl::StatusOr<std::vector<int64_t>> GetIncidentSteps(
      int64_t incident_id, absl::string_view target_key) override;
  absl::Status PutIncidentSteps(int64_t incident_id,
                                absl::string_view target_key,
                                const std::vector<int64_t>& run_ids) override;
  absl::StatusOr<std::optional<ActionRunRow>> GetRun(int64_t id) override;
  absl::StatusOr<std::vector<ActionRunRow>> ListRunsOnTargets(
      absl::string_view tenant_id, const std::vector<std::string>& target_keys,
      const std::vector<runs::RunState>& states) override;
  absl::StatusOr<int64_t> CountAutonomousRuns(absl::string_view tenant_id,
                                              absl::string_view action,
                                              absl::Time since) override;
  absl::StatusOr<int64_t> InsertDecision(const DecisionRow& row) override;
  absl::StatusOr<int64_t> InsertActionRun(const ActionRunRow& row) override;
  absl::StatusOr<std::optional<std::string>> GetSetting(
      absl::string_view key) override;
  absl::StatusOr<audit::AuditRecord> AppendAudit(
      const audit::AuditEvent& event) override;
  absl::Status AppendOutbox(const OutboxRow& row) override;

  // ExecutorTransaction.
  absl::StatusOr<std::optional<ActionRunRow>> ClaimDueRun(
      absl::string_view holder, absl::Time now,
      absl::Time lease_until) override;
  absl::Status UpdateLeasedRun(const RunUpdate& update) override;
  absl::Status CheckpointRunMemo(int64_t id, int64_t fence,
                                 absl::string_view memo) override;
  absl::StatusOr<std::optional<absl::Time>> NextDueTime(
      absl::Time now) override;
  absl::StatusOr<int64_t> ReleaseForeignLeases(absl::string_view holder,
                                               absl::Time now) override;
  absl::StatusOr<std::optional<DecisionRow>> GetDecision(int64_t id) override;

  // OperatorTransaction.
  absl::Status UpdateRunForOperator(const OperatorRunUpdate& update) override;
  absl::StatusOr<std::vector<ActionRunRow>> ListExpiredApprovals(
      absl::Time now) override;
  absl::Status PutSetting(absl::string_view key,
                          absl::string_view value) override;

  // RetentionTransaction.
  absl::StatusOr<PruneResult> PruneIncidents(
      const PruneRequest& request) override;
  absl::StatusOr<int64_t> ReclaimSpace(int64_t max_pages) override;
  absl::StatusOr<int64_t> CountStoredRows(
      const audit::AuditedRows& rows) override;
  absl::Status RemoveArchivedAudit(const audit::ChainBase& base) override;
  absl::StatusOr<int64_t> PruneOutbox(int64_t up_to_seq, absl::Time before,
                                      int64_t limit) override;

 private:
  Tables& t_;
  Clock* const clock_;
  // The file is locked to this process and only the writer thread gets
  // here, so a counter in memory is enough.
  int64_t next_breach_id_;
};

// The writer connection's side of group commit: one BEGIN IMMEDIATE per
// batch, a savepoint per unit, and the audit chain's tip put back with
// whatever is rolled back.
class WriterSession : public BatchSession {
 public:
  // Prepares the writer's statements and reads the chain's tip and the
  // next breach id. `db` must outlive the session.
  static absl::StatusOr<std::unique_ptr<WriterSession>> Open(Database& db,
                                                             Clock* clock);

  absl::Status Begin() override;
  absl::Status Savepoint() override;
  absl::Status Release() override;
  absl::Status RollbackToSavepoint() override;
  absl::Status Commit() override;
  void Rollback() override;
  Transaction& transaction() override { return *txn_; }
  void UnitStarted() override { unit_tip_ = tables_.audit.tip(); }
  void UnitRolledBack() override { tables_.audit.set_tip(unit_tip_); }
  void BatchAbandoned() override { tables_.audit.set_tip(batch_tip_); }

 private:
  explicit WriterSession(Database& db) : db_(db), tables_(db) {}
  absl::Status Run(CachedStatement& statement, const char* sql);

  Database& db_;
  Tables tables_;
  std::unique_ptr<SqliteTransaction> txn_;
  CachedStatement begin_, savepoint_, release_, rollback_to_, commit_,
      rollback_;
  AuditLog::Tip batch_tip_, unit_tip_;
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_WRITER_SESSION_H_
