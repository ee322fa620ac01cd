#include "actions/graph/graph_batcher.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "actions/common/json_value.h"
#include "actions/graph/json_text.h"
#include "common/json.h"

namespace riposte::actions::graph {
namespace {

bool IsJsonContentType(absl::string_view content_type) {
  return absl::StartsWithIgnoreCase(absl::StripAsciiWhitespace(content_type),
                                    "application/json");
}

// The envelope carries the token; each sub-request keeps the rest.
bool StaysWithSubRequest(absl::string_view header) {
  return !absl::EqualsIgnoreCase(header, "Authorization");
}

}  // namespace

struct GraphBatcher::Pending {
  const http::HttpRequest* request = nullptr;
  std::optional<absl::StatusOr<http::HttpResponse>> result;
};

struct GraphBatcher::Batch {
  std::string authorization;
  absl::Time deadline;
  // Filled under mu_ until sealed; read only by the leader after.
  std::vector<Pending*> entries;
  bool sealed = false;
  bool done = false;
};

GraphBatcher::GraphBatcher(GraphBatcherOptions options, http::HttpClient* http,
                           common::GuidSource guids)
    : options_(std::move(options)), http_(http), guids_(std::move(guids)) {}

int64_t GraphBatcher::batches_sent() const {
  absl::MutexLock lock(&mu_);
  return batches_sent_;
}

int64_t GraphBatcher::batched_requests() const {
  absl::MutexLock lock(&mu_);
  return batched_requests_;
}

absl::StatusOr<http::HttpResponse> GraphBatcher::Send(
    const http::HttpRequest& request) {
  const int max = std::min(options_.max_requests, kGraphMaxBatch);
  const bool batchable =
      options_.window > absl::ZeroDuration() && max > 1 && !request.body_sink &&
      absl::StartsWith(request.url, options_.graph_base_url + "/") &&
      (request.body.empty() ||
       IsJsonContentType(request.headers.count("Content-Type") > 0
                             ? request.headers.at("Content-Type")
                             : ""));
  if (!batchable) return http_->Send(request);

  const auto auth_it = request.headers.find("Authorization");
  const std::string authorization =
      auth_it == request.headers.end() ? "" : auth_it->second;
  Pending me;
  me.request = &request;
  std::shared_ptr<Batch> batch;
  bool leader = false;
  {
    absl::MutexLock lock(&mu_);
    std::shared_ptr<Batch>& slot = open_[authorization];
    if (slot == nullptr) {
      slot = std::make_shared<Batch>();
      slot->authorization = authorization;
      slot->deadline = absl::Now() + options_.window;
      leader = true;
    }
    batch = slot;
    batch->entries.push_back(&me);
    auto close = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      batch->sealed = true;
      auto it = open_.find(authorization);
      if (it != open_.end() && it->second == batch) open_.erase(it);
    };
    if (static_cast<int>(batch->entries.size()) >= max) close();
    if (!leader) {
      // The leader sends the batch and fills in every entry's result.
      mu_.Await(absl::Condition(&batch->done));
      return *std::move(me.result);
    }
    mu_.AwaitWithDeadline(absl::Condition(&batch->sealed), batch->deadline);
    if (!batch->sealed) close();
  }
  Dispatch(*batch);
  {
    absl::MutexLock lock(&mu_);
    batch->done = true;
  }
  return *std::move(me.result);
}

