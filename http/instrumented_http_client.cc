#include "http/instrumented_http_client.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace riposte::http {
namespace {

template <typename T>
T Must(absl::StatusOr<T> v) {
  if (!v.ok()) {
    std::cerr << "http metrics: " << v.status() << "\n";
    std::abort();
  }
  return *v;
}

bool IsTokenRequest(absl::string_view url) {
  const size_t q = url.find('?');
  absl::string_view path = url.substr(0, q);
  return absl::EndsWith(path, "/oauth2/v2.0/token") ||
         absl::EndsWith(path, "/oauth/token");
}

}  // namespace

std::string HostOf(absl::string_view url) {
  size_t start = url.find("://");
  start = start == absl::string_view::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  absl::string_view host = url.substr(start, end == absl::string_view::npos
                                                 ? absl::string_view::npos
                                                 : end - start);
  // Drop any userinfo; never label with credentials.
  if (size_t at = host.rfind('@'); at != absl::string_view::npos) {
    host = host.substr(at + 1);
  }
  return std::string(host);
}

InstrumentedHttpClient::InstrumentedHttpClient(std::unique_ptr<HttpClient> inner,
                                               metrics::Registry& registry)
    : inner_(std::move(inner)) {
  requests_ = Must(registry.AddCounter(
      "riposte_http_requests_total",
      "Requests to external services, by host and status class (error: no "
      "response).",
      {"host", "status_class"}));
  seconds_ = Must(registry.AddHistogram(
      "riposte_http_request_seconds",
      "Duration of requests to external services, by host.", {"host"},
      metrics::DefaultLatencyBuckets()));
  throttled_ = Must(registry.AddCounter(
      "riposte_http_throttled_total",
      "HTTP 429 answers from external services, by host.", {"host"}));
  tokens_ = Must(registry.AddCounter(
      "riposte_token_requests_total",
      "OAuth2 token fetches (first and refreshes), by host and outcome.",
      {"host", "outcome"}));
}

absl::StatusOr<HttpResponse> InstrumentedHttpClient::Send(
    const HttpRequest& request) {
  const std::string host = HostOf(request.url);
  const absl::Time start = absl::Now();
  absl::StatusOr<HttpResponse> response = inner_->Send(request);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (auto h = seconds_->WithLabels({host}); h.ok()) (*h)->Observe(seconds);
  std::string status_class = "error";
  if (response.ok()) status_class = absl::StrCat(response->status / 100, "xx");
  if (auto c = requests_->WithLabels({host, status_class}); c.ok()) {
    (*c)->Increment();
  }
  if (response.ok() && response->status == 429) {
    if (auto c = throttled_->WithLabels({host}); c.ok()) (*c)->Increment();
  }
  if (IsTokenRequest(request.url)) {
    const bool ok = response.ok() && response->status / 100 == 2;
    if (auto c = tokens_->WithLabels({host, ok ? "ok" : "failed"}); c.ok()) {
      (*c)->Increment();
    }
  }
  return response;
}

}  // namespace riposte::http
