// Riposte's Prometheus endpoint as an operator uses it: `promtool check
// metrics` lints a live scrape, and a real Prometheus server on loopback
// scrapes /metrics every second and sees breaches counted as they arrive.
//
// Two halves:
//  - StandaloneExporterTest serves a registry with intake's real metric
//    families and the build info through MetricsHttpServer, in this process.
//    It always runs.
//  - RiposteMetricsTest runs riposted with `metrics: {listen: 127.0.0.1:0}`
//    and reads the bound address from the ready file's "metrics" key
//    ({"grpc":"127.0.0.1:P","metrics":"127.0.0.1:Q","pid":N}); breaches go
//    in over gRPC. It skips, saying why, while riposted does not take that
//    key or write that address yet.

#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/json_value.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/breaches.h"
#include "integration_tests/testing/riposted_process.h"
#include "metrics/exporter/build_info.h"
#include "metrics/exporter/metrics_http_server.h"
#include "metrics/exporter/testing/http_client.h"
#include "metrics/metrics.h"
#include "orchestrator/intake/intake_metrics.h"
#include "riposte/v1/intake.grpc.pb.h"

namespace riposte::integration {
namespace {

using ::riposte::metrics::testing::HttpGet;
using ::riposte::metrics::testing::HttpResponse;
using ::riposte::metrics::testing::UrlEncode;
using ::testing::HasSubstr;

constexpr char kPromtool[] = "/usr/bin/promtool";
constexpr char kPrometheus[] = "/usr/bin/prometheus";
constexpr char kAccepted[] =
    "sum(riposte_breaches_received_total{outcome=\"accepted\"})";

bool IsExecutable(const char* path) { return access(path, X_OK) == 0; }

// Both binaries come from Debian's `prometheus` package.
void RequirePrometheusTools() {
  ASSERT_TRUE(IsExecutable(kPromtool) && IsExecutable(kPrometheus))
      << kPromtool << " or " << kPrometheus
      << " is missing: run tools/install_deps.sh (Debian package "
         "\"prometheus\")";
}

// Fetches /metrics from `address`, checking status and content type.
absl::StatusOr<std::string> Scrape(const std::string& address) {
  absl::StatusOr<HttpResponse> response = HttpGet(address, "/metrics");
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return absl::InternalError(
        absl::StrCat("GET /metrics: HTTP ", response->status));
  }
  if (response->Header("content-type") != metrics::kTextContentType) {
    return absl::InternalError(absl::StrCat(
        "GET /metrics: Content-Type ", response->Header("content-type")));
  }
  return response->body;
}

// Runs `promtool check metrics` on `exposition`. Returns its complaints, or
// "" if it exited 0 and said nothing.
std::string PromtoolProblems(const std::string& exposition,
                             const std::string& dir) {
  const std::string input = dir + "/scrape.txt";
  WriteFile(input, exposition);
  // promtool reads the exposition from stdin; ChildProcess gives children
  // /dev/null there, so a shell redirects the file in ($0 is its path).
  CommandResult result =
      RunCommand({"/bin/sh", "-c", absl::StrCat("exec ", kPromtool,
                                                " check metrics < \"$0\""),
                  input},
                 dir + "/promtool");
  if (result.exit_code == 0 && result.stdout_text.empty() &&
      result.stderr_text.empty()) {
    return "";
  }
  return absl::StrCat("promtool exited ", result.exit_code, ":\n",
                      result.stdout_text, result.stderr_text);
}

// A loopback port nobody listens on right now: bound to 127.0.0.1:0, then
// released for the caller (Prometheus) to bind. Another process could take
// it in between; PrometheusServer::Start retries if that happens.
absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = 0;
  socklen_t len = sizeof(sa);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    close(fd);
    return absl::InternalError(
        absl::StrCat("binding 127.0.0.1:0 failed: ", std::strerror(errno)));
  }
  close(fd);
  return ntohs(sa.sin_port);
}

// The value of the first sample in a Prometheus /api/v1/query answer for an
// instant vector, e.g.
//   {"status":"success","data":{"resultType":"vector",
//    "result":[{"metric":{},"value":[1700000000.123,"5"]}]}}
// nullopt when the result is empty.
absl::StatusOr<std::optional<double>> FirstSampleValue(
    const std::string& json) {
  absl::StatusOr<JsonValue> answer = JsonValue::Parse(json);
  if (!answer.ok() || answer->GetString("status") != "success") {
    return absl::InternalError("query failed: " + json);
  }
  const JsonValue* data = answer->Find("data");
  if (data == nullptr) return absl::InternalError("no data in: " + json);
  const std::vector<JsonValue>& result = data->GetArray("result");
  if (result.empty()) return std::nullopt;
  const std::vector<JsonValue>& sample = result[0].GetArray("value");
  double value = 0;
  if (sample.size() != 2 || !sample[1].is_string() ||
      !absl::SimpleAtod(sample[1].string_value(), &value)) {
    return absl::InternalError("bad value in: " + json);
  }
  return value;
}

