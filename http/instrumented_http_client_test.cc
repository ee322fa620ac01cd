#include "http/instrumented_http_client.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/fake_http_client.h"

namespace riposte::http {
namespace {

using ::testing::HasSubstr;

TEST(InstrumentedHttpClientTest, CountsByHostAndStatusClassWithoutSecrets) {
  metrics::Registry registry;
  auto fake = std::make_unique<FakeHttpClient>([](const HttpRequest& r)
                                                   -> absl::StatusOr<HttpResponse> {
    if (absl::StrContains(r.url, "down")) return absl::UnavailableError("refused");
    if (absl::StrContains(r.url, "slow")) return JsonResponse(429, "{}");
    return JsonResponse(200, "{}");
  });
  InstrumentedHttpClient client(std::move(fake), registry);
  HttpRequest r;
  r.url = "https://login.example.com/t1/oauth2/v2.0/token";
  r.body = "client_secret=hunter2";
  ASSERT_TRUE(client.Send(r).ok());
  r.url = "https://graph.example.com/v1.0/users/a?$filter=secret";
  ASSERT_TRUE(client.Send(r).ok());
  r.url = "https://graph.example.com/slow";
  ASSERT_TRUE(client.Send(r).ok());
  r.url = "https://user:pw@gw.example.com/down";
  EXPECT_FALSE(client.Send(r).ok());
  const std::string text = registry.RenderText();
  EXPECT_THAT(text, HasSubstr("riposte_http_requests_total{host=\"graph.example.com\",status_class=\"2xx\"} 1"));
  EXPECT_THAT(text, HasSubstr("riposte_http_requests_total{host=\"graph.example.com\",status_class=\"4xx\"} 1"));
  EXPECT_THAT(text, HasSubstr("riposte_http_requests_total{host=\"gw.example.com\",status_class=\"error\"} 1"));
  EXPECT_THAT(text, HasSubstr("riposte_http_throttled_total{host=\"graph.example.com\"} 1"));
  EXPECT_THAT(text, HasSubstr("riposte_token_requests_total{host=\"login.example.com\",outcome=\"ok\"} 1"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("hunter2")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("pw@")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("filter")));
}

}  // namespace
}  // namespace riposte::http
