#ifndef RIPOSTE_HTTP_HTTP_CLIENT_H_
#define RIPOSTE_HTTP_HTTP_CLIENT_H_

// The one HTTP interface adapters use. No implementation dependencies: the
// cpprestsdk implementation lives in //http:cpprest_http_client, a scripted
// fake for unit tests in //http:fake_http_client.

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace riposte::http {

// Header names compare case-insensitively (RFC 9110).
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return absl::AsciiStrToLower(a) < absl::AsciiStrToLower(b);
  }
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

// Takes a response body piece by piece, in order, as it arrives. Returning
// an error abandons the exchange; Send then returns that error.
using BodySink = std::function<absl::Status(absl::string_view piece)>;

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PATCH, DELETE, PUT
  std::string url;             // absolute: scheme://host[:port]/path?query
  Headers headers;
  std::string body;
  // The whole exchange must finish within this, or DeadlineExceeded.
  absl::Duration timeout = absl::Seconds(30);
  // When set, the body of a 2xx response goes to this sink as it arrives,
  // on the calling thread, instead of into HttpResponse::body (which stays
  // empty): a large download is never held whole. Other responses (errors,
  // redirects) are small and land in `body` as usual.
  BodySink body_sink;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// Sends one request and returns whatever status the server answered (a 4xx
// or 5xx is a response, not an error). Errors mean no response was had:
// DeadlineExceeded (timeout), Unavailable (connection refused, reset, DNS,
// TLS), InvalidArgument (malformed URL), or whatever the request's
// body_sink returned. Messages never contain header values or bodies, which
// may hold secrets. Thread-safe.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace riposte::http

#endif  // RIPOSTE_HTTP_HTTP_CLIENT_H_
