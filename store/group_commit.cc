#include "store/group_commit.h"

#include <pthread.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace riposte::store {

GroupCommitRunner::GroupCommitRunner(
    GroupCommitOptions options,
    std::vector<std::unique_ptr<BatchSession>> sessions)
    : options_(std::move(options)), sessions_(std::move(sessions)) {
  {
    absl::MutexLock lock(&mu_);
    writers_running_ = sessions_.size();
  }
  for (auto& session : sessions_) {
    BatchSession* s = session.get();
    writer_threads_.emplace_back([this, s] { WriterLoop(*s); });
  }
  notifier_thread_ = std::thread([this] { NotifierLoop(); });
}

GroupCommitRunner::~GroupCommitRunner() { Close(); }

void GroupCommitRunner::Execute(Store::Work work, Store::Done done) {
  {
    absl::MutexLock lock(&mu_);
    if (!closing_) {
      queue_.push_back(Pending{std::move(work), std::move(done)});
      return;
    }
  }
  done(absl::UnavailableError("store: closed"));
}

void GroupCommitRunner::WriterLoop(BatchSession& session) {
  pthread_setname_np(pthread_self(),
                     options_.thread_name.substr(0, 15).c_str());
  while (true) {
    std::deque<Pending> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](GroupCommitRunner* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
            return !r->queue_.empty() || r->closing_;
          },
          this));
      if (queue_.empty()) {  // closing and drained
        --writers_running_;
        return;
      }
      while (!queue_.empty() &&
             static_cast<int64_t>(batch.size()) < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(session, batch);
  }
}

void GroupCommitRunner::CommitBatch(BatchSession& session,
                                    std::deque<Pending>& batch) {
  std::vector<absl::Status> results(batch.size());
  absl::Status txn_status = session.Begin();
  if (txn_status.ok()) {
    Transaction& txn = session.transaction();
    for (size_t i = 0; i < batch.size(); ++i) {
      session.UnitStarted();
      absl::Status s = session.Savepoint();
      if (s.ok()) s = batch[i].work(txn);
      // A release can fail too: a session may send a unit's last writes
      // with it.
      if (s.ok()) s = session.Release();
      if (!s.ok()) {
        // Undo this unit only.
        absl::Status undo = session.RollbackToSavepoint();
        if (undo.ok()) undo = session.Release();
        session.UnitRolledBack();
        if (!undo.ok()) {
          txn_status = undo;
          break;
        }
      }
      results[i] = std::move(s);
    }
    if (txn_status.ok()) txn_status = session.Commit();
    if (!txn_status.ok()) session.Rollback();
  }
  auto is_storage_failure = [this](const absl::Status& s) {
    return !s.ok() &&
           (!options_.is_storage_failure || options_.is_storage_failure(s));
  };
  if (!txn_status.ok()) {
    // Nothing of this batch is durable.
    session.BatchAbandoned();
    absl::Status failed = absl::UnavailableError(
        absl::StrCat("store: commit failed: ", txn_status.message()));
    txn_status.ForEachPayload(
        [&failed](absl::string_view type, const absl::Cord& payload) {
          failed.SetPayload(type, payload);
        });
    for (auto& r : results) r = failed;
    if (options_.on_storage_failure && is_storage_failure(failed)) {
      options_.on_storage_failure(failed);
    }
  } else if (options_.on_storage_failure) {
    for (const auto& r : results) {
      if (is_storage_failure(r)) options_.on_storage_failure(r);
    }
  }
  int64_t ok_units = 0;
  for (const auto& r : results) ok_units += r.ok() ? 1 : 0;
  Outcomes outcomes;
  outcomes.done.reserve(batch.size());
  for (auto& p : batch) outcomes.done.push_back(std::move(p.done));
  outcomes.status = std::move(results);
  absl::MutexLock lock(&mu_);
  if (txn_status.ok()) ++commits_;
  committed_units_ += ok_units;
  outcomes_.push_back(std::move(outcomes));
}

void GroupCommitRunner::NotifierLoop() {
  pthread_setname_np(pthread_self(), "store-notify");
  while (true) {
    Outcomes next;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](GroupCommitRunner* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
            return !r->outcomes_.empty() || r->writers_running_ == 0;
          },
          this));
      if (outcomes_.empty()) return;  // the writers are gone and all is told
      next = std::move(outcomes_.front());
      outcomes_.pop_front();
    }
    for (size_t i = 0; i < next.done.size(); ++i) {
      next.done[i](std::move(next.status[i]));
    }
  }
}

void GroupCommitRunner::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closing_ = true;
    closed_ = true;
  }
  for (auto& t : writer_threads_) {
    if (t.joinable()) t.join();
  }
  if (notifier_thread_.joinable()) notifier_thread_.join();
  sessions_.clear();
}

int64_t GroupCommitRunner::CommitCount() const {
  absl::MutexLock lock(&mu_);
  return commits_;
}

int64_t GroupCommitRunner::CommittedUnits() const {
  absl::MutexLock lock(&mu_);
  return committed_units_;
}

}  // namespace riposte::store
