#include "orchestrator/server/store_health_monitor.h"

#include <pthread.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "store/postgres/pg_connection.h"
#include "store/sqlite/sqlite_db.h"

namespace riposte::server {
namespace {

// The reasons riposte_store_write_failures_total counts; "other" last.
constexpr absl::string_view kReasonNames[] = {"disk_full", "io_error",
                                              "read_only", "unreachable",
                                              "other"};

// Why a write failed at the storage level, whichever engine failed it
// (each marks its statuses with its own payload); "" if it did not.
std::string StorageFailureReason(const absl::Status& status) {
  const store::sqlite::StorageFailure sqlite =
      store::sqlite::ClassifyStorageFailure(status);
  if (sqlite != store::sqlite::StorageFailure::kNone) {
    return std::string(store::sqlite::StorageFailureName(sqlite));
  }
  return store::postgres::PgStorageFailureReason(status);
}

int ReasonIndex(absl::string_view reason) {
  for (int i = 0; i < 5; ++i) {
    if (kReasonNames[i] == reason) return i;
  }
  return 4;
}

}  // namespace

StoreHealthMonitor::StoreHealthMonitor(absl::Duration interval)
    : interval_(interval) {}

StoreHealthMonitor::~StoreHealthMonitor() { Stop(); }

void StoreHealthMonitor::Count(int reason) {
  ++counts_[reason];
  if (failures_[reason] != nullptr) failures_[reason]->Increment();
}

void StoreHealthMonitor::StorageFailed(const absl::Status& status) {
  const std::string reason = StorageFailureReason(status);
  if (reason.empty()) return;
  absl::MutexLock lock(&mu_);
  Count(ReasonIndex(reason));
  writable_ = false;
  reason_ = reason;
  error_ = std::string(status.message());
  if (writable_gauge_ != nullptr) writable_gauge_->Set(0);
}

bool StoreHealthMonitor::Record(const absl::Status& status) {
  const bool before = writable_;
  const std::string reason = StorageFailureReason(status);
  if (status.ok()) {
    writable_ = true;
    reason_.clear();
    error_.clear();
  } else if (!reason.empty()) {
    Count(ReasonIndex(reason));
    writable_ = false;
    reason_ = reason;
    error_ = std::string(status.message());
  }
  if (writable_gauge_ != nullptr) writable_gauge_->Set(writable_ ? 1 : 0);
  return before != writable_;
}

absl::Status StoreHealthMonitor::Start(
    metrics::Registry& registry, Probe probe,
    std::function<void(bool writable)> on_change) {
  RIPOSTE_ASSIGN_OR_RETURN(
      metrics::GaugeFamily * writable,
      registry.AddGauge("riposte_store_writable",
                        "1 while the store accepts writes, 0 while writes "
                        "fail (full disk, I/O error, read-only filesystem).",
                        {}));
  RIPOSTE_ASSIGN_OR_RETURN(
      metrics::CounterFamily * failures,
      registry.AddCounter("riposte_store_write_failures_total",
                          "Store writes that failed for a storage reason "
                          "(disk_full, io_error, read_only, unreachable, "
                          "other).",
                          {"reason"}));
  std::array<metrics::Counter*, kReasons> counters{};
  for (int i = 0; i < kReasons; ++i) {
    RIPOSTE_ASSIGN_OR_RETURN(
        counters[i],
        failures->WithLabels({std::string(kReasonNames[i])}));
  }
  RIPOSTE_ASSIGN_OR_RETURN(metrics::Gauge * gauge, writable->WithLabels({}));
  probe_ = std::move(probe);
  on_change_ = std::move(on_change);
  {
    absl::MutexLock lock(&mu_);
    for (int i = 0; i < kReasons; ++i) {
      failures_[i] = counters[i];
      failures_[i]->Increment(counts_[i]);
    }
    writable_gauge_ = gauge;
    writable_gauge_->Set(writable_ ? 1 : 0);
  }
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void StoreHealthMonitor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool StoreHealthMonitor::writable() const {
  absl::MutexLock lock(&mu_);
  return writable_;
}

absl::Status StoreHealthMonitor::Readiness() const {
  absl::MutexLock lock(&mu_);
  if (writable_) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("store not writable (", reason_, "): ", error_));
}

void StoreHealthMonitor::WhenWritable(std::function<absl::Status()> task) {
  absl::MutexLock lock(&mu_);
  pending_.push_back(std::move(task));
  task_added_ = true;
}

void StoreHealthMonitor::Loop() {
  pthread_setname_np(pthread_self(), "store-health");
  while (true) {
    std::vector<std::function<absl::Status()>> tasks;
    {
      absl::MutexLock lock(&mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || announced_ != writable_ ||
               (writable_ && task_added_);
      };
      mu_.AwaitWithTimeout(absl::Condition(&woken), interval_);
      if (stopping_) return;
    }
    if (!writable()) {
      absl::Status probed = probe_();
      absl::MutexLock lock(&mu_);
      Record(probed);
    }
    bool changed = false;
    bool now_writable = true;
    std::string reason;
    std::string error;
    {
      absl::MutexLock lock(&mu_);
      changed = announced_ != writable_;
      announced_ = now_writable = writable_;
      reason = reason_;
      error = error_;
      if (writable_) {
        tasks = std::move(pending_);
        pending_.clear();
        task_added_ = false;
      }
    }
    if (changed) {
      if (now_writable) {
        log::Info("store is writable again; intake is serving");
      } else {
        log::Warn(
            "store is not writable; Submit answers UNAVAILABLE and readiness "
            "fails until writes work again (reads are still served)",
            {{"reason", reason}, {"error", error}});
      }
      if (on_change_) on_change_(now_writable);
    }
    std::vector<std::function<absl::Status()>> failed;
    for (auto& task : tasks) {
      if (!task().ok()) failed.push_back(std::move(task));
    }
    if (!failed.empty()) {
      absl::MutexLock lock(&mu_);
      for (auto& task : failed) pending_.push_back(std::move(task));
    }
  }
}

absl::Status ProbeStoreWrite(store::Store& store) {
  static const std::string* const kFiller = new std::string(64 * 1024, '.');
  return store.ExecuteAndWait([](store::Transaction& txn) -> absl::Status {
    RIPOSTE_RETURN_IF_ERROR(txn.PutSetting("store.write_probe", *kFiller));
    return txn.PutSetting("store.write_probe", "");
  });
}

}  // namespace riposte::server
