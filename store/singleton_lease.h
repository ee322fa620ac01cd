#ifndef RIPOSTE_STORE_SINGLETON_LEASE_H_
#define RIPOSTE_STORE_SINGLETON_LEASE_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "store/store.h"

namespace riposte::store {

// Work that one riposted at a time may do among replicas sharing a store
// (the approval-deadline sweep, audit verification, checkpoints,
// retention): a lease in the store, named, held by one holder until it
// expires, with a fencing token that grows with every change of holder.
//
// The lease lives in the store's settings ("singleton.<name>") and is read
// and written inside one unit of work. Both engines serialise their write
// transactions (the embedded one has one writer; the shared one locks the
// chain head first), so taking a lease is atomic across replicas without
// any engine-specific statement. A holder that dies stops renewing; once
// the lease expires, the next replica that asks takes it with a greater
// fence.
//
// Thread-safe.
class SingletonLease {
 public:
  // `take_over_at_once`: another holder's lease is taken without waiting
  // for it to expire. For a store one process owns (Store::exclusive):
  // any other holder is a process that is gone.
  SingletonLease(Store* store, std::string name, std::string holder,
                 Clock* clock, absl::Duration ttl,
                 bool take_over_at_once = false);

  // Takes the lease if it is free or expired, or renews it if held.
  // Returns whether this holder has it now. Errors are the store's.
  absl::StatusOr<bool> Hold();

  // Inside a unit of work that acts as the singleton: OK only while this
  // holder still has the lease with the fence Hold saw, FailedPrecondition
  // otherwise (another replica took over; the unit must not write).
  absl::Status CheckHeld(IntakeTransaction& txn) const;

  // Ends the lease if held (on shutdown), so another replica can take it
  // at once instead of waiting for it to expire.
  void Release();

  const std::string& name() const { return name_; }
  // The fence of the last successful Hold (0 before).
  int64_t fence() const;

 private:
  Store* const store_;
  const std::string name_;
  const std::string holder_;
  Clock* const clock_;
  const absl::Duration ttl_;
  const bool take_over_at_once_;
  mutable absl::Mutex mu_;
  int64_t fence_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace riposte::store

#endif  // RIPOSTE_STORE_SINGLETON_LEASE_H_
