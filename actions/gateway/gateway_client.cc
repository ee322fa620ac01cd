#include "actions/gateway/gateway_client.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "actions/action_executor.h"
#include "actions/common/http_status.h"
#include "actions/common/url_encoding.h"
#include "common/json.h"
#include "common/log.h"

namespace riposte::actions::gateway {
namespace {

std::string WithoutTrailingSlash(absl::string_view url) {
  while (absl::ConsumeSuffix(&url, "/")) {
  }
  return std::string(url);
}

common::ClientCredentialsOptions TokenOptions(const GatewayOptions& options) {
  common::ClientCredentialsOptions out;
  out.token_url = WithoutTrailingSlash(options.base_url) + "/oauth/token";
  out.client_id = options.client_id;
  out.client_secret = options.client_secret;
  out.service = "mail gateway";
  out.call_timeout = options.call_timeout;
  return out;
}

bool IsThrottling(const GatewayError& e) {
  const std::string text = absl::AsciiStrToLower(absl::StrCat(e.code, " ", e.message));
  return e.retryable || absl::StrContains(text, "throttl") ||
         absl::StrContains(text, "rate limit") || absl::StrContains(text, "rate_limit");
}

}  // namespace

absl::Status ValidateGatewayOptions(const GatewayOptions& options) {
  const bool loopback = absl::StartsWith(options.base_url, "http://127.0.0.1") ||
                        absl::StartsWith(options.base_url, "http://localhost");
  if (!(absl::StartsWith(options.base_url, "https://") && options.base_url.size() > 8) &&
      !loopback) {
    return absl::InvalidArgumentError(absl::StrCat(
        "gateway option base_url: must be an https:// URL, got \"",
        options.base_url, "\""));
  }
  if (options.client_id.empty()) {
    return absl::InvalidArgumentError("gateway option client_id: empty");
  }
  if (options.client_secret.empty()) {
    return absl::InvalidArgumentError("gateway option client_secret: empty");
  }
  if (options.call_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("gateway option call_timeout: must be positive");
  }
  return absl::OkStatus();
}

GatewayClient::GatewayClient(const GatewayOptions& options,
                             http::HttpClient* http, const Clock* clock)
    : base_url_(WithoutTrailingSlash(options.base_url)),
      call_timeout_(options.call_timeout),
      http_(http),
      clock_(clock),
      tokens_(TokenOptions(options), http, clock),
      throttle_(clock) {}

absl::StatusOr<GatewayReply> GatewayClient::Post(
    absl::string_view path, const std::vector<std::string>& items,
    std::vector<GatewayCall>* calls) {
  // The gateway's rate limits apply to the app as a whole.
  constexpr absl::string_view kScope = "app";
  if (std::optional<absl::Duration> held = throttle_.HeldFor(kScope)) {
    return AsThrottled(WithRetryAfter(
        absl::ResourceExhaustedError(absl::StrCat(
            common::RequestLabel("POST", base_url_ + std::string(path)),
            ": not sent, the gateway is throttling this app for another ",
            absl::FormatDuration(absl::Ceil(*held, absl::Milliseconds(1))))),
        *held));
  }
  absl::StatusOr<GatewayReply> reply = Send(path, items, calls);
  if (!reply.ok() && IsThrottled(reply.status())) {
    const absl::Duration hold =
        throttle_.Throttled(kScope, RetryAfter(reply.status()));
    return WithRetryAfter(reply.status(), hold);
  }
  if (reply.ok()) throttle_.Succeeded(kScope);
  return reply;
}

absl::StatusOr<GatewayReply> GatewayClient::Send(
    absl::string_view path, const std::vector<std::string>& items,
    std::vector<GatewayCall>* calls) {
  JsonArrayWriter data;
  for (const std::string& item : items) data.AddRaw(item);
  http::HttpRequest request;
  request.method = "POST";
  request.url = base_url_ + std::string(path);
  request.timeout = call_timeout_;
  request.headers["Content-Type"] = "application/json";
  request.headers["Accept"] = "application/json";
  request.body = JsonObjectWriter().AddRaw("data", data.Finish()).Finish();
  const std::string label = common::RequestLabel("POST", request.url);

  absl::StatusOr<http::HttpResponse> response;
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::string> token = tokens_.GetToken();
    if (!token.ok()) return token.status();
    request.headers["Authorization"] = absl::StrCat("Bearer ", *token);
    response = http_->Send(request);
    if (!response.ok()) {
      return absl::Status(response.status().code(),
                          absl::StrCat(label, ": ", response.status().message()));
    }
    if (calls != nullptr) calls->push_back({std::string(path), response->status, 0});
    log::Debug("gateway call", {{"path", path}, {"status", response->status}});
    if (response->status == 401 && attempt == 0) {
      tokens_.Invalidate(*token);
      log::Info("gateway rejected the access token; refreshing it", {{"path", path}});
      continue;
    }
    break;
  }
  absl::Status status = common::HttpResponseToStatus(label, *response, clock_->Now());
  if (!status.ok()) return status;