void GraphBatcher::Dispatch(Batch& batch) {
  std::vector<Pending*>& entries = batch.entries;
  if (entries.size() == 1) {
    entries[0]->result = http_->Send(*entries[0]->request);
    return;
  }
  auto fail_all = [&](const absl::StatusOr<http::HttpResponse>& result) {
    for (Pending* p : entries) p->result = result;
  };

  http::HttpRequest envelope;
  envelope.method = "POST";
  envelope.url = options_.graph_base_url + "/$batch";
  envelope.timeout = absl::ZeroDuration();
  JsonArrayWriter requests;
  for (size_t i = 0; i < entries.size(); ++i) {
    const http::HttpRequest& r = *entries[i]->request;
    envelope.timeout = std::max(envelope.timeout, r.timeout);
    JsonObjectWriter headers;
    for (const auto& [name, value] : r.headers) {
      if (StaysWithSubRequest(name)) headers.Add(name, value);
    }
    JsonObjectWriter sub;
    sub.Add("id", absl::StrCat(i + 1))
        .Add("method", r.method)
        .Add("url", absl::string_view(r.url).substr(options_.graph_base_url.size()))
        .AddRaw("headers", headers.Finish());
    if (!r.body.empty()) sub.AddRaw("body", r.body);
    requests.AddRaw(sub.Finish());
  }
  envelope.body =
      JsonObjectWriter().AddRaw("requests", requests.Finish()).Finish();
  envelope.headers["Authorization"] = batch.authorization;
  envelope.headers["Content-Type"] = "application/json";
  envelope.headers["Accept"] = "application/json";
  envelope.headers["client-request-id"] = guids_();
  // Each request inside carries it too; on the envelope it keeps the rule
  // simple: every request Riposte sends asks for immutable ids.
  envelope.headers["Prefer"] = "IdType=\"ImmutableId\"";
  {
    absl::MutexLock lock(&mu_);
    ++batches_sent_;
    batched_requests_ += static_cast<int64_t>(entries.size());
  }

  absl::StatusOr<http::HttpResponse> answer = http_->Send(envelope);
  if (!answer.ok() || answer->status != 200) {
    // The token, the batch itself or the connection failed: each caller
    // handles it as it would for its own request.
    fail_all(answer);
    return;
  }
  std::string request_id;
  if (auto it = answer->headers.find("request-id"); it != answer->headers.end()) {
    request_id = it->second;
  }
  common::JsonParseOptions parse_options;
  parse_options.max_bytes = options_.max_response_bytes;
  absl::StatusOr<common::JsonValue> body =
      common::JsonValue::Parse(answer->body, parse_options);
  if (!body.ok() || !body->is_object()) {
    fail_all(absl::UnavailableError(absl::StrCat(
        "POST /$batch: HTTP 200 with an unreadable body; request-id ",
        request_id)));
    return;
  }
  const std::vector<common::JsonValue>& responses = body->GetArray("responses");
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string id = absl::StrCat(i + 1);
    const common::JsonValue* found = nullptr;
    for (const common::JsonValue& r : responses) {
      if (r.GetString("id") == id) {
        found = &r;
        break;
      }
    }
    std::optional<int64_t> status =
        found == nullptr ? std::nullopt : found->GetInt64("status");
    if (!status.has_value()) {
      entries[i]->result = absl::UnavailableError(absl::StrCat(
          "POST /$batch: no usable response for request ", id,
          " in Graph's answer; request-id ", request_id));
      continue;
    }
    http::HttpResponse out;
    out.status = static_cast<int>(*status);
    if (const common::JsonValue* headers = found->Find("headers");
        headers != nullptr && headers->is_object()) {
      for (size_t h = 0; h < headers->member_count(); ++h) {
        const common::JsonValue& value = headers->member_value(h);
        if (value.is_string()) {
          out.headers[headers->member_key(h)] = value.string_value();
        } else if (value.is_number()) {
          out.headers[headers->member_key(h)] = value.number_text();
        }
      }
    }
    if (out.headers.count("request-id") == 0 && !request_id.empty()) {
      out.headers["request-id"] = request_id;
    }
    if (const common::JsonValue* sub_body = found->Find("body");
        sub_body != nullptr && !sub_body->is_null()) {
      const auto type = out.headers.find("Content-Type");
      if (sub_body->is_string() &&
          (type == out.headers.end() || !IsJsonContentType(type->second))) {
        out.body = sub_body->string_value();
      } else {
        AppendJsonText(*sub_body, &out.body);
      }
    }
    entries[i]->result = std::move(out);
  }
}

}  // namespace riposte::actions::graph
