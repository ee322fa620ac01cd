// Fuzzes how the adapters read what a service answers (see
// http/scripted_responses.h for the input's form): the first answer through
// ExtractServiceError, HttpResponseToStatus and ParseRetryAfter, and the
// whole script as a token endpoint's answers to
// ClientCredentialsTokenSource. Nothing may crash, and the client secret
// must never reach a message, whatever the endpoint echoes back.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/common/client_credentials.h"
#include "actions/common/http_status.h"
#include "common/clock.h"
#include "http/fake_http_client.h"
#include "http/scripted_responses.h"

namespace {

constexpr absl::string_view kSecret = "s3cr3t~Value/8";

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace common = riposte::actions::common;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<riposte::http::HttpResponse> responses =
      riposte::http::ResponsesFromText(text);
  const absl::Time now = absl::FromUnixSeconds(1'795'000'000);

  const riposte::http::HttpResponse& first = responses.front();
  (void)common::ExtractServiceError(first);
  absl::Status status = common::HttpResponseToStatus(
      "GET /v1.0/users/x", first, now);
  (void)common::AnsweredHttpStatus(status);
  (void)common::CertainlyNotProcessed(status);
  if (auto it = first.headers.find("Retry-After"); it != first.headers.end()) {
    std::optional<absl::Duration> wait = common::ParseRetryAfter(it->second, now);
    Check(!wait.has_value() || *wait >= absl::ZeroDuration());
  }

  riposte::FakeClock clock(now);
  riposte::http::FakeHttpClient http(
      riposte::http::ScriptedHandler(std::move(responses)));
  common::ClientCredentialsOptions options;
  options.token_url = "https://login.example/tenant/oauth2/v2.0/token";
  options.client_id = "client";
  options.client_secret = std::string(kSecret);
  common::ClientCredentialsTokenSource tokens(options, &http, &clock);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::string> token = tokens.GetToken();
    if (token.ok()) {
      Check(!token->empty());
      tokens.Invalidate(*token);
    } else {
      Check(!absl::StrContains(token.status().message(), kSecret));
    }
    clock.Advance(absl::Hours(2));
  }
  return 0;
}
