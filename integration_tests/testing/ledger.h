#ifndef RIPOSTE_INTEGRATION_TESTS_TESTING_LEDGER_H_
#define RIPOSTE_INTEGRATION_TESTS_TESTING_LEDGER_H_

// What detectors in a crash test saw: which breaches riposted acknowledged
// (a Submit that returned OK, with the stored breach and incident it
// named), and every breach that was attempted, acknowledged or not. The
// test compares this with what the store holds afterwards.

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "riposte/v1/breach.pb.h"
#include "riposte/v1/intake.pb.h"

namespace riposte::integration {

using BreachKey = std::pair<std::string, std::string>;  // detector, breach id

struct Ack {
  int64_t stored_breach_id = 0;
  int64_t incident_id = 0;
};

// Thread-safe.
struct Ledger {
  absl::Mutex mu;
  std::map<BreachKey, Ack> acked ABSL_GUARDED_BY(mu);
  std::map<BreachKey, v1::Breach> attempted ABSL_GUARDED_BY(mu);

  void Attempt(const v1::Breach& b) {
    absl::MutexLock lock(&mu);
    attempted[{b.detector_id(), b.breach_id()}] = b;
  }
  void Acknowledge(const v1::SubmitResponse& r) {
    absl::MutexLock lock(&mu);
    acked[{r.detector_id(), r.breach_id()}] =
        Ack{r.stored_breach_id(), r.incident_id()};
  }
  size_t AckCount() {
    absl::MutexLock lock(&mu);
    return acked.size();
  }
  std::map<BreachKey, Ack> Acked() {
    absl::MutexLock lock(&mu);
    return acked;
  }
  std::map<BreachKey, v1::Breach> Attempted() {
    absl::MutexLock lock(&mu);
    return attempted;
  }
};

}  // namespace riposte::integration

#endif  // RIPOSTE_INTEGRATION_TESTS_TESTING_LEDGER_H_
