#ifndef RIPOSTE_INTEGRATION_TESTS_TESTING_REPLICA_SET_H_
#define RIPOSTE_INTEGRATION_TESTS_TESTING_REPLICA_SET_H_

// Several riposted replicas, each with its own config file (same shared
// database, own data_dir), that a test can kill and restart while clients
// use them. Clients look addresses up by index on every call: a replica
// restarted listens on a fresh port.
//
//   auto replicas = ReplicaSet::Start({config0, config1, config2}, dir);
//   std::string a = (*replicas)->address(1);   // "" while it is down
//   (*replicas)->Kill(1);                     // SIGKILL, reaped
//   (*replicas)->Restart(1);                  // serving again

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "integration_tests/testing/riposted_process.h"

namespace riposte::integration {

// address() and down() are thread-safe; Kill, Restart, Stop and
// replica() belong to one controlling thread.
class ReplicaSet {
 public:
  // Starts one riposted per config, one after the other; fails if any does
  // not become ready.
  static absl::StatusOr<std::unique_ptr<ReplicaSet>> Start(
      std::vector<std::string> configs, std::string work_dir);

  int size() const { return static_cast<int>(configs_.size()); }
  // The gRPC address of replica `i`, or "" while it is down.
  std::string address(int i) const;

  // SIGKILLs replica `i` and reaps it. FailedPrecondition (with its
  // stderr) if it had already exited by itself: that is a crash.
  absl::Status Kill(int i);
  // Starts replica `i` again with its config (after Kill).
  absl::Status Restart(int i);
  // Replica `i` exited by itself (checked without waiting).
  bool Crashed(int i);
  // SIGTERM to every replica still up; the exit codes, in order (-1 for a
  // replica that was down).
  std::vector<int> Stop();

  RiposteServer& replica(int i) { return *servers_[i]; }

 private:
  ReplicaSet() = default;

  std::vector<std::string> configs_;
  std::string work_dir_;
  std::vector<std::unique_ptr<RiposteServer>> servers_;
  mutable absl::Mutex mu_;
  std::vector<std::string> addresses_ ABSL_GUARDED_BY(mu_);
};

}  // namespace riposte::integration

#endif  // RIPOSTE_INTEGRATION_TESTS_TESTING_REPLICA_SET_H_
