#ifndef RIPOSTE_STORE_SQLITE_SQLITE_STORE_H_
#define RIPOSTE_STORE_SQLITE_SQLITE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/store.h"

namespace riposte::store {
class GroupCommitRunner;
}  // namespace riposte::store

namespace riposte::store::sqlite {

struct Tables;

struct SqliteStoreOptions {
  // The database file. Its directory must exist.
  std::string path;
  // Most units of work committed in one transaction.
  int64_t max_batch = 1024;
  // Open without writing anything (for offline audit verification). Execute
  // then fails every unit with FailedPrecondition.
  bool read_only = false;
  // Called on the writer thread with every unit or commit that failed for
  // a storage reason (see ClassifyStorageFailure), e.g. a full disk. Must
  // be quick and must not call into the store. May be empty.
  std::function<void(const absl::Status&)> on_storage_failure;
  // A new file is always made in incremental auto-vacuum mode, so pages
  // that retention frees can go back to the file system. A file made before
  // is switched with one VACUUM at open only when this is set (riposted
  // sets it when retention is configured): that rewrites the whole file
  // once and needs as much free space again; if it fails, the store opens
  // anyway and freed pages are only reused, not returned.
  bool switch_to_incremental_vacuum = false;
};

// The embedded engine: one SQLite file in WAL mode with synchronous=FULL, so
// a unit of work reported durable survives a crash or power loss.
//
// One writer connection runs the queued units through a GroupCommitRunner
// (one transaction and one fsync per batch, a savepoint per unit); a second
// connection serves reads. The schema is in sqlite_schema.cc, each table's
// SQL in its own file (breaches.cc, runs.cc, ...). The file is locked
// against a second writer process.
//
// Thread-safe.
class SqliteStore : public Store {
 public:
  // Opens or creates the file and migrates its schema. Opening a store whose
  // schema is current writes nothing, so it works on a full disk: reads are
  // served and writes fail (Unavailable) until space returns. Errors:
  // FailedPrecondition if another process holds the file or its schema is
  // newer than this build; Unavailable if it cannot be opened.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const SqliteStoreOptions& options, Clock* clock);

  // The schema version this build writes.
  static constexpr int kSchemaVersion = sqlite::kSchemaVersion;

  ~SqliteStore() override;

  void Execute(Work work, Done done) override;
  absl::StatusOr<std::vector<audit::AuditRecord>> ReadAudit(
      int64_t after_seq, int64_t limit) override;
  absl::StatusOr<std::vector<OutboxRow>> ReadOutbox(int64_t after_seq,
                                                    int64_t limit) override;
  absl::StatusOr<int64_t> LastOutboxSeq() override;
  absl::StatusOr<audit::VerifyResult> VerifyAudit() override;
  absl::StatusOr<audit::AuditedRows> ListAuditedRows() override;
  absl::StatusOr<audit::ChainBase> ReadAuditBase() override;
  absl::StatusOr<std::optional<BreachRow>> GetBreach(
      absl::string_view detector_id, absl::string_view breach_id) override;
  absl::StatusOr<StoreStats> Stats() override;
  void Close() override;
  bool exclusive() const override { return true; }
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

  // Number of physical commits so far; with CommittedUnits shows how well
  // group commit batches.
  int64_t CommitCount() const;
  int64_t CommittedUnits() const;

 private:
  SqliteStore(SqliteStoreOptions options, Clock* clock);
  absl::Status Init();
  // Runs `fn` on the reader's tables; Unavailable once closed.
  template <typename Fn>
  auto OnReader(Fn fn) -> decltype(fn(std::declval<Tables&>()));

  const SqliteStoreOptions options_;
  Clock* const clock_;
  int lock_fd_ = -1;

  // The writer connection; its statements belong to the runner's session,
  // which Close destroys first.
  std::unique_ptr<Database> writer_;
  // Null when read-only.
  std::unique_ptr<GroupCommitRunner> runner_;
  std::atomic<bool> closed_{false};

  absl::Mutex read_mu_;
  // Destroyed before reader_.
  std::unique_ptr<Tables> read_tables_ ABSL_GUARDED_BY(read_mu_);
  std::unique_ptr<Database> reader_ ABSL_GUARDED_BY(read_mu_);
};

}  // namespace riposte::store::sqlite

#endif  // RIPOSTE_STORE_SQLITE_SQLITE_STORE_H_
