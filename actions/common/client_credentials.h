#ifndef RIPOSTE_ACTIONS_COMMON_CLIENT_CREDENTIALS_H_
#define RIPOSTE_ACTIONS_COMMON_CLIENT_CREDENTIALS_H_

// OAuth 2.0 client credentials grant (RFC 6749 section 4.4) with a cached
// bearer token, shared by the Microsoft Graph and mail gateway adapters.
//
// The token is fetched on first use and cached. It is refreshed when less
// than `refresh_margin` of its lifetime remains (or half of it, for tokens
// shorter than twice the margin). Only one refresh runs at a time:
// concurrent callers wait for it and share its result. If a refresh fails
// while the cached token has not yet expired, the cached token is still
// returned and the next call tries again.

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "http/http_client.h"

namespace riposte::actions::common {

struct ClientCredentialsOptions {
  // Absolute URL of the token endpoint.
  std::string token_url;
  std::string client_id;
  std::string client_secret;
  // Sent as `scope` when not empty. Entra ID requires the resource's
  // audience + "/.default", and the audience differs per cloud:
  // "https://graph.microsoft.com/.default" in the global service,
  // "https://graph.microsoft.us/.default" in US Government L4.
  std::string scope;
  // Names the identity provider in messages, e.g. "Microsoft Entra ID".
  std::string service = "token endpoint";
  absl::Duration call_timeout = absl::Seconds(20);
  absl::Duration refresh_margin = absl::Minutes(5);
};

// Thread-safe.
class ClientCredentialsTokenSource {
 public:
  // `http` and `clock` are not owned and must outlive this object.
  ClientCredentialsTokenSource(ClientCredentialsOptions options,
                               http::HttpClient* http, const Clock* clock);

  ClientCredentialsTokenSource(const ClientCredentialsTokenSource&) = delete;
  ClientCredentialsTokenSource& operator=(const ClientCredentialsTokenSource&) =
      delete;

  // A valid access token. Errors:
  //   PermissionDenied     the endpoint refused the credentials (400/401):
  //                        the client id or secret is wrong; never retry
  //   Unavailable, ResourceExhausted, DeadlineExceeded
  //                        the endpoint is down, throttled or slow; retry
  //   others               as HttpResponseToStatus maps the answer
  // Messages never contain the client secret or a token.
  absl::StatusOr<std::string> GetToken();

  // Forgets `token` (which a resource server just rejected with 401) so the
  // next GetToken fetches a new one. A no-op if the cache already holds a
  // different token, so several callers rejecting the same token cause one
  // refresh, not several.
  void Invalidate(absl::string_view token);

  // How many token requests were sent. For tests and metrics.
  int64_t fetch_count() const;
  // How many callers are waiting for a refresh in progress. For tests.
  int waiting() const;

 private:
  struct Fetched {
    std::string token;
    absl::Duration lifetime;
  };
  absl::StatusOr<Fetched> Fetch();
  bool NotFetching() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !fetching_;
  }

  const ClientCredentialsOptions options_;
  http::HttpClient* const http_;
  const Clock* const clock_;

  mutable absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time refresh_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time expires_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  // Counts finished refreshes, so a waiter can tell that the refresh it
  // waited for has ended and take its result.
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  int64_t fetch_count_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

// Replaces every occurrence of `secret` in the status message with
// "[redacted]", keeping code and payloads. A last line of defence for
// messages built from what a remote service echoed back.
absl::Status RedactSecret(const absl::Status& status, absl::string_view secret);

}  // namespace riposte::actions::common

#endif  // RIPOSTE_ACTIONS_COMMON_CLIENT_CREDENTIALS_H_
