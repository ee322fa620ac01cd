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
  // Delivers `rows` (in seq order). OK means they are all durable at the
  // destination: the worker then moves the sink's cursor past them. On a
  // failure, `*delivered` says how many of them, from the first, are
  // durable all the same (a sink that sends them in several requests); the
  // worker moves past those and retries the rest with the same uids, so a
  // destination may see an event twice, never not at all. A failure may
  // carry a Retry-After (actions::WithRetryAfter): the worker waits that
  // long before retrying.
  virtual absl::Status Deliver(const std::vector<store::OutboxRow>& rows,
                               size_t* delivered) = 0;
};

}  // namespace riposte::ocsf

#endif  // RIPOSTE_OCSF_SINKS_SINK_H_
