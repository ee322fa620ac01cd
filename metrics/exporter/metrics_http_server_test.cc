#include "metrics/exporter/metrics_http_server.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/exporter/testing/http_client.h"
#include "metrics/metrics.h"

namespace riposte {
namespace metrics {
namespace {

using ::riposte::metrics::testing::HttpGet;
using ::riposte::metrics::testing::HttpRequest;
using ::riposte::metrics::testing::HttpResponse;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A registry with one counter, as riposted's intake has.
class ServedRegistry {
 public:
  ServedRegistry() {
    counter_ = registry_
                   .AddCounter("riposte_breaches_received_total",
                               "Breaches received, by outcome.", {"outcome"})
                   .value()
                   ->WithLabels({"accepted"})
                   .value();
  }
  std::function<std::string()> Render() {
    return [this] { return registry_.RenderText(); };
  }
  Registry& registry() { return registry_; }
  Counter& counter() { return *counter_; }

 private:
  Registry registry_;
  Counter* counter_ = nullptr;
};

// The value of riposte_breaches_received_total{outcome="accepted"} in a
// scrape, or -1.
double AcceptedIn(const std::string& body) {
  const std::string key = "riposte_breaches_received_total{outcome=\"accepted\"} ";
  const size_t at = body.find(key);
  if (at == std::string::npos) return -1;
  const size_t end = body.find('\n', at);
  double value = -1;
  if (!absl::SimpleAtod(body.substr(at + key.size(), end - at - key.size()),
                        &value)) {
    return -1;
  }
  return value;
}

class MetricsHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = MetricsHttpServer::Start("127.0.0.1:0", served_.Render());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  ServedRegistry served_;
  std::unique_ptr<MetricsHttpServer> server_;
};

TEST_F(MetricsHttpServerTest, ReportsTheBoundLoopbackPort) {
  ASSERT_THAT(server_->address(), StartsWith("127.0.0.1:"));
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      server_->address().substr(std::string("127.0.0.1:").size()), &port));
  EXPECT_GT(port, 0);
  EXPECT_LT(port, 65536);
}

TEST_F(MetricsHttpServerTest, ServesTheRegistryInTheTextFormat) {
  served_.counter().Increment(3);
  absl::StatusOr<HttpResponse> response =
      HttpGet(server_->address(), "/metrics");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("content-type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response->Header("content-type"), kTextContentType);
  EXPECT_EQ(response->body, served_.registry().RenderText());
  EXPECT_THAT(response->body,
              HasSubstr("# TYPE riposte_breaches_received_total counter\n"
                        "riposte_breaches_received_total{outcome=\"accepted\"}"
                        " 3\n"));
  EXPECT_EQ(response->Header("content-length"),
            absl::StrCat(response->body.size()));

  // Every scrape renders afresh.
  served_.counter().Increment();
  response = HttpGet(server_->address(), "/metrics");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(AcceptedIn(response->body), 4);
}

TEST_F(MetricsHttpServerTest, IgnoresAQueryString) {
  absl::StatusOr<HttpResponse> response =
      HttpGet(server_->address(), "/metrics?name[]=up&x=1");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("content-type"), kTextContentType);
}

TEST_F(MetricsHttpServerTest, HealthzSaysOk) {
  absl::StatusOr<HttpResponse> response =
      HttpGet(server_->address(), "/healthz");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok");
  EXPECT_THAT(response->Header("content-type"), StartsWith("text/plain"));
}

TEST_F(MetricsHttpServerTest, ReadyzSaysOkWithoutAReadinessCheck) {
  absl::StatusOr<HttpResponse> response = HttpGet(server_->address(), "/readyz");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok");
}

TEST(MetricsHttpServerReadinessTest, ReadyzFollowsTheCheckAndHealthzDoesNot) {
  ServedRegistry served;
  std::atomic<bool> ready{false};
  auto server = MetricsHttpServer::Start(
      "127.0.0.1:0", served.Render(), [&ready]() -> absl::Status {
        if (ready) return absl::OkStatus();
        return absl::UnavailableError("store not writable (disk_full)");
      });
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<HttpResponse> response =
      HttpGet((*server)->address(), "/readyz");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "not ready: store not writable (disk_full)\n");
  absl::StatusOr<HttpResponse> health = HttpGet((*server)->address(), "/healthz");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);

  ready = true;
  response = HttpGet((*server)->address(), "/readyz");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok");
}