// A real Prometheus server on loopback scraping one target every second,
// with its TSDB under a directory of its own. Stopped (SIGTERM, then
// SIGKILL) when destroyed.
class PrometheusServer {
 public:
  static absl::StatusOr<std::unique_ptr<PrometheusServer>> Start(
      const std::string& target, const std::string& dir) {
    const std::string config = dir + "/prometheus.yml";
    WriteFile(config, absl::StrCat("global:\n"
                                   "  scrape_interval: 1s\n"
                                   "  scrape_timeout: 1s\n"
                                   "  evaluation_interval: 1s\n"
                                   "scrape_configs:\n"
                                   "  - job_name: riposte\n"
                                   "    static_configs:\n"
                                   "      - targets: [\"",
                                   target, "\"]\n"));
    std::string last_error;
    for (int attempt = 1; attempt <= 3; ++attempt) {
      absl::StatusOr<int> port = FreeLoopbackPort();
      if (!port.ok()) return port.status();
      std::unique_ptr<PrometheusServer> server(new PrometheusServer());
      server->address_ = absl::StrCat("127.0.0.1:", *port);
      auto process = ChildProcess::Spawn(
          {kPrometheus, "--config.file=" + config,
           absl::StrCat("--storage.tsdb.path=", dir, "/tsdb-", attempt),
           "--web.listen-address=" + server->address_, "--log.level=warn"},
          absl::StrCat(dir, "/prometheus-", attempt));
      if (!process.ok()) return process.status();
      server->process_ = *std::move(process);
      bool ready = WaitFor(
          [&] {
            if (server->process_->Exited()) return true;
            absl::StatusOr<HttpResponse> r =
                HttpGet(server->address_, "/-/ready");
            return r.ok() && r->status == 200;
          },
          absl::Seconds(60));
      if (ready && !server->process_->Exited()) return server;
      last_error = server->process_->Stderr();
      // Someone took the port between FreeLoopbackPort and the bind: retry.
      if (!absl::StrContains(last_error, "address already in use")) break;
    }
    return absl::UnavailableError("prometheus did not become ready: " +
                                  last_error);
  }

  ~PrometheusServer() {
    if (process_ == nullptr) return;
    process_->Signal(SIGTERM);
    WaitFor([this] { return process_->Exited(); }, absl::Seconds(20));
    // ~ChildProcess sends SIGKILL if it is still running.
  }

  const std::string& address() const { return address_; }
  std::string Stderr() const { return process_->Stderr(); }

  // The first sample of the instant query `promql` now; nullopt if none.
  absl::StatusOr<std::optional<double>> Query(const std::string& promql) {
    absl::StatusOr<HttpResponse> response =
        HttpGet(address_, "/api/v1/query?query=" + UrlEncode(promql));
    if (!response.ok()) return response.status();
    if (response->status != 200) {
      return absl::InternalError(absl::StrCat(
          "query ", promql, ": HTTP ", response->status, " ", response->body));
    }
    return FirstSampleValue(response->body);
  }

  // Polls `promql` until it yields a value of at least `want`. Returns
  // whether it did within `timeout`; `*last` is the last answer seen.
  bool WaitForAtLeast(const std::string& promql, double want,
                      absl::Duration timeout, std::string* last) {
    return WaitFor(
        [&] {
          absl::StatusOr<std::optional<double>> value = Query(promql);
          if (!value.ok()) {
            *last = std::string(value.status().message());
            return false;
          }
          *last = value->has_value() ? absl::StrCat(**value) : "no sample";
          return value->has_value() && **value >= want;
        },
        timeout);
  }

  // Waits until the scrape target is up (scraped successfully at least once).
  bool WaitForTargetUp(std::string* last) {
    return WaitForAtLeast("up{job=\"riposte\"}", 1, absl::Seconds(60), last);
  }

 private:
  PrometheusServer() = default;

  std::unique_ptr<ChildProcess> process_;
  std::string address_;
};

// --- The exporter on its own -------------------------------------------------

