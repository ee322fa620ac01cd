#ifndef RIPOSTE_METRICS_EXPORTER_TESTING_HTTP_CLIENT_H_
#define RIPOSTE_METRICS_EXPORTER_TESTING_HTTP_CLIENT_H_

// A tiny blocking HTTP/1.1 client for tests that talk to the metrics
// exporter or to a real Prometheus over loopback: one request per
// connection ("Connection: close"), response read to the end. Supports
// Content-Length, chunked and read-to-close bodies; nothing else (no TLS,
// no redirects, no compression).
//
// Thread-safe: every call has its own socket.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace riposte::metrics::testing {

struct HttpResponse {
  int status = 0;
  // Header names lower-cased; a repeated header keeps its last value.
  std::map<std::string, std::string> headers;
  std::string body;

  // The header's value, or "" if absent. `name` in lower case.
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// Sends `method target` to `address` ("127.0.0.1:port" or
// "localhost:port") with `body` (if any) and returns the response. Returns
//  - Unavailable if connecting fails (e.g. nobody listens);
//  - DeadlineExceeded if a read or write takes longer than `timeout`;
//  - DataLoss for a response that is not HTTP.
absl::StatusOr<HttpResponse> HttpRequest(const std::string& address,
                                         absl::string_view method,
                                         absl::string_view target,
                                         absl::string_view body = "",
                                         absl::Duration timeout =
                                             absl::Seconds(10));

// HttpRequest(address, "GET", target).
absl::StatusOr<HttpResponse> HttpGet(const std::string& address,
                                     absl::string_view target);

// Sends raw bytes, shuts down the sending side, and returns whatever comes
// back until the server closes.
absl::StatusOr<std::string> SendRaw(const std::string& address,
                                    absl::string_view bytes,
                                    absl::Duration timeout = absl::Seconds(10));

// Percent-encodes everything but RFC 3986 unreserved characters, for query
// parameters such as a PromQL expression.
std::string UrlEncode(absl::string_view text);

}  // namespace riposte::metrics::testing

#endif  // RIPOSTE_METRICS_EXPORTER_TESTING_HTTP_CLIENT_H_