TEST_F(MetricsHttpServerTest, AnyOtherPathIsNotFound) {
  for (const char* path : {"/", "/metrics/", "/metricsx", "/healthz/deep",
                           "/favicon.ico", "/api/v1/query"}) {
    absl::StatusOr<HttpResponse> response = HttpGet(server_->address(), path);
    ASSERT_TRUE(response.ok()) << path << ": " << response.status();
    EXPECT_EQ(response->status, 404) << path;
    EXPECT_THAT(response->body, HasSubstr("not found")) << path;
  }
  // Also for methods other than GET: the path is checked first.
  absl::StatusOr<HttpResponse> response =
      HttpRequest(server_->address(), "POST", "/nothing", "x");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
}

TEST_F(MetricsHttpServerTest, MethodsOtherThanGetAreNotAllowed) {
  for (const char* path : {"/metrics", "/healthz", "/readyz"}) {
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
      absl::StatusOr<HttpResponse> response =
          HttpRequest(server_->address(), method, path, "body");
      ASSERT_TRUE(response.ok()) << method << " " << path << ": "
                                 << response.status();
      EXPECT_EQ(response->status, 405) << method << " " << path;
      EXPECT_EQ(response->Header("allow"), "GET") << method << " " << path;
    }
  }
  // HEAD gets the same answer without a body.
  absl::StatusOr<HttpResponse> head =
      HttpRequest(server_->address(), "HEAD", "/metrics");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 405);
  EXPECT_EQ(head->Header("allow"), "GET");
  EXPECT_EQ(head->body, "");
}

TEST_F(MetricsHttpServerTest, SurvivesGarbage) {
  for (const char* garbage :
       {"NONSENSE\r\n\r\n", "GET\r\n\r\n", "\r\n\r\n", "GET /metrics HTTP/9\r\n",
        "\x01\x02\x03\xff\r\n\r\n"}) {
    // Whatever comes back (400, or the connection closed), the server goes
    // on serving.
    testing::SendRaw(server_->address(), garbage)
        .IgnoreError();
  }
  absl::StatusOr<HttpResponse> response =
      HttpGet(server_->address(), "/healthz");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
}

TEST_F(MetricsHttpServerTest, ConcurrentScrapesAllSucceedWhileValuesChange) {
  constexpr int kScrapers = 8;
  constexpr int kScrapesEach = 25;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    while (!done.load()) served_.counter().Increment();
  });
  std::atomic<int> failures{0};
  std::vector<std::thread> scrapers;
  for (int t = 0; t < kScrapers; ++t) {
    scrapers.emplace_back([&] {
      double last = -1;
      for (int i = 0; i < kScrapesEach; ++i) {
        absl::StatusOr<HttpResponse> response =
            HttpGet(server_->address(), "/metrics");
        if (!response.ok() || response->status != 200 ||
            response->Header("content-type") != kTextContentType) {
          ++failures;
          continue;
        }
        // Counters never go backwards from one scrape to the next.
        const double value = AcceptedIn(response->body);
        if (value < last) ++failures;
        last = value;
      }
    });
  }
  for (std::thread& t : scrapers) t.join();
  done = true;
  writer.join();
  EXPECT_EQ(failures.load(), 0);
}

