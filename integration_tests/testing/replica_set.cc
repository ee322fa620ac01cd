#include "integration_tests/testing/replica_set.h"

#include <signal.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace riposte::integration {

absl::StatusOr<std::unique_ptr<ReplicaSet>> ReplicaSet::Start(
    std::vector<std::string> configs, std::string work_dir) {
  std::unique_ptr<ReplicaSet> set(new ReplicaSet());
  set->configs_ = std::move(configs);
  set->work_dir_ = std::move(work_dir);
  set->servers_.resize(set->configs_.size());
  {
    absl::MutexLock lock(&set->mu_);
    set->addresses_.resize(set->configs_.size());
  }
  for (int i = 0; i < set->size(); ++i) {
    absl::Status started = set->Restart(i);
    if (!started.ok()) return started;
  }
  return set;
}

std::string ReplicaSet::address(int i) const {
  absl::MutexLock lock(&mu_);
  return addresses_[i];
}

bool ReplicaSet::Crashed(int i) {
  return servers_[i] != nullptr && servers_[i]->process().Exited();
}

absl::Status ReplicaSet::Kill(int i) {
  {
    absl::MutexLock lock(&mu_);
    addresses_[i].clear();
  }
  if (servers_[i] == nullptr) return absl::OkStatus();
  ChildProcess& process = servers_[i]->process();
  if (process.Exited()) {
    const int code = process.Wait();
    return absl::FailedPreconditionError(
        absl::StrCat("replica ", i, " had exited by itself (", code,
                     "); stderr:\n", process.Stderr()));
  }
  process.Signal(SIGKILL);
  process.Wait();
  return absl::OkStatus();
}

absl::Status ReplicaSet::Restart(int i) {
  absl::StatusOr<std::unique_ptr<RiposteServer>> server =
      RiposteServer::Start(configs_[i], work_dir_);
  if (!server.ok()) {
    return absl::Status(
        server.status().code(),
        absl::StrCat("replica ", i, ": ", server.status().message()));
  }
  servers_[i] = std::move(*server);
  absl::MutexLock lock(&mu_);
  addresses_[i] = servers_[i]->address();
  return absl::OkStatus();
}

std::vector<int> ReplicaSet::Stop() {
  {
    absl::MutexLock lock(&mu_);
    for (std::string& a : addresses_) a.clear();
  }
  // All at once, so they drain in parallel.
  for (auto& server : servers_) {
    if (server != nullptr) server->process().Signal(SIGTERM);
  }
  std::vector<int> codes;
  for (auto& server : servers_) {
    codes.push_back(server == nullptr ? -1 : server->process().Wait());
  }
  return codes;
}

}  // namespace riposte::integration
