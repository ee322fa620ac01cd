#ifndef RIPOSTE_STORE_GROUP_COMMIT_H_
#define RIPOSTE_STORE_GROUP_COMMIT_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "store/store.h"

namespace riposte::store {

// One writer connection's side of a batch: the engine's transaction
// control, driven by GroupCommitRunner on one writer thread. Not called
// concurrently; each method returns the engine's status (Unavailable for a
// lost connection or a full disk, ...).
class BatchSession {
 public:
  virtual ~BatchSession() = default;
  virtual absl::Status Begin() = 0;      // opens the batch's transaction
  virtual absl::Status Savepoint() = 0;  // before each unit
  // Unit succeeded. May fail (a session may send the unit's last writes
  // with it): the unit is then undone as if its work had failed.
  virtual absl::Status Release() = 0;
  virtual absl::Status
  RollbackToSavepoint() = 0;  // undo this unit only (then Release)
  virtual absl::Status Commit() = 0;
  virtual void Rollback() = 0;             // abandon the whole batch
  virtual Transaction& transaction() = 0;  // what units run against
  // In-memory state the engine caches (e.g. the audit chain tip) follows
  // the database: called around each unit and on a failed batch.
  // UnitStarted comes before each unit's Savepoint; UnitRolledBack after a
  // unit was undone; BatchAbandoned once nothing of the batch is durable
  // (Begin or Commit failed, or a unit could not be undone).
  virtual void UnitStarted() {}
  virtual void UnitRolledBack() {}
  virtual void BatchAbandoned() {}
};

struct GroupCommitOptions {
  // Most units of work committed in one transaction.
  int64_t max_batch = 1024;
  // Called on a writer thread with the status of every unit that failed
  // and of every batch whose commit failed, if `is_storage_failure` says it
  // failed for a storage reason (e.g. a full disk). Must be quick and must
  // not call into the store. May be empty.
  std::function<void(const absl::Status&)> on_storage_failure;
  // The engine's test for a storage failure (SQLite: its
  // ClassifyStorageFailure is not kNone). Empty: every failure is passed on.
  std::function<bool(const absl::Status&)> is_storage_failure;
  // Name of the writer threads (at most 15 characters are kept).
  std::string thread_name = "store-writer";
};

// Group commit, whatever the engine. Units of work queue up; each writer
// thread takes up to max_batch of them, opens one transaction on its
// session, runs each unit inside its own savepoint and commits once for all
// of them, so concurrent callers share one sync to disk while each unit
// succeeds or fails on its own: a failed unit is rolled back alone and its
// status goes to its Done. If the batch cannot commit, nothing of it is
// durable and every unit of it gets Unavailable("store: commit failed:
// ..."), carrying the engine's payloads. One notifier thread runs the Done
// callbacks (in the order of the units within a batch, batches in the
// order they ended), so a writer goes straight on to the next batch.
//
// Thread-safe.
class GroupCommitRunner {
 public:
  // One writer thread per session (SQLite passes one), plus one notifier
  // thread that runs Done callbacks. `sessions` must not be empty.
  GroupCommitRunner(GroupCommitOptions options,
                    std::vector<std::unique_ptr<BatchSession>> sessions);
  ~GroupCommitRunner();  // Close()
  GroupCommitRunner(const GroupCommitRunner&) = delete;
  GroupCommitRunner& operator=(const GroupCommitRunner&) = delete;

  // Queues a unit. After Close, `done` gets Unavailable("store: closed") at
  // once, on the calling thread.
  void Execute(Store::Work work, Store::Done done);
  // Finishes every queued unit, tells every Done, joins the threads and
  // destroys the sessions (so the engine may close their connections next).
  // Idempotent.
  void Close();

  // Physical commits so far, and the units they made durable: together
  // they show how well group commit batches.
  int64_t CommitCount() const;
  int64_t CommittedUnits() const;

 private:
  struct Pending {
    Store::Work work;
    Store::Done done;
  };
  // Outcomes of one ended batch, for the notifier thread.
  struct Outcomes {
    std::vector<Store::Done> done;
    std::vector<absl::Status> status;
  };

  void WriterLoop(BatchSession& session);
  void CommitBatch(BatchSession& session, std::deque<Pending>& batch);
  void NotifierLoop();

  const GroupCommitOptions options_;
  std::vector<std::unique_ptr<BatchSession>> sessions_;

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t commits_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t committed_units_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<Outcomes> outcomes_ ABSL_GUARDED_BY(mu_);
  size_t writers_running_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> writer_threads_;
  std::thread notifier_thread_;
};

}  // namespace riposte::store

#endif  // RIPOSTE_STORE_GROUP_COMMIT_H_
