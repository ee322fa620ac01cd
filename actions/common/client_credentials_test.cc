#include "actions/common/client_credentials.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "actions/action_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/fake_http_client.h"

namespace riposte::actions::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "Sup3r~Secr3t.Value+/=";
const absl::Time kStart = absl::FromUnixSeconds(1700000000);

// Waits, without sleeping blindly, until `done` holds or 10 seconds pass.
template <typename F>
bool WaitFor(F done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

class ClientCredentialsTest : public ::testing::Test {
 protected:
  ClientCredentialsTest()
      : clock_(kStart),
        http_([this](const http::HttpRequest& r) { return Answer(r); }) {
    ClientCredentialsOptions options;
    options.token_url = "https://login.example.com/tenant-1/oauth2/v2.0/token";
    options.client_id = "client-1";
    options.client_secret = kSecret;
    options.scope = "https://graph.microsoft.com/.default";
    options.service = "Microsoft Entra ID";
    options.call_timeout = absl::Seconds(7);
    source_ = std::make_unique<ClientCredentialsTokenSource>(options, &http_, &clock_);
  }

  absl::StatusOr<http::HttpResponse> Answer(const http::HttpRequest&) {
    const int n = ++issued_;
    return http::JsonResponse(
        200, R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,)"
             R"("access_token":"tok-)" + std::to_string(n) + "\"}");
  }

  void ExpectNoSecret(const absl::Status& status) {
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr(kSecret)));
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("Secr3t")));
  }

  FakeClock clock_;
  std::atomic<int> issued_{0};
  http::FakeHttpClient http_;
  std::unique_ptr<ClientCredentialsTokenSource> source_;
};

TEST_F(ClientCredentialsTest, FetchesWithClientCredentialsGrant) {
  EXPECT_EQ(source_->GetToken().value(), "tok-1");
  ASSERT_EQ(http_.requests().size(), 1);
  const http::HttpRequest r = http_.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://login.example.com/tenant-1/oauth2/v2.0/token");
  EXPECT_EQ(r.headers.at("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.body,
            "client_id=client-1&client_secret=Sup3r~Secr3t.Value%2B%2F%3D&"
            "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&"
            "grant_type=client_credentials");
  EXPECT_EQ(r.timeout, absl::Seconds(7));
}

// A national cloud's Graph only accepts tokens minted for its own audience,
// so the scope must be sent exactly as configured.
TEST_F(ClientCredentialsTest, SendsTheConfiguredScopeOrNone) {
  ClientCredentialsOptions options;
  options.token_url = "https://login.microsoftonline.us/t/oauth2/v2.0/token";
  options.client_id = "client-1";
  options.client_secret = kSecret;
  options.scope = "https://dod-graph.microsoft.us/.default";
  ClientCredentialsTokenSource usgov(options, &http_, &clock_);
  ASSERT_TRUE(usgov.GetToken().ok());
  options.scope.clear();  // the gateway's token endpoint takes none
  ClientCredentialsTokenSource unscoped(options, &http_, &clock_);
  ASSERT_TRUE(unscoped.GetToken().ok());
  ASSERT_EQ(http_.requests().size(), 2);
  EXPECT_THAT(http_.requests()[0].body,
              HasSubstr("&scope=https%3A%2F%2Fdod-graph.microsoft.us%2F."
                        "default&grant_type=client_credentials"));
  EXPECT_THAT(http_.requests()[1].body, Not(HasSubstr("scope")));
}

TEST_F(ClientCredentialsTest, CachesUntilFiveMinutesBeforeExpiry) {
  EXPECT_EQ(source_->GetToken().value(), "tok-1");
  clock_.Advance(absl::Seconds(3599 - 300 - 1));
  EXPECT_EQ(source_->GetToken().value(), "tok-1");
  EXPECT_EQ(source_->fetch_count(), 1);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(source_->GetToken().value(), "tok-2");
  EXPECT_EQ(source_->fetch_count(), 2);
}

TEST_F(ClientCredentialsTest, ShortLivedTokensRefreshAtHalfLife) {
  http_.SetHandler([](const http::HttpRequest&) {
    return http::JsonResponse(200, R"({"access_token":"short","expires_in":"400"})");
  });
  EXPECT_EQ(source_->GetToken().value(), "short");
  clock_.Advance(absl::Seconds(199));
  EXPECT_TRUE(source_->GetToken().ok());
  EXPECT_EQ(source_->fetch_count(), 1);
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(source_->GetToken().ok());
  EXPECT_EQ(source_->fetch_count(), 2);
}

TEST_F(ClientCredentialsTest, OneRefreshForConcurrentCallers) {
  absl::Notification release;
  std::atomic<int> in_handler{0};
  http_.SetHandler([&](const http::HttpRequest&) {
    ++in_handler;
    release.WaitForNotification();
    return http::JsonResponse(200, R"({"access_token":"shared","expires_in":3599})");
  });
  constexpr int kThreads = 8;
  std::vector<std::string> got(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { got[i] = source_->GetToken().value_or("error"); });
  }
  ASSERT_TRUE(WaitFor([&] {
    return in_handler.load() == 1 && source_->waiting() == kThreads - 1;
  }));
  release.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(in_handler.load(), 1);
  EXPECT_EQ(source_->fetch_count(), 1);
  for (const auto& g : got) EXPECT_EQ(g, "shared");
}

