#include "actions/webhook/webhook_adapter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "actions/common/checkpoint.h"
#include "actions/common/client_credentials.h"
#include "actions/common/http_status.h"
#include "actions/common/json_value.h"
#include "actions/common/url_encoding.h"
#include "actions/webhook/body_template.h"
#include "actions/webhook/hmac_sha256.h"
#include "common/json.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace riposte::actions::webhook {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("webhook option ", field, ": ", why));
}

std::string Rfc3339(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string TargetDisplay(const v1::Entity& target) {
  switch (target.kind_case()) {
    case v1::Entity::kUser: {
      const v1::UserEntity& u = target.user();
      if (!u.user_principal_name().empty()) return u.user_principal_name();
      if (!u.display_name().empty()) return u.display_name();
      return u.id();
    }
    case v1::Entity::kEmail: {
      const v1::EmailEntity& e = target.email();
      std::string out = absl::StrCat("message ", e.internet_message_id());
      if (!e.subject().empty()) absl::StrAppend(&out, " \"", e.subject(), "\"");
      if (!e.mailbox().empty()) absl::StrAppend(&out, " in ", e.mailbox());
      if (e.in_transit()) absl::StrAppend(&out, " (in transit)");
      return out;
    }
    case v1::Entity::kDevice:
      return target.device().hostname().empty() ? target.device().id()
                                                : target.device().hostname();
    case v1::Entity::kIp:
      return target.ip().address();
    case v1::Entity::KIND_NOT_SET:
      break;
  }
  return "";
}

// The Idempotency-Key of a run's Apply or Revert: opaque and ASCII, since
// the run's own key names the target (a user's address, possibly not
// ASCII) and a header is no place for either. Stable across retries because
// the run's key is; the phase keeps a revert from looking like a repeat of
// the apply to a receiver that deduplicates.
std::string PhaseKey(const ActionRequest& request, bool revert) {
  const std::string run_key = request.idempotency_key.empty()
                                  ? absl::StrCat("riposte-run-", request.run_id)
                                  : request.idempotency_key;
  // Length-prefixed fields, so that no two inputs share an encoding.
  const std::string input = absl::StrCat(
      "riposte webhook idempotency v1\n", revert ? "revert" : "apply", "\n",
      request.tenant_id.size(), ":", request.tenant_id, "\n", run_key.size(), ":",
      run_key);
  return absl::StrCat("rpk_", Sha256Hex(input).substr(0, 32));
}

}  // namespace

absl::Status ValidateWebhookOptions(const WebhookOptions& o) {
  if (o.name.empty()) return Bad("name", "empty");
  if (o.method != "POST" && o.method != "PUT" && o.method != "PATCH") {
    return Bad("method", absl::StrCat("must be POST, PUT or PATCH, got \"", o.method, "\""));
  }
  if (!(absl::StartsWith(o.url, "https://") || absl::StartsWith(o.url, "http://")) ||
      common::UrlOrigin(o.url).size() <= 8) {
    // The URL itself may hold a secret; do not echo it.
    return Bad("url", "must be an absolute http:// or https:// URL");
  }
  if (absl::Status body = BodyTemplate::CheckJson(o.body_template); !body.ok()) {
    return Bad("body_template", body.message());
  }
  if (o.success_codes.empty()) return Bad("success_codes", "empty");
  for (int code : o.success_codes) {
    if (code < 200 || code > 299) {
      return Bad("success_codes", absl::StrCat(code, " is not a 2xx status"));
    }
  }
  if (o.signature_header.empty()) return Bad("signature_header", "empty");
  for (const auto& [name, value] : o.headers) {
    if (name.empty()) return Bad("headers", "empty header name");
    if (absl::EqualsIgnoreCase(name, "Idempotency-Key") ||
        absl::EqualsIgnoreCase(name, o.signature_header) ||
        absl::EqualsIgnoreCase(name, "Content-Length") ||
        absl::EqualsIgnoreCase(name, "Host")) {
      return Bad("headers", absl::StrCat("\"", name, "\" is set by Riposte"));
    }
    if (value.find_first_of("\r\n") != std::string::npos) {
      return Bad("headers", absl::StrCat("\"", name, "\" has a line break in its value"));
    }
    if (absl::EqualsIgnoreCase(name, "Content-Type") && !IsJsonMediaType(value)) {
      // Placeholders are JSON-escaped: any other type would mislabel the body.
      return Bad("headers", "Content-Type must be application/json or a +json type: "
                            "the body is JSON and its values are JSON-escaped");
    }
  }
  if (o.call_timeout <= absl::ZeroDuration()) return Bad("call_timeout", "must be positive");
  return absl::OkStatus();
}

WebhookAdapter::WebhookAdapter(WebhookOptions options, http::HttpClient* http,
                               const Clock* clock)
    : options_(std::move(options)),
      valid_(ValidateWebhookOptions(options_)),
      http_(http),
      clock_(clock) {}

absl::StatusOr<ActionResult> WebhookAdapter::Apply(const ActionRequest& request) {
  return Call(request, /*revert=*/false);
}

absl::StatusOr<ActionResult> WebhookAdapter::Revert(const ActionRequest& request) {
  if (valid_.ok() && !options_.revert) {
    return absl::UnimplementedError(absl::StrCat(
        "webhook ", options_.name, " is not configured to revert actions"));
  }
  return Call(request, /*revert=*/true);
}

