#include "actions/graph/graph_client.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "actions/action_executor.h"
#include "actions/common/http_status.h"
#include "actions/common/url_encoding.h"
#include "common/json.h"
#include "common/log.h"

namespace riposte::actions::graph {
namespace {

std::string WithoutTrailingSlash(absl::string_view url) {
  while (absl::ConsumeSuffix(&url, "/")) {
  }
  return std::string(url);
}

common::ClientCredentialsOptions TokenOptions(const GraphOptions& options) {
  common::ClientCredentialsOptions out;
  out.token_url = absl::StrCat(WithoutTrailingSlash(options.login_base_url), "/",
                               common::EncodePathSegment(options.directory_tenant),
                               "/oauth2/v2.0/token");
  out.client_id = options.client_id;
  out.client_secret = options.client_secret;
  out.scope = options.scope;
  out.service = "Microsoft Entra ID";
  out.call_timeout = options.call_timeout;
  return out;
}

GraphBatcherOptions BatcherOptions(const GraphOptions& options) {
  GraphBatcherOptions out;
  out.graph_base_url = WithoutTrailingSlash(options.graph_base_url);
  out.window = options.batch_window;
  out.max_requests = options.max_batch_requests;
  return out;
}

constexpr absl::string_view kMailboxScope = "mailbox:";

// "%40" -> "@"; anything malformed is kept as written.
std::string PercentDecoded(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && absl::ascii_isxdigit(s[i + 1]) &&
        absl::ascii_isxdigit(s[i + 2])) {
      auto nibble = [](char c) {
        return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
      };
      out.push_back(static_cast<char>(nibble(s[i + 1]) * 16 + nibble(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

common::ThrottleGateOptions ThrottleOptions(const GraphOptions& options) {
  common::ThrottleGateOptions out;
  out.initial = options.throttle_initial;
  out.max = options.throttle_max;
  return out;
}

}  // namespace

std::string CallLog::ToJson() const {
  JsonArrayWriter out;
  for (const GraphCall& call : calls_) {
    out.AddRaw(JsonObjectWriter()
                   .Add("method", call.method)
                   .Add("path", call.path)
                   .AddInt("status", call.status)
                   .Add("request_id", call.request_id)
                   .Add("client_request_id", call.client_request_id)
                   .Finish());
  }
  return out.Finish();
}

GraphClient::GraphClient(const GraphOptions& options, http::HttpClient* http,
                         const Clock* clock, common::GuidSource guids)
    : graph_base_url_(WithoutTrailingSlash(options.graph_base_url)),
      call_timeout_(options.call_timeout),
      http_(http),
      clock_(clock),
      guids_(std::move(guids)),
      tokens_(TokenOptions(options), http, clock),
      throttle_(clock, ThrottleOptions(options)),
      batcher_(BatcherOptions(options), http, guids_),
      mailbox_permits_(options.mailbox_concurrency) {}

std::string GraphClient::ScopeOf(absl::string_view url) const {
  absl::string_view path = url;
  if (!absl::ConsumePrefix(&path, graph_base_url_)) return "directory";
  path = path.substr(0, path.find_first_of("?#"));
  std::vector<absl::string_view> segments =
      absl::StrSplit(path, '/', absl::SkipEmpty());
  // /users/{id}/<mail resource>/...: Outlook throttles per app and mailbox.
  if (segments.size() >= 3 && absl::EqualsIgnoreCase(segments[0], "users")) {
    static constexpr absl::string_view kMail[] = {
        "messages", "mailFolders", "mailboxSettings", "inferenceClassification"};
    for (absl::string_view mail : kMail) {
      if (absl::EqualsIgnoreCase(segments[2], mail)) {
        return absl::StrCat("mailbox:",
                            absl::AsciiStrToLower(PercentDecoded(segments[1])));
      }
    }
  }
  return "directory";
}

absl::StatusOr<GraphResponse> GraphClient::Send(const GraphRequest& request,
                                                CallLog* log) {
  std::string url;
  if (absl::StartsWith(request.target, "/")) {
    url = graph_base_url_ + request.target;
  } else if (absl::StartsWith(request.target, graph_base_url_ + "/")) {
    url = request.target;
  } else {
    // A nextLink pointing elsewhere must not get our token.
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing to send a Graph request outside ", graph_base_url_, ": ",
        common::UrlOrigin(request.target), common::UrlPath(request.target)));
  }
  const std::string scope = ScopeOf(url);
  if (std::optional<absl::Duration> held = throttle_.HeldFor(scope)) {
    // Graph throttled this scope for another run (or an earlier call of
    // this one): sending now would only be throttled again, and counts
    // against the app's limits.
    return AsThrottled(WithRetryAfter(
        absl::ResourceExhaustedError(absl::StrCat(
            common::RequestLabel(request.method, url),
            ": not sent, Graph is throttling ", scope, " for another ",
            absl::FormatDuration(absl::Ceil(*held, absl::Milliseconds(1))))),
        *held));
  }
  // Outlook serves a few requests per app and mailbox at once and throttles
  // the rest: wait for a turn rather than be throttled.
  const bool mail = absl::StartsWith(scope, kMailboxScope);
  std::optional<ScopePermits::Permit> permit;
  if (mail) permit.emplace(mailbox_permits_.Acquire(scope));
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::string> token = tokens_.GetToken();
    if (!token.ok()) return token.status();
    int http_status = 0;
    absl::StatusOr<GraphResponse> response =
        SendOnce(request, url, *token, mail, log, &http_status);
    if (http_status == 401 && attempt == 0) {
      // The token was revoked or rotated early: get a new one, once.
      tokens_.Invalidate(*token);
      log::Info("graph rejected the access token; refreshing it",
                {{"path", common::UrlPath(url)}});
      continue;
    }
    if (!response.ok() && IsThrottled(response.status())) {
      const absl::Duration hold =
          throttle_.Throttled(scope, RetryAfter(response.status()));
      return WithRetryAfter(response.status(), hold);
    }
    if (response.ok()) throttle_.Succeeded(scope);
    return response;
  }
}

absl::StatusOr<GraphResponse> GraphClient::SendOnce(const GraphRequest& request,
                                                    const std::string& url,
                                                    const std::string& token,
                                                    bool mail, CallLog* log,
                                                    int* http_status) {
  http::HttpRequest http_request;
  http_request.method = request.method;
  http_request.url = url;
  http_request.timeout = call_timeout_;
  http_request.body_sink = request.body_sink;
  const std::string client_request_id = guids_();
  http_request.headers["Authorization"] = absl::StrCat("Bearer ", token);
  http_request.headers["client-request-id"] = client_request_id;
  http_request.headers["Prefer"] = "IdType=\"ImmutableId\"";
  http_request.headers["Accept"] = "application/json";
  if (request.json_body.has_value()) {
    http_request.headers["Content-Type"] = "application/json";
    http_request.body = *request.json_body;
  }

  const std::string label = common::RequestLabel(request.method, url);
  // Mail calls may share a JSON batch with other runs' calls; the answer
  // is this request's own either way.
  http::HttpClient* via = mail ? static_cast<http::HttpClient*>(&batcher_) : http_;
  absl::StatusOr<http::HttpResponse> response = via->Send(http_request);
  if (!response.ok()) {
    if (log != nullptr) {
      log->Add({request.method, common::UrlPath(url), 0, "", client_request_id});
    }
    return absl::Status(response.status().code(),
                        absl::StrCat(label, ": ", response.status().message()));
  }
  *http_status = response->status;

  GraphResponse out;
  out.status = response->status;
  if (auto it = response->headers.find("request-id"); it != response->headers.end()) {
    out.request_id = it->second;
  }
  if (log != nullptr) {
    log->Add({request.method, common::UrlPath(url), response->status,
              out.request_id, client_request_id});
  }
  log::Debug("graph call", {{"method", request.method},
                            {"path", common::UrlPath(url)},
                            {"status", response->status},
                            {"request_id", out.request_id},
                            {"client_request_id", client_request_id}});

  const bool accepted = std::find(request.accept.begin(), request.accept.end(),
                                  response->status) != request.accept.end();
  if (!accepted) {
    absl::Status status =
        common::HttpResponseToStatus(label, *response, clock_->Now());
    if (!status.ok()) return status;
  }
  if (absl::StripAsciiWhitespace(response->body).empty()) return out;

  common::JsonParseOptions parse_options;
  parse_options.max_bytes = request.max_response_bytes;
  absl::StatusOr<common::JsonValue> body =
      common::JsonValue::Parse(response->body, parse_options);
  if (body.ok()) {
    out.body = *std::move(body);
  } else if (!accepted) {
    return absl::UnavailableError(absl::StrCat(
        label, ": HTTP ", response->status, " with an unreadable body (",
        body.status().message(), ") request-id ", out.request_id));
  }
  return out;
}

}  // namespace riposte::actions::graph