TEST_F(ClientCredentialsTest, WaitersShareAFailedRefresh) {
  absl::Notification release;
  std::atomic<int> in_handler{0};
  http_.SetHandler([&](const http::HttpRequest&) {
    ++in_handler;
    release.WaitForNotification();
    return http::JsonResponse(503, "", {{"Retry-After", "3"}});
  });
  std::vector<absl::Status> got(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { got[i] = source_->GetToken().status(); });
  }
  ASSERT_TRUE(WaitFor([&] { return in_handler.load() == 1 && source_->waiting() == 3; }));
  release.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(in_handler.load(), 1);
  for (const auto& s : got) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(RetryAfter(s), absl::Seconds(3));
  }
}

TEST_F(ClientCredentialsTest, InvalidateOnlyTheRejectedToken) {
  EXPECT_EQ(source_->GetToken().value(), "tok-1");
  source_->Invalidate("some-other-token");
  EXPECT_EQ(source_->GetToken().value(), "tok-1");
  source_->Invalidate("tok-1");
  EXPECT_EQ(source_->GetToken().value(), "tok-2");
  source_->Invalidate("tok-1");  // a late caller with the old token
  EXPECT_EQ(source_->GetToken().value(), "tok-2");
  EXPECT_EQ(source_->fetch_count(), 2);
}

TEST_F(ClientCredentialsTest, BadSecretIsPermissionDenied) {
  for (int code : {400, 401}) {
    http_.SetHandler([code](const http::HttpRequest&) {
      return http::JsonResponse(
          code, std::string(R"({"error":"invalid_client","error_description":)"
                            R"("AADSTS7000215: Invalid client secret provided: )") +
                    kSecret + R"(","error_codes":[7000215]})");
    });
    absl::Status s = source_->GetToken().status();
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_THAT(s.message(), HasSubstr("Microsoft Entra ID token request POST "
                                       "/tenant-1/oauth2/v2.0/token was refused"));
    EXPECT_THAT(s.message(), HasSubstr("invalid_client: AADSTS7000215"));
    EXPECT_THAT(s.message(), HasSubstr("check the configured client id and client secret"));
    ExpectNoSecret(s);
  }
}

TEST_F(ClientCredentialsTest, ThrottledAndDownAreRetryable) {
  http_.SetHandler([](const http::HttpRequest&) {
    return http::JsonResponse(429, "", {{"Retry-After", "12"}});
  });
  absl::Status s = source_->GetToken().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(12));

  http_.SetHandler([](const http::HttpRequest&) { return http::JsonResponse(500, ""); });
  EXPECT_EQ(source_->GetToken().status().code(), absl::StatusCode::kUnavailable);

  http_.SetHandler([](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
    return absl::DeadlineExceededError("timed out after 7s");
  });
  s = source_->GetToken().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(s.message(), HasSubstr("token request POST /tenant-1/oauth2/v2.0/token: timed out"));
}

TEST_F(ClientCredentialsTest, MalformedAnswers) {
  http_.SetHandler([](const http::HttpRequest&) { return http::JsonResponse(200, "{}"); });
  EXPECT_EQ(source_->GetToken().status().code(), absl::StatusCode::kUnavailable);
  http_.SetHandler([](const http::HttpRequest&) { return http::JsonResponse(200, "<html>"); });
  EXPECT_EQ(source_->GetToken().status().code(), absl::StatusCode::kUnavailable);
  http_.SetHandler([](const http::HttpRequest&) {
    return http::JsonResponse(200, R"({"access_token":"t","token_type":"mac"})");
  });
  EXPECT_EQ(source_->GetToken().status().code(), absl::StatusCode::kFailedPrecondition);
  http_.SetHandler([](const http::HttpRequest&) {
    return http::JsonResponse(200, R"({"access_token":"t","expires_in":-5})");
  });
  EXPECT_EQ(source_->GetToken().status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ClientCredentialsTest, KeepsUsingValidTokenWhenRefreshFails) {
  EXPECT_EQ(source_->GetToken().value(), "tok-1");
  clock_.Advance(absl::Seconds(3400));  // inside the refresh margin
  http_.SetHandler([](const http::HttpRequest&) { return http::JsonResponse(503, ""); });
  EXPECT_EQ(source_->GetToken().value(), "tok-1");
  clock_.Advance(absl::Seconds(200));  // now expired
  EXPECT_EQ(source_->GetToken().status().code(), absl::StatusCode::kUnavailable);
}

TEST(RedactSecretTest, ReplacesAndKeepsPayload) {
  absl::Status s = WithRetryAfter(absl::UnavailableError("echo: abc123 and abc123"),
                                  absl::Seconds(4));
  absl::Status r = RedactSecret(s, "abc123");
  EXPECT_EQ(r.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.message(), "echo: [redacted] and [redacted]");
  EXPECT_EQ(RetryAfter(r), absl::Seconds(4));
  EXPECT_EQ(RedactSecret(s, "zzz"), s);
  EXPECT_TRUE(RedactSecret(absl::OkStatus(), "x").ok());
}

}  // namespace
}  // namespace riposte::actions::common