absl::StatusOr<std::string> WebhookAdapter::RenderBody(const ActionRequest& request,
                                                       bool revert) const {
  if (!valid_.ok()) return absl::FailedPreconditionError(valid_.message());
  RIPOSTE_ASSIGN_OR_RETURN(BodyTemplate body, BodyTemplate::Parse(options_.body_template));
  return body.Fill({
      {"action", request.action},
      {"target", request.target_key},
      {"target_display", TargetDisplay(request.target)},
      {"tenant", request.tenant_id},
      {"incident", absl::StrCat(request.incident_id)},
      {"run", absl::StrCat(request.run_id)},
      {"idempotency_key", PhaseKey(request, revert)},
      {"narrative", request.narrative},
      {"expires_at", Rfc3339(request.expires_at)},
      {"phase", revert ? "revert" : "apply"},
  });
}

absl::StatusOr<ActionResult> WebhookAdapter::Call(const ActionRequest& request,
                                                  bool revert) {
  RIPOSTE_ASSIGN_OR_RETURN(std::string body, RenderBody(request, revert));
  const absl::string_view phase = revert ? "revert" : "apply";

  http::HttpRequest http_request;
  http_request.method = options_.method;
  http_request.url = options_.url;
  http_request.timeout = options_.call_timeout;
  for (const auto& [name, value] : options_.headers) http_request.headers[name] = value;
  if (http_request.headers.count("Content-Type") == 0) {
    http_request.headers["Content-Type"] = "application/json";
  }
  const std::string key = PhaseKey(request, revert);
  http_request.headers["Idempotency-Key"] = key;
  if (!options_.hmac_secret.empty()) {
    http_request.headers[options_.signature_header] = Signature(key, body);
  }
  http_request.body = body;
  if (!revert) {
    // The lease check before acting; a retry resends with the same
    // Idempotency-Key, so the receiver can drop the duplicate.
    RIPOSTE_RETURN_IF_ERROR(common::Checkpoint(
        request, JsonObjectWriter().AddInt("v", 1).AddBool("pending", true).Finish()));
  }

  // Scheme and host only: webhook URLs often carry secrets in the path.
  const std::string destination = common::UrlOrigin(options_.url);
  const std::string label =
      absl::StrCat("webhook ", options_.name, " ", options_.method, " ", destination);
  absl::StatusOr<http::HttpResponse> response = http_->Send(http_request);
  if (!response.ok()) {
    return Redact(absl::Status(response.status().code(),
                               absl::StrCat(label, ": ", response.status().message())));
  }
  const bool success =
      std::find(options_.success_codes.begin(), options_.success_codes.end(),
                response->status) != options_.success_codes.end();
  if (!success) {
    absl::Status status = common::HttpResponseToStatus(label, *response, clock_->Now());
    if (status.ok()) {
      status = absl::InternalError(absl::StrCat(
          label, ": HTTP ", response->status, " is not a configured success code"));
    }
    status = Redact(status);
    log::Warn("webhook call failed", {{"webhook", options_.name},
                                      {"action", request.action},
                                      {"phase", phase},
                                      {"run", request.run_id},
                                      {"status", status}});
    return status;
  }

  ActionResult result;
  result.outcome = revert ? ActionResult::Outcome::kReverted
                          : ActionResult::Outcome::kApplied;
  result.memo = revert ? request.memo
                       : JsonObjectWriter()
                             .AddInt("v", 1)
                             .AddInt("status", response->status)
                             .Finish();
  result.details = JsonObjectWriter()
                       .Add("adapter", "webhook")
                       .Add("name", options_.name)
                       .Add("action", request.action)
                       .Add("phase", phase)
                       .Add("method", options_.method)
                       .Add("destination", destination)
                       .AddInt("status", response->status)
                       .Add("idempotency_key", key)
                       .Add("body_sha256", Sha256Hex(body))
                       .AddBool("signed", !options_.hmac_secret.empty())
                       .Finish();
  log::Info("webhook call done", {{"webhook", options_.name},
                                  {"action", request.action},
                                  {"phase", phase},
                                  {"run", request.run_id},
                                  {"status", response->status}});
  return result;
}

std::string WebhookAdapter::Signature(absl::string_view key,
                                      absl::string_view body) const {
  // The time of this attempt, so that a receiver can refuse replays; the
  // key, so that it cannot be swapped to slip a replay past deduplication.
  const std::string t = absl::StrCat(absl::ToUnixSeconds(clock_->Now()));
  return absl::StrCat(
      "t=", t, ",v1=", HmacSha256Hex(options_.hmac_secret, absl::StrCat(t, ".", key, ".", body)));
}

absl::Status WebhookAdapter::Redact(absl::Status status) const {
  status = common::RedactSecret(status, options_.hmac_secret);
  // Header values are often credentials; short ones (e.g. "1") are not
  // worth garbling messages for.
  for (const auto& [name, value] : options_.headers) {
    if (value.size() >= 8) status = common::RedactSecret(status, value);
  }
  // So are URL paths and queries.
  const std::string tail = options_.url.substr(common::UrlOrigin(options_.url).size());
  if (tail.size() > 1) status = common::RedactSecret(status, tail);
  const std::string path = common::UrlPath(options_.url);
  if (path.size() > 1) status = common::RedactSecret(status, path);
  return status;
}

}  // namespace riposte::actions::webhook
