#ifndef RIPOSTE_ACTIONS_COMMON_HTTP_STATUS_H_
#define RIPOSTE_ACTIONS_COMMON_HTTP_STATUS_H_

// Turns HTTP answers into the Status codes that carry the retry decision
// (see actions/action_executor.h), the same way for every adapter:
//
//   2xx                 OK
//   429                 ResourceExhausted   (+ Retry-After)   retry
//   500 502 503 504     Unavailable         (+ Retry-After)   retry
//   401                 Unauthenticated                       retry
//   403                 PermissionDenied                      never
//   404                 NotFound                              never
//   400 422             InvalidArgument                       never
//   409 412             FailedPrecondition                    never
//   anything else       Internal                              never
//
// Messages name the request by method and URL path (never the query
// string), the HTTP status and whatever error code, message and request id
// the body or headers carry. They never include request headers or bodies,
// so no token or secret can leak through them. Thread-safe.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http/http_client.h"

namespace riposte::actions::common {

// Parses a Retry-After value (RFC 9110 section 10.2.3): delta-seconds, or
// an HTTP-date in any of the three formats recipients must accept
// (IMF-fixdate, RFC 850, asctime), taken relative to `now`. A date in the
// past yields zero. nullopt if `value` is neither.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now);

// "POST /v1.0/users/x/revokeSignInSessions": how messages name a request.
std::string RequestLabel(absl::string_view method, absl::string_view url);

// What a service said about a failure, from the body or headers of its
// response. Understands Microsoft Graph ({"error":{"code","message",
// "innerError":{"request-id"}}}), OAuth 2.0 token endpoints ({"error":
// "invalid_client","error_codes":[7000215]}, without error_description),
// and Mimecast-style envelopes ({"fail":[{"errors":[{"code","message"}]}]}).
// Fields are empty when absent. The request id falls back to the
// "request-id" response header.
struct ServiceError {
  std::string code;
  std::string message;
  std::string request_id;
};
ServiceError ExtractServiceError(const http::HttpResponse& response);

// OK for any 2xx; otherwise the status from the table above, its message
// starting with `label`. 429 and 5xx answers that carry a valid Retry-After
// header get it attached with WithRetryAfter. 429, 503 and 504, and any
// answer with a valid Retry-After, are marked AsThrottled: waiting cures
// them, so they do not use up a run's attempts.
absl::Status HttpResponseToStatus(absl::string_view label,
                                  const http::HttpResponse& response,
                                  absl::Time now);

// The Status code the table above gives an HTTP status.
absl::StatusCode HttpStatusToCode(int http_status);

// The HTTP status of the answer a Status from HttpResponseToStatus was made
// of; nullopt if the Status did not come from an answer (a transport error,
// a timeout, or a call Riposte held back and never sent).
std::optional<int> AnsweredHttpStatus(const absl::Status& status);

// Whether the service certainly did not carry out the request that failed
// with `status`: it answered 429 or 503 (Graph documents both as "not
// processed, try again later"), or Riposte held the call back unsent
// (ResourceExhausted without an answer). A timeout, a reset connection or
// a 504 may have been carried out.
bool CertainlyNotProcessed(const absl::Status& status);

}  // namespace riposte::actions::common

#endif  // RIPOSTE_ACTIONS_COMMON_HTTP_STATUS_H_