// What riposted serves, minus riposted: intake's metric families and the
// build info in one registry, served by MetricsHttpServer.
class StandaloneExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metrics::RegisterBuildInfo(registry_).ok());
    auto server = metrics::MetricsHttpServer::Start(
        "127.0.0.1:0", [this] { return registry_.RenderText(); });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  static v1::Breach Source() {
    v1::Breach b;
    b.set_detector_id("darktrace-1");
    b.set_model_name("SaaS / Compromise / Unusual Login and Outbound Email Spam");
    return b;
  }

  void Accept(int n) {
    for (int i = 0; i < n; ++i) {
      v1::SubmitResponse response;
      intake_.Recorded(Source(), response, absl::Milliseconds(3));
    }
  }

  testing::TempDir dir_;
  metrics::Registry registry_;
  intake::IntakeMetrics intake_{registry_};
  std::unique_ptr<metrics::MetricsHttpServer> server_;
};

TEST_F(StandaloneExporterTest, LiveScrapePassesPromtool) {
  RequirePrometheusTools();
  Accept(3);
  v1::SubmitResponse duplicate;
  duplicate.set_duplicate(true);
  intake_.Recorded(Source(), duplicate, absl::Milliseconds(1));
  intake_.Invalid("breach.evidence[3].key");
  intake_.Invalid("breach.score");
  intake_.Failed();

  absl::StatusOr<std::string> scrape = Scrape(server_->address());
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  const metrics::BuildInfo build = metrics::CompiledBuildInfo();
  EXPECT_THAT(*scrape, HasSubstr(absl::StrCat(
                           "riposte_build_info{version=\"", build.version,
                           "\",commit=\"", build.commit, "\"} 1\n")));
  EXPECT_THAT(*scrape, HasSubstr("riposte_process_start_time_seconds "));
  EXPECT_THAT(*scrape, HasSubstr("riposte_breaches_invalid_total{field="
                                 "\"breach.evidence[].key\"} 1\n"));
  EXPECT_EQ(PromtoolProblems(*scrape, dir_.path()), "") << *scrape;
}

TEST_F(StandaloneExporterTest, PrometheusScrapesTheCountersAsTheyGrow) {
  RequirePrometheusTools();
  auto prometheus = PrometheusServer::Start(server_->address(), dir_.path());
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();
  std::string last;
  ASSERT_TRUE((*prometheus)->WaitForTargetUp(&last))
      << "up: " << last << "\n" << (*prometheus)->Stderr();
  ASSERT_TRUE((*prometheus)
                  ->WaitForAtLeast("sum(riposte_build_info)", 1,
                                   absl::Seconds(30), &last))
      << last;

  Accept(5);
  EXPECT_TRUE(
      (*prometheus)->WaitForAtLeast(kAccepted, 5, absl::Seconds(60), &last))
      << "accepted: " << last;
  Accept(2);
  EXPECT_TRUE(
      (*prometheus)->WaitForAtLeast(kAccepted, 7, absl::Seconds(60), &last))
      << "accepted: " << last;
  // The histogram arrives whole: _count agrees with the counter.
  EXPECT_TRUE((*prometheus)
                  ->WaitForAtLeast("sum(riposte_intake_commit_seconds_count)",
                                   7, absl::Seconds(60), &last))
      << "commit count: " << last;
}

// --- riposted ------------------------------------------------------------------

// riposted's config for these tests: the usual test config plus the metrics
// listener.
std::string MetricsConfig(const std::string& data_dir) {
  return TestConfig(data_dir) +
         "metrics:\n"
         "  listen: 127.0.0.1:0\n";
}

// The "metrics" address in the ready file riposted wrote under `work_dir`,
// or "" if there is none.
std::string MetricsAddressFromReadyFile(const std::string& work_dir,
                                        std::string* contents) {
  for (const auto& entry : std::filesystem::directory_iterator(work_dir)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, "ready-") || !absl::EndsWith(name, ".json")) {
      continue;
    }
    *contents = ReadFile(entry.path().string());
    absl::StatusOr<JsonValue> json = JsonValue::Parse(*contents);
    if (!json.ok()) return "";
    return json->GetString("metrics").value_or("");
  }
  return "";
}

class RiposteMetricsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const std::string config = dir_->File("riposted.yaml");
    WriteFile(config, MetricsConfig(dir_->File("data")));
    const std::string work_dir = dir_->File("work");
    std::filesystem::create_directories(work_dir);
    auto server = RiposteServer::Start(config, work_dir);
    if (!server.ok()) {
      if (absl::StrContains(server.status().message(),
                            "unknown key 'metrics'")) {
        *skip_reason_ =
            "riposted does not accept the `metrics: {listen: ...}` config "
            "key yet, so its exporter cannot be tested; the standalone "
            "exporter tests above cover MetricsHttpServer";
        return;
      }
      *start_error_ = std::string(server.status().message());
      return;
    }
    server_ = server->release();
    std::string ready;
    *metrics_address_ = MetricsAddressFromReadyFile(work_dir, &ready);
    if (metrics_address_->empty()) {
      *skip_reason_ = absl::StrCat(
          "riposted's ready file has no \"metrics\" key yet (", ready,
          "); expected {\"grpc\":...,\"metrics\":\"127.0.0.1:PORT\",...}");
    }
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(*start_error_, "") << "riposted failed to start";
    if (!skip_reason_->empty()) GTEST_SKIP() << *skip_reason_;
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::Intake::NewStub(channel_);
  }

  grpc::Status Submit(const v1::Breach& breach) {
    v1::SubmitRequest request;
    *request.mutable_breach() = breach;
    v1::SubmitResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    return stub_->Submit(&context, request, &response);
  }

  static testing::TempDir* dir_;
  static RiposteServer* server_;
  static std::string* metrics_address_;
  static std::string* skip_reason_;
  static std::string* start_error_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Intake::Stub> stub_;
};

