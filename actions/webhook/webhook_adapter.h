#ifndef RIPOSTE_ACTIONS_WEBHOOK_WEBHOOK_ADAPTER_H_
#define RIPOSTE_ACTIONS_WEBHOOK_WEBHOOK_ADAPTER_H_

// Carries out any action by calling a configured HTTP endpoint (another
// gateway, a SOAR, a ticket system): one request per Apply, and per Revert
// when enabled, with a JSON body filled in from a template.
//
// Template placeholders (spaces inside the braces are allowed):
//   {{action}} {{target}} (the target key) {{target_display}} {{tenant}}
//   {{incident}} {{run}} {{idempotency_key}} {{narrative}}
//   {{expires_at}} (RFC 3339 UTC, or empty) {{phase}} ("apply"/"revert")
// Values are JSON-escaped and inserted WITHOUT quotes; the template
// provides them: {"summary":"{{narrative}}","run":"{{run}}"}. The template
// must be valid JSON once filled; unknown placeholders are errors. The body
// is always JSON, so a Content-Type header, if configured, must be a JSON
// media type (application/json, or a +json type).
//
// Every request carries Idempotency-Key: an opaque ASCII id, "rpk_" and 32
// hex digits of a SHA-256 over the tenant, the run's idempotency key and
// the phase. It is the same on every retry of a run's Apply, different for
// its Revert (so a receiver that deduplicates does not drop the revert as a
// repeat of the apply) and different between runs; it never carries the
// target (a user's address, possibly non-ASCII). {{idempotency_key}}
// expands to the same value.
//
// With an HMAC secret, the signature header (default Riposte-Signature)
// carries "t=<unix seconds>,v1=<hex>", where <hex> is HMAC-SHA256 under the
// secret of the string "<t>.<Idempotency-Key>.<body>" and <t> is the time
// of this attempt (so a retry is signed anew; the body stays the same).
// Receivers recompute it, compare in constant time, reject a <t> too far
// from their clock and deduplicate by Idempotency-Key: docs/CONNECTING.md.
//
// Each Apply or Revert sends its request at most once, and the HTTP client
// does not resend it either: a request that may have reached the receiver
// (timeout, connection reset after sending) is an attempt whose outcome is
// unknown, returned as DeadlineExceeded or Unavailable for the executor to
// count, audit and retry.
//
// Answers: a configured success code is kApplied (kReverted); 429 is
// ResourceExhausted and 500/502/503/504 Unavailable, with Retry-After;
// other statuses map as actions/common/http_status.h says; a 2xx that is
// not a success code is Internal. Messages and details name the endpoint
// by scheme and host only (webhook URLs often embed secrets in the path),
// and never contain header values, the HMAC secret or the body.
//
// Memo: {"v":1,"status":<HTTP status of the Apply>}; {"v":1,"pending":true}
// is checkpointed just before an Apply's request is sent.
//
// Thread-safe.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/action_executor.h"
#include "common/clock.h"
#include "http/http_client.h"

namespace riposte::actions::webhook {

struct WebhookOptions {
  // The adapter's name() in config, metrics and the registry; distinct
  // webhooks need distinct names.
  std::string name = "webhook";
  std::string method = "POST";  // POST, PUT or PATCH
  std::string url;              // http:// or https://
  // Extra request headers. Values may be credentials: never logged.
  std::map<std::string, std::string> headers;
  std::string body_template;
  std::vector<int> success_codes = {200, 201, 202, 204};
  // Signs each body when not empty (already read by the caller; see
  // actions/common/secret_source.h).
  std::string hmac_secret;
  std::string signature_header = "Riposte-Signature";
  // Whether Revert sends the request again with phase "revert"; if not,
  // Revert is Unimplemented.
  bool revert = false;
  absl::Duration call_timeout = absl::Seconds(20);
};

// InvalidArgument naming the bad field: empty name, unsupported method,
// URL without http(s)://, a template with unknown or unclosed placeholders
// or that is not JSON once filled, success codes outside 200..299, headers
// that would override Idempotency-Key or the signature header, a
// Content-Type that is not JSON, a non-positive timeout.
absl::Status ValidateWebhookOptions(const WebhookOptions& options);

class WebhookAdapter : public ActionExecutor {
 public:
  // `http` and `clock` are not owned and must outlive the adapter. Invalid
  // options make every call fail with FailedPrecondition.
  WebhookAdapter(WebhookOptions options, http::HttpClient* http,
                 const Clock* clock);

  absl::string_view name() const override { return options_.name; }
  absl::StatusOr<ActionResult> Apply(const ActionRequest& request) override;
  absl::StatusOr<ActionResult> Revert(const ActionRequest& request) override;

  // The body Apply (revert=false) or Revert would send for `request`. For
  // tests and dry runs.
  absl::StatusOr<std::string> RenderBody(const ActionRequest& request,
                                         bool revert) const;

 private:
  absl::StatusOr<ActionResult> Call(const ActionRequest& request, bool revert);
  // The signature header's value for `body` sent now under `key`.
  std::string Signature(absl::string_view key, absl::string_view body) const;
  absl::Status Redact(absl::Status status) const;

  const WebhookOptions options_;
  const absl::Status valid_;
  http::HttpClient* const http_;
  const Clock* const clock_;
};

}  // namespace riposte::actions::webhook

#endif  // RIPOSTE_ACTIONS_WEBHOOK_WEBHOOK_ADAPTER_H_
