#ifndef RIPOSTE_ORCHESTRATOR_SERVER_SINGLETONS_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_SINGLETONS_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "metrics/registry.h"
#include "orchestrator/server/stop_signal.h"
#include "store/singleton_lease.h"
#include "store/store.h"

namespace riposte::server {

// Names of the work one replica at a time does.
inline constexpr char kSweeperSingleton[] = "approval_sweeper";
inline constexpr char kVerifierSingleton[] = "audit_verification";
inline constexpr char kCheckpointerSingleton[] = "audit_checkpoints";
inline constexpr char kRetentionSingleton[] = "retention";
inline constexpr char kOcsfSinksSingleton[] = "ocsf-sinks";

struct SingletonOptions {
  std::string holder;  // this process, e.g. the executor's lease holder
  absl::Duration ttl = absl::Seconds(30);
  // Renewed this often; a third of ttl lets two renewals fail before the
  // lease lapses.
  absl::Duration renew_every = absl::Seconds(10);
};

// Keeps this replica's singleton leases: tries to take each at Start, then
// takes or renews them every renew_every on its own thread, so work gated
// on a lease runs on one replica at a time and moves to another within
// ttl when its holder dies. riposte_singleton_held{name} is 1 where held.
// With the embedded engine the one process always gets them, at once
// after a restart.
// Thread-safe.
class Singletons {
 public:
  static absl::StatusOr<std::unique_ptr<Singletons>> Start(
      store::Store* store, const std::vector<std::string>& names,
      SingletonOptions options, Clock* clock, metrics::Registry& registry);
  ~Singletons();

  // The lease of `name` (one of the names given to Start), for the work to
  // check before each pass (fence() != 0) and inside its writes
  // (CheckHeld).
  const store::SingletonLease* lease(const std::string& name) const;
  bool held(const std::string& name) const;

  // Stops renewing and releases every lease held, so another replica
  // takes over at once. Call before the store closes. Idempotent.
  void Stop();

 private:
  Singletons() = default;
  void RenewAll();

  SingletonOptions options_;
  std::map<std::string, std::unique_ptr<store::SingletonLease>> leases_;
  std::map<std::string, metrics::Gauge*> held_;
  StopSignal stop_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_SINGLETONS_H_
