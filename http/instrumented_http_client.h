#ifndef RIPOSTE_HTTP_INSTRUMENTED_HTTP_CLIENT_H_
#define RIPOSTE_HTTP_INSTRUMENTED_HTTP_CLIENT_H_

#include <memory>

#include "http/http_client.h"
#include "metrics/metrics.h"

namespace riposte::http {

// Wraps an HttpClient and counts what goes out to the services adapters
// talk to, labelled by host (a bounded set: the configured endpoints):
//   riposte_http_requests_total{host,status_class}  "2xx".."5xx", or "error"
//                                                    when no response came
//   riposte_http_request_seconds{host}
//   riposte_http_throttled_total{host}              429 answers
//   riposte_token_requests_total{host,outcome}      OAuth token fetches
//                                                    (refreshes), ok|failed
// Never records paths, queries, headers or bodies. Thread-safe.
class InstrumentedHttpClient : public HttpClient {
 public:
  // Aborts if the metric names are taken: a start-up programming error.
  InstrumentedHttpClient(std::unique_ptr<HttpClient> inner,
                         metrics::Registry& registry);

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  std::unique_ptr<HttpClient> inner_;
  metrics::CounterFamily* requests_ = nullptr;
  metrics::HistogramFamily* seconds_ = nullptr;
  metrics::CounterFamily* throttled_ = nullptr;
  metrics::CounterFamily* tokens_ = nullptr;
};

// "https://graph.microsoft.com/v1.0/users" -> "graph.microsoft.com".
std::string HostOf(absl::string_view url);

}  // namespace riposte::http

#endif  // RIPOSTE_HTTP_INSTRUMENTED_HTTP_CLIENT_H_
