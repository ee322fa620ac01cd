#ifndef RIPOSTE_OCSF_SINKS_SINK_H_
#define RIPOSTE_OCSF_SINKS_SINK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "store/outbox.h"

namespace riposte::ocsf {

// Where OCSF events go (a directory, a collector). Called by one
// SinkWorker thread at a time.
class Sink {
 public:
  virtual ~Sink() = default;
  // Delivers `rows` (in seq order). OK means they are durable at the
  // destination: the worker then moves the sink's cursor past them. A
  // failure is retried with the same rows (and the same uids), so a
  // destination may see some of them twice, never none.
  virtual absl::Status Deliver(const std::vector<store::OutboxRow>& rows) = 0;
};

}  // namespace riposte::ocsf

#endif  // RIPOSTE_OCSF_SINKS_SINK_H_
