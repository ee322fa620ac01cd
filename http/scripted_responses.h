#ifndef RIPOSTE_HTTP_SCRIPTED_RESPONSES_H_
#define RIPOSTE_HTTP_SCRIPTED_RESPONSES_H_

// HTTP answers written as text, for fuzz targets and their corpora: the
// answers a FakeHttpClient gives, one per request, in order. The text is
// answers separated by lines "~~~~"; each is a status line ("200"), header
// lines ("Retry-After: 5") up to an empty line, then the body:
//
//   200
//   Content-Type: application/json
//
//   {"access_token":"t","expires_in":3600}
//   ~~~~
//   429
//   Retry-After: 7
//
// Anything goes: a status that is not a number is 0, a header line without
// ':' is skipped. Requests beyond the script get Unavailable.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "http/fake_http_client.h"
#include "http/http_client.h"

namespace riposte::http {

// One answer from its text (see the file comment).
inline HttpResponse ResponseFromText(absl::string_view text) {
  HttpResponse response;
  size_t line_end = text.find('\n');
  absl::string_view status_line = text.substr(0, line_end);
  if (!absl::SimpleAtoi(status_line, &response.status)) response.status = 0;
  if (line_end == absl::string_view::npos) return response;
  text.remove_prefix(line_end + 1);
  while (!text.empty()) {
    line_end = text.find('\n');
    absl::string_view line = text.substr(0, line_end);
    text.remove_prefix(line_end == absl::string_view::npos ? text.size()
                                                           : line_end + 1);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    response.headers[std::string(line.substr(0, colon))] =
        std::string(absl::StripLeadingAsciiWhitespace(line.substr(colon + 1)));
  }
  response.body = std::string(text);
  return response;
}

inline std::vector<HttpResponse> ResponsesFromText(absl::string_view text) {
  std::vector<HttpResponse> out;
  for (absl::string_view part : absl::StrSplit(text, "\n~~~~\n")) {
    out.push_back(ResponseFromText(part));
  }
  return out;
}

// A FakeHttpClient handler giving `responses` in order, then Unavailable.
inline FakeHttpClient::Handler ScriptedHandler(
    std::vector<HttpResponse> responses) {
  struct Script {
    absl::Mutex mu;
    std::vector<HttpResponse> responses;
    size_t next = 0;
  };
  auto script = std::make_shared<Script>();
  script->responses = std::move(responses);
  return [script](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    absl::MutexLock lock(&script->mu);
    if (script->next >= script->responses.size()) {
      return absl::UnavailableError("connection refused (end of the script)");
    }
    return script->responses[script->next++];
  };
}

}  // namespace riposte::http

#endif  // RIPOSTE_HTTP_SCRIPTED_RESPONSES_H_
