// FakeGraph's JSON batching: POST {kGraphBase}/$batch.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "actions/common/json_value.h"
#include "actions/graph/fake_graph.h"
#include "actions/graph/json_text.h"
#include "common/json.h"

namespace riposte::actions::graph {

int FakeGraph::batches() const {
  absl::MutexLock lock(&mu_);
  return batches_;
}

int FakeGraph::batched_requests() const {
  absl::MutexLock lock(&mu_);
  return batched_requests_;
}

absl::StatusOr<http::HttpResponse> FakeGraph::HandleBatch(
    const http::HttpRequest& request) {
  auto header = [&](const char* name) -> std::string {
    auto it = request.headers.find(name);
    return it == request.headers.end() ? "" : it->second;
  };
  const std::string auth = header("Authorization");
  absl::StatusOr<common::JsonValue> body = common::JsonValue::Parse(request.body);
  {
    absl::MutexLock lock(&mu_);
    if (!absl::StartsWith(auth, "Bearer ") ||
        valid_tokens_.count(auth.substr(7)) == 0) {
      return GraphError(401, "InvalidAuthenticationToken",
                        "Access token has expired or is not yet valid.");
    }
    if (header("Content-Type") != "application/json") {
      violations_.push_back("$batch without Content-Type: application/json");
    }
    if (!body.ok() || body->GetArray("requests").empty()) {
      return GraphError(400, "BadRequest", "Invalid batch payload format.");
    }
    if (body->GetArray("requests").size() > 20) {
      return GraphError(400, "BadRequest",
                        "Number of batch request steps exceeds the maximum of 20.");
    }
    ++batches_;
    batched_requests_ += static_cast<int>(body->GetArray("requests").size());
  }
  const std::vector<common::JsonValue>& requests = body->GetArray("requests");
  std::vector<std::string> answers;
  for (const common::JsonValue& r : requests) {
    const std::string id = r.GetString("id").value_or("");
    const std::string url = r.GetString("url").value_or("");
    http::HttpRequest sub;
    sub.method = r.GetString("method").value_or("");
    sub.url = absl::StrCat(kGraphBase, absl::StartsWith(url, "/") ? "" : "/", url);
    if (const common::JsonValue* headers = r.Find("headers"); headers != nullptr) {
      for (size_t i = 0; i < headers->member_count(); ++i) {
        if (headers->member_value(i).is_string()) {
          sub.headers[headers->member_key(i)] = headers->member_value(i).string_value();
        }
      }
    }
    sub.headers["Authorization"] = auth;
    if (const common::JsonValue* b = r.Find("body"); b != nullptr) {
      AppendJsonText(*b, &sub.body);
    }
    absl::StatusOr<http::HttpResponse> answer = Handle(sub);
    if (!answer.ok()) return answer.status();
    JsonObjectWriter headers;
    for (const auto& [name, value] : answer->headers) headers.Add(name, value);
    JsonObjectWriter out;
    out.Add("id", id).AddInt("status", answer->status).AddRaw("headers", headers.Finish());
    if (common::JsonValue::Parse(answer->body).ok() && !answer->body.empty()) {
      out.AddRaw("body", answer->body);
    } else if (!answer->body.empty()) {
      out.Add("body", answer->body);
    }
    answers.push_back(out.Finish());
  }
  // Graph answers in any order: make clients match by id.
  JsonArrayWriter responses;
  for (auto it = answers.rbegin(); it != answers.rend(); ++it) responses.AddRaw(*it);
  http::HttpResponse out;
  out.status = 200;
  out.headers["Content-Type"] = "application/json";
  {
    absl::MutexLock lock(&mu_);
    out.headers["request-id"] = NewId("rid-batch");
  }
  out.body = JsonObjectWriter().AddRaw("responses", responses.Finish()).Finish();
  return out;
}

}  // namespace riposte::actions::graph
