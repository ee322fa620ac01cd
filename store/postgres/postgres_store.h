#ifndef RIPOSTE_STORE_POSTGRES_POSTGRES_STORE_H_
#define RIPOSTE_STORE_POSTGRES_POSTGRES_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "store/group_commit.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace riposte::store::postgres {

struct PostgresStoreOptions {
  // A libpq connection string or URI. Holds the password: never logged.
  std::string dsn;
  // Connections for operator reads and metrics; the writer has its own.
  int pool_size = 4;
  PgConnectOptions connect;
  // Most units of work committed in one transaction.
  int64_t max_batch = 1024;
  // Read without writing anything (for offline audit verification): no
  // migration (the schema must be current) and no writer; Execute fails
  // every unit with FailedPrecondition.
  bool read_only = false;
  // As SqliteStoreOptions::on_storage_failure: called on the writer thread
  // with every unit or commit that failed because the database could not
  // be reached or refused the write (IsPgStorageFailure).
  std::function<void(const absl::Status&)> on_storage_failure;
};

// True for a failure of the database itself (unreachable, shutting down,
// out of space, read-only after a failover), not of one statement.
bool IsPgStorageFailure(const absl::Status& status);

// The shared engine: several riposted replicas on one PostgreSQL database.
//
// Writes go through group commit (GroupCommitRunner) on one writer
// connection per replica. Every write transaction first locks the chain
// head row, so transactions from all replicas are serialised: the audit
// chain stays one chain, and idempotency, correlation, budgets and
// approvals see every committed unit before them. Run leases use FOR
// UPDATE SKIP LOCKED and fencing tokens. Reads use a small pool and never
// wait for the writer.
//
// A lost connection fails the units in flight with Unavailable; the next
// batch (or read) connects again, so riposted recovers by itself when the
// database returns.
//
// Thread-safe.
class PostgresStore : public Store {
 public:
  // Connects, migrates the schema (one replica at a time) and starts the
  // writer. Unavailable if the database cannot be reached;
  // FailedPrecondition if its schema is newer than this build.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(
      const PostgresStoreOptions& options, Clock* clock);
  ~PostgresStore() override;

  void Execute(Work work, Done done) override;
  absl::StatusOr<std::vector<audit::AuditRecord>> ReadAudit(
      int64_t after_seq, int64_t limit) override;
  absl::StatusOr<audit::VerifyResult> VerifyAudit() override;
  absl::StatusOr<audit::AuditedRows> ListAuditedRows() override;
  absl::StatusOr<audit::ChainBase> ReadAuditBase() override;
  absl::StatusOr<std::vector<OutboxRow>> ReadOutbox(int64_t after_seq,
                                                    int64_t limit) override;
  absl::StatusOr<int64_t> LastOutboxSeq() override;
  absl::StatusOr<std::optional<BreachRow>> GetBreach(
      absl::string_view detector_id, absl::string_view breach_id) override;
  absl::StatusOr<StoreStats> Stats() override;
  void Close() override;
  bool exclusive() const override { return false; }
  absl::StatusOr<std::vector<ActionRunRow>> ListRuns(int64_t limit) override;
  absl::StatusOr<std::vector<IncidentRow>> FindIncidents(
      const IncidentFilter& filter) override;
  absl::StatusOr<std::optional<IncidentRow>> GetIncident(int64_t id) override;
  absl::StatusOr<std::vector<ActionRunRow>> FindRuns(
      const RunFilter& filter) override;
  absl::StatusOr<std::vector<BreachRow>> IncidentBreaches(
      int64_t incident_id) override;
  absl::StatusOr<std::vector<DecisionRow>> IncidentDecisions(
      int64_t incident_id) override;
  absl::StatusOr<std::optional<std::string>> ReadSetting(
      absl::string_view key) override;
  absl::StatusOr<StoreGauges> Gauges() override;

  int64_t CommitCount() const;
  int64_t CommittedUnits() const;

 private:
  class Session;
  class Reader;

  PostgresStore(PostgresStoreOptions options, Clock* clock)
      : options_(std::move(options)), clock_(clock) {}

  // A pooled read connection, connected (again) if needed; returned to
  // the pool when `Reader` goes away.
  absl::StatusOr<Reader> Borrow();
  void Return(std::unique_ptr<PgConnection> conn);

  const PostgresStoreOptions options_;
  Clock* const clock_;
  std::unique_ptr<GroupCommitRunner> runner_;

  absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_ ABSL_GUARDED_BY(pool_mu_);
  int lent_ ABSL_GUARDED_BY(pool_mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(pool_mu_) = false;
};

}  // namespace riposte::store::postgres

#endif  // RIPOSTE_STORE_POSTGRES_POSTGRES_STORE_H_
