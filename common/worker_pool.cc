#include "common/worker_pool.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace riposte {

WorkerPool::WorkerPool(const std::string& name, int threads, size_t max_queued)
    : max_queued_(max_queued) {
  for (int i = 0; i < std::max(threads, 1); ++i) {
    // Linux limits a thread's name to 15 characters.
    const std::string thread_name = absl::StrCat(name, "-", i).substr(0, 15);
    threads_.emplace_back([this, thread_name] {
      pthread_setname_np(pthread_self(), thread_name.c_str());
      Loop();
    });
  }
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

absl::Status WorkerPool::Post(absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("worker pool: stopping");
  if (queue_.size() >= max_queued_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "worker pool: ", queue_.size(), " tasks already waiting; retry"));
  }
  queue_.push_back(std::move(task));
  return absl::OkStatus();
}

void WorkerPool::Loop() {
  while (true) {
    absl::AnyInvocable<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace riposte