testing::TempDir* RiposteMetricsTest::dir_ = nullptr;
RiposteServer* RiposteMetricsTest::server_ = nullptr;
std::string* RiposteMetricsTest::metrics_address_ = new std::string();
std::string* RiposteMetricsTest::skip_reason_ = new std::string();
std::string* RiposteMetricsTest::start_error_ = new std::string();

TEST_F(RiposteMetricsTest, ServesMetricsAndHealthOnTheAddressItReports) {
  EXPECT_TRUE(absl::StartsWith(*metrics_address_, "127.0.0.1:"))
      << *metrics_address_;
  EXPECT_NE(*metrics_address_, "127.0.0.1:0");
  absl::StatusOr<std::string> scrape = Scrape(*metrics_address_);
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_THAT(*scrape, HasSubstr("# TYPE riposte_breaches_received_total "
                                 "counter\n"));
  absl::StatusOr<HttpResponse> health = HttpGet(*metrics_address_, "/healthz");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");
  absl::StatusOr<HttpResponse> other = HttpGet(*metrics_address_, "/nope");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->status, 404);
}

TEST_F(RiposteMetricsTest, LiveScrapePassesPromtool) {
  RequirePrometheusTools();
  // Some traffic first, so that labelled series exist.
  ASSERT_TRUE(Submit(UserBreach("det-lint", "lint-1", "lint@contoso.com")).ok());
  v1::Breach bad = UserBreach("det-lint", "lint-bad", "lint@contoso.com");
  bad.set_score(-1);
  EXPECT_EQ(Submit(bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  absl::StatusOr<std::string> scrape = Scrape(*metrics_address_);
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_THAT(*scrape,
              HasSubstr("riposte_breaches_invalid_total{field=\"breach.score\"}"));
  testing::TempDir lint_dir;
  EXPECT_EQ(PromtoolProblems(*scrape, lint_dir.path()), "") << *scrape;
}

TEST_F(RiposteMetricsTest, PrometheusSeesBreachesSubmittedOverGrpc) {
  RequirePrometheusTools();
  testing::TempDir prometheus_dir;
  auto prometheus =
      PrometheusServer::Start(*metrics_address_, prometheus_dir.path());
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();
  std::string last;
  ASSERT_TRUE((*prometheus)->WaitForTargetUp(&last))
      << "up: " << last << "\n" << (*prometheus)->Stderr();

  // Other tests in this suite may have submitted already: count from what
  // Prometheus sees now.
  ASSERT_TRUE((*prometheus)->WaitForAtLeast(kAccepted, 0, absl::Seconds(30),
                                            &last))
      << "accepted: " << last;
  absl::StatusOr<std::optional<double>> before =
      (*prometheus)->Query(kAccepted);
  ASSERT_TRUE(before.ok()) << before.status();
  const double baseline = before->value_or(0);

  constexpr int kBreaches = 6;
  for (int i = 0; i < kBreaches; ++i) {
    grpc::Status status = Submit(UserBreach(
        "det-prom", absl::StrCat("prom-", i), "prom@contoso.com", 40 + i));
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // A resubmission is a duplicate, not a second acceptance.
  ASSERT_TRUE(Submit(UserBreach("det-prom", "prom-0", "prom@contoso.com", 40))
                  .ok());

  EXPECT_TRUE((*prometheus)->WaitForAtLeast(kAccepted, baseline + kBreaches,
                                            absl::Seconds(60), &last))
      << "accepted: " << last << " (baseline " << baseline << ")";
  EXPECT_TRUE((*prometheus)->WaitForAtLeast(
      "sum(riposte_breaches_received_total{outcome=\"duplicate\"})", 1,
      absl::Seconds(60), &last))
      << "duplicate: " << last;
  absl::StatusOr<std::optional<double>> after = (*prometheus)->Query(kAccepted);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->value_or(-1), baseline + kBreaches);
}

}  // namespace
}  // namespace riposte::integration