  absl::StatusOr<common::JsonValue> body = common::JsonValue::Parse(response->body);
  if (!body.ok() || !body->is_object()) {
    return absl::UnavailableError(absl::StrCat(
        label, ": HTTP ", response->status, " with a body that is not a JSON envelope"));
  }
  GatewayReply reply;
  reply.data = body->GetArray("data");
  for (const common::JsonValue& f : body->GetArray("fail")) {
    GatewayFailure failure;
    if (const common::JsonValue* key = f.Find("key"); key != nullptr) failure.key = *key;
    for (const common::JsonValue& e : f.GetArray("errors")) {
      failure.errors.push_back({e.GetString("code").value_or(""),
                                e.GetString("message").value_or(""),
                                e.GetBool("retryable").value_or(false)});
    }
    reply.fail.push_back(std::move(failure));
  }
  if (calls != nullptr && !calls->empty()) {
    calls->back().failures = static_cast<int>(reply.fail.size());
  }
  // A failure can also hide under HTTP 200 as a non-2xx meta.status with
  // no item-level detail; item failures are left to the caller to judge.
  const common::JsonValue* meta = body->Find("meta");
  const std::optional<int64_t> meta_status =
      meta != nullptr ? meta->GetInt64("status") : std::nullopt;
  if (reply.fail.empty() && meta_status.has_value() &&
      (*meta_status < 200 || *meta_status > 299)) {
    http::HttpResponse inner = *response;
    inner.status = static_cast<int>(*meta_status);
    return common::HttpResponseToStatus(absl::StrCat(label, " (meta.status)"),
                                        inner, clock_->Now());
  }
  return reply;
}

absl::Status FailureStatus(absl::string_view label,
                           const std::vector<GatewayFailure>& failures) {
  bool retryable = false;
  std::vector<std::string> texts;
  for (const GatewayFailure& f : failures) {
    for (const GatewayError& e : f.errors) {
      retryable = retryable || IsThrottling(e);
      texts.push_back(e.message.empty() ? e.code : absl::StrCat(e.code, ": ", e.message));
    }
  }
  if (texts.empty()) texts.push_back("no error details");
  const std::string message = absl::StrCat(label, ": the gateway reported a failure (",
                                           absl::StrJoin(texts, "; "), ")");
  return retryable ? absl::UnavailableError(message)
                   : absl::InvalidArgumentError(message);
}

std::string CallsJson(const std::vector<GatewayCall>& calls) {
  JsonArrayWriter out;
  for (const GatewayCall& c : calls) {
    out.AddRaw(JsonObjectWriter()
                   .Add("path", c.path)
                   .AddInt("status", c.status)
                   .AddInt("failures", c.failures)
                   .Finish());
  }
  return out.Finish();
}

}  // namespace riposte::actions::gateway
