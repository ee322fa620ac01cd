#include "actions/graph/graph_client.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
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
      tokens_(TokenOptions(options), http, clock) {}

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
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::string> token = tokens_.GetToken();
    if (!token.ok()) return token.status();
    int http_status = 0;
    absl::StatusOr<GraphResponse> response =
        SendOnce(request, url, *token, log, &http_status);
    if (http_status == 401 && attempt == 0) {
      // The token was revoked or rotated early: get a new one, once.
      tokens_.Invalidate(*token);
      log::Info("graph rejected the access token; refreshing it",
                {{"path", common::UrlPath(url)}});
      continue;
    }
    return response;
  }
}

absl::StatusOr<GraphResponse> GraphClient::SendOnce(const GraphRequest& request,
                                                    const std::string& url,
                                                    const std::string& token,
                                                    CallLog* log,
                                                    int* http_status) {
  http::HttpRequest http_request;
  http_request.method = request.method;
  http_request.url = url;
  http_request.timeout = call_timeout_;
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
  absl::StatusOr<http::HttpResponse> response = http_->Send(http_request);
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
