#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_CLIENT_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_CLIENT_H_

// Authenticated Microsoft Graph requests for the Graph adapter: a cached
// app-only token, the headers every call carries, one retry with a fresh
// token after a 401, per-call timeouts, error mapping, and a record of each
// exchange (with Graph's request-id) for the audit trail.
//
// Throttling is tracked per scope, the way Graph throttles: each mailbox of
// the tenant's app (requests under /users/{id}/messages, /mailFolders, ...)
// and the app's directory calls (everything else). Once Graph answers 429,
// 503 or 504 for a scope, every request into that scope, from any run, is
// held until the Retry-After has passed (or a doubling backoff when Graph
// sent none) and is refused without being sent.
//
// Mail calls respect Outlook's limits per app and mailbox: at most
// `mailbox_concurrency` (4) are in flight per mailbox (more wait for a
// turn), and calls that concurrent runs send at about the same time go out
// together as JSON batches (see GraphBatcher), each answered and mapped as
// if it had been sent alone.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actions/common/client_credentials.h"
#include "actions/common/guid.h"
#include "actions/common/json_value.h"
#include "actions/common/throttle_gate.h"
#include "actions/graph/graph_batcher.h"
#include "actions/graph/graph_options.h"
#include "actions/graph/scope_permits.h"
#include "common/clock.h"
#include "http/http_client.h"

namespace riposte::actions::graph {

// One HTTP exchange with Graph, as recorded in result details.
struct GraphCall {
  std::string method;
  std::string path;  // without the query string
  int status = 0;
  std::string request_id;
  std::string client_request_id;
};

// The exchanges made while carrying out one action. Thread-compatible.
class CallLog {
 public:
  void Add(GraphCall call) { calls_.push_back(std::move(call)); }
  const std::vector<GraphCall>& calls() const { return calls_; }
  // [{"method":"GET","path":"/v1.0/users/x","status":200,
  //   "request_id":"...","client_request_id":"..."}, ...]
  std::string ToJson() const;

 private:
  std::vector<GraphCall> calls_;
};

struct GraphRequest {
  std::string method = "GET";
  // A path under graph_base_url starting with '/', query included and
  // already encoded ("/users/a%40b/messages?$filter=..."), or an absolute
  // @odata.nextLink URL, which must lie under graph_base_url.
  std::string target;
  // Sent with Content-Type: application/json when set.
  std::optional<std::string> json_body;
  // Non-2xx statuses the caller handles itself: they come back as
  // responses instead of errors (e.g. 404 on a repeated delete).
  std::vector<int> accept;
  // Larger response bodies are refused.
  size_t max_response_bytes = 4 << 20;
  // When set, a 2xx body is not parsed but streamed to this sink (see
  // http::HttpRequest::body_sink), and GraphResponse::body stays null: for
  // raw content such as .../attachments/{id}/$value.
  http::BodySink body_sink;
};

struct GraphResponse {
  int status = 0;
  // The parsed body; null when the body is empty (204) or, for accepted
  // non-2xx statuses, not JSON.
  common::JsonValue body;
  std::string request_id;
};

// Thread-safe.
class GraphClient {
 public:
  // `http` and `clock` are not owned and must outlive this object.
  GraphClient(const GraphOptions& options, http::HttpClient* http,
              const Clock* clock, common::GuidSource guids);

  // Sends `request` with a bearer token, a fresh client-request-id,
  // Prefer: IdType="ImmutableId" and Accept: application/json. On a 401 the
  // token is dropped, a new one fetched and the request sent once more.
  // Appends every exchange to `log`. Errors: token errors (see
  // ClientCredentialsTokenSource), transport errors, the HttpResponseToStatus
  // mapping of non-accepted statuses (a second 401 is Unauthenticated), and
  // Unavailable for a 2xx body that is not valid JSON. A throttled answer,
  // or a request into a scope that is still held, returns a Status marked
  // AsThrottled carrying the whole hold as its RetryAfter.
  absl::StatusOr<GraphResponse> Send(const GraphRequest& request,
                                     CallLog* log);

  // The token source, for tests.
  common::ClientCredentialsTokenSource& tokens() { return tokens_; }

  // The time on the clock the client was given.
  absl::Time Now() const { return clock_->Now(); }

  // The throttling scope of a request target (a path under graph_base_url,
  // or an absolute URL under it): "mailbox:<id, lower-cased>" or
  // "directory".
  std::string ScopeOf(absl::string_view url) const;

  // The batcher mail calls go through (for tests and benchmarks).
  const GraphBatcher& batcher() const { return batcher_; }
  // The most mail calls ever in flight at once for one mailbox.
  int peak_mailbox_concurrency() const { return mailbox_permits_.peak(); }

 private:
  absl::StatusOr<GraphResponse> SendOnce(const GraphRequest& request,
                                         const std::string& url,
                                         const std::string& token,
                                         bool mail, CallLog* log,
                                         int* http_status);

  const std::string graph_base_url_;
  const absl::Duration call_timeout_;
  http::HttpClient* const http_;
  const Clock* const clock_;
  const common::GuidSource guids_;
  common::ClientCredentialsTokenSource tokens_;
  common::ThrottleGate throttle_;
  GraphBatcher batcher_;
  ScopePermits mailbox_permits_;
};

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_CLIENT_H_
