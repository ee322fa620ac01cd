// Fuzzes how the Graph adapter reads Microsoft's answers (see
// http/scripted_responses.h for the input's form). The script answers, in
// order: a GraphClient directory call (its token request first, and a
// second token and attempt after a 401), then a $batch envelope carrying
// two mail requests sent together through GraphBatcher. Nothing may crash;
// the client secret never reaches a message.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/graph/graph_batcher.h"
#include "actions/graph/graph_client.h"
#include "actions/graph/graph_options.h"
#include "common/clock.h"
#include "http/fake_http_client.h"
#include "http/scripted_responses.h"

namespace {

namespace graph = riposte::actions::graph;

constexpr absl::string_view kSecret = "s3cr3t~Value/8";
constexpr absl::string_view kBase = "https://graph.example/v1.0";

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckNoSecret(const absl::Status& status) {
  Check(!absl::StrContains(status.message(), kSecret));
}

void CallGraph(const std::string& script) {
  riposte::FakeClock clock(absl::FromUnixSeconds(1'795'000'000));
  riposte::http::FakeHttpClient http(riposte::http::ScriptedHandler(
      riposte::http::ResponsesFromText(script)));
  graph::GraphOptions options;
  options.directory_tenant = "contoso.example";
  options.client_id = "client";
  options.client_secret = std::string(kSecret);
  options.login_base_url = "https://login.example";
  options.graph_base_url = std::string(kBase);
  options.batch_window = absl::ZeroDuration();  // no waiting for company
  int guids = 0;
  graph::GraphClient client(options, &http, &clock,
                            [&guids] { return absl::StrCat("guid-", ++guids); });
  graph::GraphRequest request;
  request.target = "/users/alice%40contoso.example?$select=id,accountEnabled";
  request.accept = {404};
  graph::CallLog log;
  absl::StatusOr<graph::GraphResponse> response = client.Send(request, &log);
  if (!response.ok()) CheckNoSecret(response.status());
  (void)log.ToJson();
}

void CallBatch(const std::string& script) {
  riposte::http::FakeHttpClient http(riposte::http::ScriptedHandler(
      riposte::http::ResponsesFromText(script)));
  graph::GraphBatcherOptions options;
  options.graph_base_url = std::string(kBase);
  // Two requests always meet: the first waits for the second.
  options.window = absl::Seconds(30);
  options.max_requests = 2;
  graph::GraphBatcher batcher(options, &http, [] { return std::string("b-1"); });
  auto send = [&](const std::string& path) {
    riposte::http::HttpRequest request;
    request.method = "GET";
    request.url = absl::StrCat(kBase, path);
    request.headers["Authorization"] = "Bearer t";
    (void)batcher.Send(request);
  };
  std::thread other([&] { send("/users/bob/messages/AAMk1"); });
  send("/users/bob/messages/AAMk2");
  other.join();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  CallGraph(text);
  // The $batch envelope's answer: the script's last answer.
  const size_t last = text.rfind("\n~~~~\n");
  CallBatch(last == std::string::npos ? text : text.substr(last + 6));
  return 0;
}
