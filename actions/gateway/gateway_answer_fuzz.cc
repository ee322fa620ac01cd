// Fuzzes how the gateway adapter reads the gateway's answers (see
// http/scripted_responses.h for the input's form): the script answers a
// GatewayClient::Post (its token request first, and a second token and
// attempt after a 401); failed items go through FailureStatus. The last
// answer's body is also read as a stored quarantine memo: once a memo
// that decodes is written back, reading and writing it again changes
// nothing. Nothing may crash; the
// client secret never reaches a message.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/gateway/gateway_client.h"
#include "actions/gateway/gateway_memo.h"
#include "common/clock.h"
#include "http/fake_http_client.h"
#include "http/scripted_responses.h"

namespace {

namespace gateway = riposte::actions::gateway;

constexpr absl::string_view kSecret = "s3cr3t~Value/8";

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<riposte::http::HttpResponse> responses =
      riposte::http::ResponsesFromText(text);
  const std::string last_body = responses.back().body;

  riposte::FakeClock clock(absl::FromUnixSeconds(1'795'000'000));
  riposte::http::FakeHttpClient http(
      riposte::http::ScriptedHandler(std::move(responses)));
  gateway::GatewayOptions options;
  options.base_url = "https://gateway.example";
  options.client_id = "client";
  options.client_secret = std::string(kSecret);
  gateway::GatewayClient client(options, &http, &clock);
  std::vector<gateway::GatewayCall> calls;
  absl::StatusOr<gateway::GatewayReply> reply = client.Post(
      "/api/email/find-held-messages",
      {R"({"messageId":"<m1@contoso.example>"})"}, &calls);
  if (!reply.ok()) {
    Check(!absl::StrContains(reply.status().message(), kSecret));
  } else if (!reply->fail.empty()) {
    absl::Status failed = gateway::FailureStatus("find held", reply->fail);
    Check(!failed.ok());
  }
  (void)gateway::CallsJson(calls);

  absl::StatusOr<gateway::QuarantineMemo> memo = gateway::DecodeMemo(last_body);
  if (memo.ok()) {
    const std::string written = gateway::EncodeMemo(*memo);
    absl::StatusOr<gateway::QuarantineMemo> again = gateway::DecodeMemo(written);
    Check(again.ok() && gateway::EncodeMemo(*again) == written);
  }
  return 0;
}
