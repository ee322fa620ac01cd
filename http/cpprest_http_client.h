#ifndef RIPOSTE_HTTP_CPPREST_HTTP_CLIENT_H_
#define RIPOSTE_HTTP_CPPREST_HTTP_CLIENT_H_

// The production HttpClient, on cpprestsdk (Debian's libcpprest 2.10).
//
// cpprestsdk is in maintenance mode upstream and throws; this is the only
// target that includes its headers. Its exceptions are caught here and become
// absl::Status, so replacing it later touches this target alone.
//
// What it guarantees on top of HttpClient:
//  - The URL is sent as written: the path and query are not decoded or
//    re-encoded (a Graph "$filter=...%20eq%20'%3C...%3E'" arrives byte for
//    byte). The fragment, if any, is not sent.
//  - Headers go out as given; the Content-Type header is sent exactly once
//    and exactly as given (never a default or an added charset), and none is
//    sent if the request has none. Content-Length is computed from the body,
//    which is sent as raw bytes. Response headers and body come back as
//    received (headers repeated by the server are joined with ", ").
//  - GET, HEAD and OPTIONS reuse connections: one cpprest client (with its
//    own connection pool) is kept per scheme, host, port and timeout, for
//    the lifetime of this object. When such a pooled connection turns out
//    closed by the server, the request is sent again on a fresh one within
//    the same timeout (by cpprest, or here if it failed while being
//    written): harmless, since these methods change nothing.
//  - Every other method (POST, PUT, PATCH, DELETE) is sent exactly once, on
//    a connection of its own, and never again by this client: if the
//    connection fails after the request may have reached the server (reset
//    or closed before a complete answer), Send returns Unavailable and the
//    caller, who can count and audit it, decides whether to retry.
//  - `timeout` bounds the whole exchange (connect, send, receive the whole
//    body), not just each read.
//  - https verifies the server certificate and host name against the system
//    trust store (OpenSSL's default paths, /etc/ssl/certs on Debian).
//  - Redirects are not followed: a 3xx is returned as a response.
//  - With a body_sink, a 2xx body is read in pieces of at most 64 KiB and
//    handed to the sink on the calling thread as they arrive; the timeout
//    still bounds the whole exchange. A sink error drops the connection.
//
// Status codes (messages name method, scheme, host, port and path, never the
// query, header values or bodies, which may hold secrets):
//   InvalidArgument   malformed or non-http(s) URL, credentials in the URL,
//                     bad method, header name or value (CR/LF).
//   DeadlineExceeded  no complete response within the request's timeout.
//   Unavailable       connection refused or reset, DNS failure, TLS failure,
//                     malformed response, and any other transport failure.
//
// Thread-safe: Send may be called from many threads at once.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "http/http_client.h"

namespace riposte::http {

namespace internal {
// The cpprest client for one origin and timeout (defined in the .cc).
class OriginClient;
}  // namespace internal

class CpprestHttpClient : public HttpClient {
 public:
  struct Options {
    // Most cached clients (origin + timeout pairs). Past this the least
    // recently used is dropped; requests still using it finish normally.
    size_t max_cached_clients = 64;
  };

  CpprestHttpClient();
  explicit CpprestHttpClient(Options options);
  ~CpprestHttpClient() override;

  CpprestHttpClient(const CpprestHttpClient&) = delete;
  CpprestHttpClient& operator=(const CpprestHttpClient&) = delete;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

  // How many cpprest clients are cached now (for tests).
  size_t cached_clients() const;

 private:
  // The cached client for `key`, created with `origin` and `timeout` if new.
  // A cached client equal to `replacing` is dropped and a new one made.
  absl::StatusOr<std::shared_ptr<internal::OriginClient>> ClientFor(
      const std::string& key, const std::string& origin,
      absl::Duration timeout,
      const internal::OriginClient* replacing = nullptr);

  struct CacheEntry {
    std::shared_ptr<internal::OriginClient> client;
    uint64_t last_used = 0;  // from use_counter_; the least is evicted
  };

  const Options options_;
  mutable absl::Mutex mu_;
  // Keyed by "scheme://host:port timeout-in-ms".
  std::map<std::string, CacheEntry> clients_ ABSL_GUARDED_BY(mu_);
  uint64_t use_counter_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace riposte::http

#endif  // RIPOSTE_HTTP_CPPREST_HTTP_CLIENT_H_
