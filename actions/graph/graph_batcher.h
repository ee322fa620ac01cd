#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_BATCHER_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_BATCHER_H_

// Coalesces Microsoft Graph requests that many threads send at about the
// same time into JSON batches (POST {graph_base_url}/$batch), as Graph
// documents them: {"requests":[{"id","method","url","headers","body"}]}
// with URLs relative to the version root, answered by
// {"responses":[{"id","status","headers","body"}]} in any order, matched
// back by id.
//
// A request waits at most `window` for others (or until `max_requests`
// are queued: Graph takes at most 20 in one batch), then goes out with
// them. Only requests carrying the same Authorization header share a batch
// (the batch carries it once). A request that finds nobody to share with is
// sent on its own, unchanged.
//
// Each caller gets back its own answer as if it had sent its request alone:
// the sub-response's status, headers and body (re-encoded as JSON text).
// Graph counts every sub-request against its limits and answers each on
// its own, so a sub-request can be 429 with its own Retry-After while the
// others succeed: the caller sees that 429, exactly like a throttled single
// call. When the batch itself fails, every caller sees the same failure:
// the transport error (which, like a single call's, may come after Graph
// carried the requests out), or the batch's non-200 answer (a 401 for the
// shared token, a 429 or 5xx for the whole batch).
//
// `window` is real (wall-clock) time: it exists to let concurrent threads
// meet, not to schedule work.
//
// Thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actions/common/guid.h"
#include "http/http_client.h"

namespace riposte::actions::graph {

struct GraphBatcherOptions {
  // Requests under this URL are batched; $batch is appended to it.
  std::string graph_base_url;
  // How long a request waits for company. Zero: never batch.
  absl::Duration window = absl::Milliseconds(5);
  // Most requests in one batch (Graph's limit is 20).
  int max_requests = 20;
  // Largest batch answer accepted.
  size_t max_response_bytes = 64 << 20;
};

class GraphBatcher : public http::HttpClient {
 public:
  static constexpr int kGraphMaxBatch = 20;

  // `http` is not owned and must outlive this object. `guids` makes the
  // client-request-id of each batch.
  GraphBatcher(GraphBatcherOptions options, http::HttpClient* http,
               common::GuidSource guids);

  // Sends `request` (an absolute URL under graph_base_url, headers set as
  // for a single call, no body_sink) alone or in a batch. Errors: those of
  // http::HttpClient::Send, and Unavailable when a batch answer is not
  // readable or has no response for this request.
  absl::StatusOr<http::HttpResponse> Send(const http::HttpRequest& request) override;

  // Batches sent and the requests they carried (for tests and benchmarks).
  int64_t batches_sent() const;
  int64_t batched_requests() const;

 private:
  struct Pending;
  struct Batch;

  // Sends the sealed `batch` and fills in every entry's result.
  void Dispatch(Batch& batch);

  const GraphBatcherOptions options_;
  http::HttpClient* const http_;
  const common::GuidSource guids_;

  mutable absl::Mutex mu_;
  // The batch still taking requests, per Authorization header.
  absl::flat_hash_map<std::string, std::shared_ptr<Batch>> open_
      ABSL_GUARDED_BY(mu_);
  int64_t batches_sent_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t batched_requests_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_BATCHER_H_
