#ifndef RIPOSTE_HTTP_FAKE_HTTP_CLIENT_H_
#define RIPOSTE_HTTP_FAKE_HTTP_CLIENT_H_

// An in-process HttpClient for unit tests: a handler answers each request
// and every request is recorded for assertions. Thread-safe.

#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
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
    return handler(request);
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
