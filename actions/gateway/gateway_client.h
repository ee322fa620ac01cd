#ifndef RIPOSTE_ACTIONS_GATEWAY_GATEWAY_CLIENT_H_
#define RIPOSTE_ACTIONS_GATEWAY_GATEWAY_CLIENT_H_

// Calls to a Mimecast API 2.0 style email security gateway: OAuth 2.0
// client credentials, JSON POSTs with a {"data":[...]} envelope, and
// replies {"meta":{"status":200},"data":[...],"fail":[...]} where a failure
// can hide under HTTP 200.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/common/client_credentials.h"
#include "actions/common/json_value.h"
#include "actions/common/throttle_gate.h"
#include "common/clock.h"
#include "http/http_client.h"

namespace riposte::actions::gateway {

struct GatewayOptions {
  // e.g. "https://api.services.mimecast.com"; paths are appended to it.
  std::string base_url;
  std::string client_id;
  // Already read by the caller (actions/common/secret_source.h); never
  // logged or put in messages.
  std::string client_secret;
  absl::Duration call_timeout = absl::Seconds(20);
};

// InvalidArgument naming the first bad field.
absl::Status ValidateGatewayOptions(const GatewayOptions& options);

// One error of one failed item: {"code","message","retryable"}.
struct GatewayError {
  std::string code;
  std::string message;
  bool retryable = false;
};

// A failed item: the request item it is about ("key") and why.
struct GatewayFailure {
  common::JsonValue key;
  std::vector<GatewayError> errors;
};

struct GatewayReply {
  std::vector<common::JsonValue> data;
  std::vector<GatewayFailure> fail;
};

// One exchange, for result details.
struct GatewayCall {
  std::string path;
  int status = 0;
  int failures = 0;
};

// Thread-safe.
class GatewayClient {
 public:
  // `http` and `clock` are not owned and must outlive this object.
  GatewayClient(const GatewayOptions& options, http::HttpClient* http,
                const Clock* clock);

  // POSTs {"data":[<items>...]} to `path` with a bearer token; on a 401 the
  // token is refreshed and the call repeated once. Non-2xx answers (and a
  // non-2xx meta.status under HTTP 200) map as HttpResponseToStatus does;
  // a body that is not a JSON envelope is Unavailable. Failed items come
  // back in `fail` for the caller to judge (see FailureStatus). Appends to
  // `calls` when not null. Once the gateway throttles (429, 503, 504, or a
  // Retry-After, also as meta.status under HTTP 200), every call from any
  // run is held, unsent, until the Retry-After has passed (the gateway
  // limits the app as a whole): a Status marked AsThrottled carrying the
  // remaining wait.
  absl::StatusOr<GatewayReply> Post(absl::string_view path,
                                    const std::vector<std::string>& items,
                                    std::vector<GatewayCall>* calls);

 private:
  // Post without the throttle hold.
  absl::StatusOr<GatewayReply> Send(absl::string_view path,
                                    const std::vector<std::string>& items,
                                    std::vector<GatewayCall>* calls);

  const std::string base_url_;
  const absl::Duration call_timeout_;
  http::HttpClient* const http_;
  const Clock* const clock_;
  common::ClientCredentialsTokenSource tokens_;
  common::ThrottleGate throttle_;
};

// The Status for failed items the caller could not reconcile: Unavailable
// when any error is retryable or mentions throttling, else InvalidArgument.
// The message names `label` and each error's code and message.
absl::Status FailureStatus(absl::string_view label,
                           const std::vector<GatewayFailure>& failures);

// "[{"path":"/api/...","status":200,"failures":0}, ...]"
std::string CallsJson(const std::vector<GatewayCall>& calls);

}  // namespace riposte::actions::gateway

#endif  // RIPOSTE_ACTIONS_GATEWAY_GATEWAY_CLIENT_H_
