#include "actions/common/client_credentials.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "actions/common/http_status.h"
#include "actions/common/json_value.h"
#include "actions/common/url_encoding.h"
#include "common/log.h"

namespace riposte::actions::common {

ClientCredentialsTokenSource::ClientCredentialsTokenSource(
    ClientCredentialsOptions options, http::HttpClient* http,
    const Clock* clock)
    : options_(std::move(options)), http_(http), clock_(clock) {}

absl::StatusOr<std::string> ClientCredentialsTokenSource::GetToken() {
  mu_.Lock();
  while (true) {
    const absl::Time now = clock_->Now();
    if (!token_.empty() && now < refresh_at_) {
      std::string token = token_;
      mu_.Unlock();
      return token;
    }
    if (!fetching_) break;
    // Someone else is refreshing: wait for them and take their result.
    const int64_t generation = generation_;
    ++waiting_;
    mu_.Await(absl::Condition(this, &ClientCredentialsTokenSource::NotFetching));
    --waiting_;
    if (generation_ != generation && !last_error_.ok()) {
      // The refresh we waited for failed; share its error rather than
      // hammering the endpoint, unless the old token is still usable.
      if (token_.empty() || clock_->Now() >= expires_at_) {
        absl::Status error = last_error_;
        mu_.Unlock();
        return error;
      }
      std::string token = token_;
      mu_.Unlock();
      return token;
    }
  }
  fetching_ = true;
  ++fetch_count_;
  mu_.Unlock();

  absl::StatusOr<Fetched> fetched = Fetch();

  absl::MutexLock lock(&mu_);
  fetching_ = false;
  ++generation_;
  if (!fetched.ok()) {
    last_error_ = fetched.status();
    if (!token_.empty() && clock_->Now() < expires_at_) {
      log::Warn("token refresh failed; using the cached token until it expires",
                {{"service", options_.service}, {"status", last_error_}});
      return token_;
    }
    token_.clear();
    return last_error_;
  }
  last_error_ = absl::OkStatus();
  const absl::Time now = clock_->Now();
  token_ = std::move(fetched->token);
  expires_at_ = now + fetched->lifetime;
  refresh_at_ = now + std::max(fetched->lifetime - options_.refresh_margin,
                               fetched->lifetime / 2);
  log::Debug("token refreshed",
             {{"service", options_.service},
              {"expires_in_s", absl::ToInt64Seconds(fetched->lifetime)}});
  return token_;
}

void ClientCredentialsTokenSource::Invalidate(absl::string_view token) {
  absl::MutexLock lock(&mu_);
  if (!token_.empty() && token_ == token) {
    token_.clear();
    refresh_at_ = expires_at_ = absl::InfinitePast();
  }
}

int64_t ClientCredentialsTokenSource::fetch_count() const {
  absl::MutexLock lock(&mu_);
  return fetch_count_;
}

int ClientCredentialsTokenSource::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

absl::StatusOr<ClientCredentialsTokenSource::Fetched>
ClientCredentialsTokenSource::Fetch() {
  std::vector<std::pair<std::string, std::string>> form = {
      {"client_id", options_.client_id},
      {"client_secret", options_.client_secret},
  };
  if (!options_.scope.empty()) form.emplace_back("scope", options_.scope);
  form.emplace_back("grant_type", "client_credentials");

  http::HttpRequest request;
  request.method = "POST";
  request.url = options_.token_url;
  request.headers["Content-Type"] = "application/x-www-form-urlencoded";
  request.headers["Accept"] = "application/json";
  request.body = FormUrlEncode(form);
  request.timeout = options_.call_timeout;

  const std::string label = absl::StrCat(options_.service, " token request ",
                                         RequestLabel("POST", request.url));
  absl::StatusOr<http::HttpResponse> response = http_->Send(request);
  if (!response.ok()) {
    return RedactSecret(
        absl::Status(response.status().code(),
                     absl::StrCat(label, ": ", response.status().message())),
        options_.client_secret);
  }
  if (response->status == 400 || response->status == 401) {
    const ServiceError error = ExtractServiceError(*response);
    std::string detail = error.code;
    if (!error.message.empty()) absl::StrAppend(&detail, ": ", error.message);
    return RedactSecret(
        absl::PermissionDeniedError(absl::StrCat(
            label, " was refused (HTTP ", response->status,
            detail.empty() ? "" : ", ", detail,
            "); check the configured client id and client secret")),
        options_.client_secret);
  }
  absl::Status status = HttpResponseToStatus(label, *response, clock_->Now());
  if (!status.ok()) return RedactSecret(status, options_.client_secret);

  absl::StatusOr<JsonValue> body = JsonValue::Parse(response->body);
  std::optional<std::string> token;
  if (body.ok()) token = body->GetString("access_token");
  if (!token.has_value() || token->empty()) {
    return absl::UnavailableError(
        absl::StrCat(label, ": the answer has no access_token"));
  }
  if (std::optional<std::string> type = body->GetString("token_type");
      type.has_value() && !absl::EqualsIgnoreCase(*type, "Bearer")) {
    return absl::FailedPreconditionError(absl::StrCat(
        label, ": unsupported token_type \"", absl::CEscape(*type), "\""));
  }
  // expires_in is a number, or a numeric string from older endpoints.
  int64_t expires_in = 3600;
  if (const JsonValue* v = body->Find("expires_in"); v != nullptr) {
    std::optional<int64_t> n = v->AsInt64();
    if (!n.has_value() && v->is_string()) {
      int64_t parsed = 0;
      if (absl::SimpleAtoi(v->string_value(), &parsed)) n = parsed;
    }
    if (!n.has_value() || *n <= 0) {
      return absl::UnavailableError(
          absl::StrCat(label, ": the answer has an invalid expires_in"));
    }
    expires_in = *n;
  }
  return Fetched{*std::move(token), absl::Seconds(expires_in)};
}

absl::Status RedactSecret(const absl::Status& status, absl::string_view secret) {
  if (status.ok() || secret.empty() ||
      !absl::StrContains(status.message(), secret)) {
    return status;
  }
  absl::Status out(status.code(), absl::StrReplaceAll(status.message(),
                                                      {{secret, "[redacted]"}}));
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

}  // namespace riposte::actions::common