// A scrape that is slow to render must not hold anything that other
// requests need: render runs outside any lock of the server.
TEST(MetricsHttpServerBlockingTest, SlowRenderDoesNotBlockOtherRequests) {
  absl::Notification entered;
  absl::Notification release;
  std::atomic<int> calls{0};
  auto server = MetricsHttpServer::Start("127.0.0.1:0", [&] {
    if (calls.fetch_add(1) == 0) {
      entered.Notify();
      release.WaitForNotification();
      return std::string("slow 1\n");
    }
    return std::string("fast 1\n");
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();

  absl::StatusOr<HttpResponse> slow;
  std::thread slow_scrape([&] { slow = HttpGet(address, "/metrics"); });
  ASSERT_TRUE(entered.WaitForNotificationWithTimeout(absl::Seconds(30)));

  absl::StatusOr<HttpResponse> health = HttpGet(address, "/healthz");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->body, "ok");
  absl::StatusOr<HttpResponse> fast = HttpGet(address, "/metrics");
  ASSERT_TRUE(fast.ok()) << fast.status();
  EXPECT_EQ(fast->body, "fast 1\n");

  release.Notify();
  slow_scrape.join();
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(slow->body, "slow 1\n");
}

TEST_F(MetricsHttpServerTest, PortInUseIsUnavailableNamingTheAddress) {
  auto second = MetricsHttpServer::Start(server_->address(), served_.Render());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr(server_->address()));
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
  // The first one is unharmed.
  absl::StatusOr<HttpResponse> response =
      HttpGet(server_->address(), "/healthz");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
}

TEST_F(MetricsHttpServerTest, AnAddressNotOnThisHostIsUnavailable) {
  // TEST-NET-1: never assigned to a local interface.
  auto server = MetricsHttpServer::Start("192.0.2.1:0", served_.Render());
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(server.status().message(), HasSubstr("192.0.2.1:0"));
}

TEST_F(MetricsHttpServerTest, BindsOnlyTheGivenAddress) {
  // 127.0.0.2 reaches this host too, but nothing listens there.
  const std::string port =
      server_->address().substr(server_->address().rfind(':') + 1);
  absl::StatusOr<HttpResponse> other =
      HttpGet(absl::StrCat("127.0.0.2:", port), "/healthz");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kUnavailable)
      << other.status();
}

TEST_F(MetricsHttpServerTest, RestartsOnTheSamePortAfterStop) {
  const std::string address = server_->address();
  // A finished scrape leaves a connection in TIME_WAIT on this port.
  ASSERT_TRUE(HttpGet(address, "/metrics").ok());
  server_->Stop();
  server_->Stop();  // idempotent
  absl::StatusOr<HttpResponse> stopped = HttpGet(address, "/healthz");
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), absl::StatusCode::kUnavailable);

  auto again = MetricsHttpServer::Start(address, served_.Render());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->address(), address);
  served_.counter().Increment(7);
  absl::StatusOr<HttpResponse> response = HttpGet(address, "/metrics");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(AcceptedIn(response->body), 7);
  server_.reset();  // destroying a stopped server is fine
}

TEST(MetricsHttpServerStartTest, LocalhostBindsLoopback) {
  auto server =
      MetricsHttpServer::Start("localhost:0", [] { return std::string(); });
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_THAT((*server)->address(), StartsWith("127.0.0.1:"));
  absl::StatusOr<HttpResponse> response =
      HttpGet((*server)->address(), "/metrics");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
}

TEST(MetricsHttpServerStartTest, RejectsBadArguments) {
  auto render = [] { return std::string(); };
  for (const char* listen :
       {"", "127.0.0.1", ":9464", "0", "9464", "127.0.0.1:", "127.0.0.1:x",
        "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:9464s",
        "127.0.0.1:123456", "example.com:9464", "127.0.0.1.5:9464",
        "[::1]:9464", "[::1:9464", "[nonsense]:9464"}) {
    auto server = MetricsHttpServer::Start(listen, render);
    ASSERT_FALSE(server.ok()) << listen;
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument)
        << listen << ": " << server.status();
    EXPECT_THAT(server.status().message(),
                HasSubstr(absl::StrCat("\"", listen, "\"")));
  }
  auto no_render = MetricsHttpServer::Start("127.0.0.1:0", nullptr);
  ASSERT_FALSE(no_render.ok());
  EXPECT_EQ(no_render.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseListenAddressTest, SplitsHostAndPort) {
  absl::StatusOr<ListenAddress> a = ParseListenAddress("127.0.0.1:9464");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9464);
  a = ParseListenAddress("0.0.0.0:0");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 0);
  a = ParseListenAddress("LocalHost:65535");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 65535);
}

}  // namespace
}  // namespace metrics
}  // namespace riposte
