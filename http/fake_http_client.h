#ifndef RIPOSTE_HTTP_FAKE_HTTP_CLIENT_H_
#define RIPOSTE_HTTP_FAKE_HTTP_CLIENT_H_

// An in-process HttpClient for unit tests: a handler answers each request
// and every request is recorded for assertions. Like the real client, a 2xx
// body goes to the request's body_sink, if it has one, in pieces (of
// set_piece_size bytes) instead of into the response. Thread-safe.

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "http/http_client.h"

namespace riposte::http {

class FakeHttpClient : public HttpClient {
 public:
  using Handler = std::function<absl::StatusOr<HttpResponse>(const HttpRequest&)>;

  explicit FakeHttpClient(Handler handler) : handler_(std::move(handler)) {}

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    Handler handler;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
      handler = handler_;
    }
    absl::StatusOr<HttpResponse> response = handler(request);
    if (!response.ok() || !request.body_sink || response->status / 100 != 2) {
      return response;
    }
    size_t piece_size;
    {
      absl::MutexLock lock(&mu_);
      piece_size = piece_size_;
    }
    absl::string_view body = response->body;
    for (size_t at = 0; at < body.size(); at += piece_size) {
      absl::Status taken = request.body_sink(body.substr(at, piece_size));
      if (!taken.ok()) return taken;
    }
    response->body.clear();
    return response;
  }

  // The largest piece handed to a body sink at once (64 KiB by default).
  void set_piece_size(size_t n) {
    absl::MutexLock lock(&mu_);
    piece_size_ = n == 0 ? 1 : n;
  }

  void SetHandler(Handler handler) {
    absl::MutexLock lock(&mu_);
    handler_ = std::move(handler);
  }

  std::vector<HttpRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

  void ClearRequests() {
    absl::MutexLock lock(&mu_);
    requests_.clear();
  }

 private:
  mutable absl::Mutex mu_;
  Handler handler_ ABSL_GUARDED_BY(mu_);
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
  size_t piece_size_ ABSL_GUARDED_BY(mu_) = 64 << 10;
};

// A response with a JSON body.
inline HttpResponse JsonResponse(int status, std::string body,
                                 Headers headers = {}) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.headers["Content-Type"] = "application/json";
  r.body = std::move(body);
  return r;
}

}  // namespace riposte::http

#endif  // RIPOSTE_HTTP_FAKE_HTTP_CLIENT_H_
