// A tenant in a national cloud, through the production token path: the
// config names the cloud (its hosts pointed at the fake, its audience
// kept), GraphOptionsFromConfig builds the options, GraphClient fetches a
// token over real HTTP from the fake Entra ID and calls the fake Graph,
// which (like Microsoft's) accepts only tokens for its own audience. And
// riposted --check-config says which cloud each tenant is in.

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "actions/common/guid.h"
#include "actions/graph/graph_client.h"
#include "actions/graph/registration.h"
#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "config/server_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "integration_tests/testing/fake_cloud.h"
#include "integration_tests/testing/riposted_process.h"

namespace riposte::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAlice[] = "alice@contoso.com";

class NationalCloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cloud = FakeCloud::Start();
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = std::move(*cloud);
    ASSERT_EQ(cloud_->AddUser(kAlice).status, 201);
    secret_file_ = dir_.File("graph-secret");
    std::ofstream(secret_file_) << kFakeGraphSecret << "\n";
    chmod(secret_file_.c_str(), 0400);
  }

  // The Graph options riposted builds for a tenant in `cloud`, with the
  // login and Graph hosts pointed at the fake.
  actions::graph::GraphOptions OptionsFor(const std::string& cloud) {
    const std::string yaml = absl::StrCat(
        "tenants:\n"
        "  - id: agency\n"
        "    graph:\n"
        "      cloud: ", cloud, "\n"
        "      directory_tenant: ", kFakeTenant, "\n"
        "      client_id: ", kFakeGraphClientId, "\n"
        "      client_secret_file: ", secret_file_, "\n"
        "      login_base_url: ", cloud_->login_base_url(), "\n"
        "      graph_base_url: ", cloud_->graph_base_url(), "\n");
    absl::StatusOr<config::ServerConfig> config =
        config::ParseServerConfig(yaml, "riposted.yaml");
    EXPECT_TRUE(config.ok()) << config.status();
    if (!config.ok()) return {};
    absl::StatusOr<actions::graph::GraphOptions> options =
        actions::graph::GraphOptionsFromConfig(config->tenants[0],
                                               absl::Seconds(10));
    EXPECT_TRUE(options.ok()) << options.status();
    return options.ok() ? *options : actions::graph::GraphOptions();
  }

  void ServeGraphFor(const std::string& audience) {
    HttpReply r = cloud_->Post("/_fake/graph/audience",
                               absl::StrCat(R"({"audience":")", audience,
                                            R"("})"));
    ASSERT_EQ(r.status, 200) << r.body;
  }

  absl::StatusOr<actions::graph::GraphResponse> GetAlice(
      actions::graph::GraphClient& client) {
    actions::graph::GraphRequest request;
    request.target = "/users/alice%40contoso.com?$select=id,accountEnabled";
    actions::graph::CallLog log;
    return client.Send(request, &log);
  }

  testing::TempDir dir_;
  std::unique_ptr<FakeCloud> cloud_;
  std::string secret_file_;
  http::CpprestHttpClient http_;
};

TEST_F(NationalCloudTest, UsGovTenantAsksForTheUsGovAudienceAndItsCallsWork) {
  ServeGraphFor("https://graph.microsoft.us");
  actions::graph::GraphOptions options = OptionsFor("usgov");
  EXPECT_EQ(options.scope, "https://graph.microsoft.us/.default");
  actions::graph::GraphClient client(options, &http_, Clock::Real(),
                                     actions::common::RandomGuidSource());

  absl::StatusOr<actions::graph::GraphResponse> alice = GetAlice(client);
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->status, 200);
  EXPECT_EQ(client.tokens().fetch_count(), 1);
  const std::string logins = cloud_->Requests("login").body;
  EXPECT_THAT(logins,
              HasSubstr(R"("scope":"https://graph.microsoft.us/.default")"));
  EXPECT_THAT(logins, Not(HasSubstr(kFakeGraphSecret)));
}

TEST_F(NationalCloudTest, TokenForAnotherCloudsAudienceFailsEveryCall) {
  // A tenant configured as global while its Graph is the US Government one:
  // the token is refused, refreshed once, refused again.
  ServeGraphFor("https://graph.microsoft.us");
  actions::graph::GraphClient client(OptionsFor("global"), &http_,
                                     Clock::Real(),
                                     actions::common::RandomGuidSource());
  absl::StatusOr<actions::graph::GraphResponse> alice = GetAlice(client);
  EXPECT_EQ(alice.status().code(), absl::StatusCode::kUnauthenticated)
      << alice.status();
  EXPECT_EQ(client.tokens().fetch_count(), 2);
  EXPECT_THAT(cloud_->Requests("login").body,
              HasSubstr(R"("scope":"https://graph.microsoft.com/.default")"));

  // The DoD Graph does not take GCC High tokens either.
  ServeGraphFor("https://dod-graph.microsoft.us");
  actions::graph::GraphClient gcc_high(OptionsFor("usgov"), &http_,
                                       Clock::Real(),
                                       actions::common::RandomGuidSource());
  EXPECT_EQ(GetAlice(gcc_high).status().code(),
            absl::StatusCode::kUnauthenticated);
  actions::graph::GraphClient dod(OptionsFor("usgov-dod"), &http_,
                                  Clock::Real(),
                                  actions::common::RandomGuidSource());
  EXPECT_TRUE(GetAlice(dod).ok());
}

TEST_F(NationalCloudTest, CheckConfigShowsEachTenantsCloud) {
  const std::string path = dir_.File("riposted.yaml");
  std::ofstream(path) << "grpc:\n  listen: 127.0.0.1:0\n"
                      << "data_dir: " << dir_.File("data") << "\n"
                      << "tenants:\n"
                      << "  - id: agency\n"
                      << "    graph:\n"
                      << "      cloud: usgov-dod\n"
                      << "      directory_tenant: agency.onmicrosoft.us\n"
                      << "      client_id: app\n"
                      << "      client_secret_file: " << secret_file_ << "\n"
                      << "  - id: contoso\n";
  CommandResult ok = RunCommand(
      {RunfilePath("orchestrator/server/riposted"), "--check-config",
       "--config", path},
      dir_.File("check"));
  EXPECT_EQ(ok.exit_code, 0) << ok.stderr_text;
  EXPECT_THAT(ok.stdout_text,
              HasSubstr("tenant agency: Microsoft Graph, cloud usgov-dod "
                        "(sign-in https://login.microsoftonline.us, Graph "
                        "https://dod-graph.microsoft.us/v1.0, scope "
                        "https://dod-graph.microsoft.us/.default)"));
  EXPECT_THAT(ok.stdout_text, Not(HasSubstr("tenant contoso")));

  std::ofstream(path) << "tenants:\n"
                      << "  - id: agency\n"
                      << "    graph:\n"
                      << "      cloud: gcc-high\n"
                      << "      directory_tenant: agency.onmicrosoft.us\n"
                      << "      client_id: app\n"
                      << "      client_secret_file: " << secret_file_ << "\n";
  CommandResult bad = RunCommand(
      {RunfilePath("orchestrator/server/riposted"), "--check-config",
       "--config", path},
      dir_.File("check-bad"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.stderr_text,
              HasSubstr("riposted.yaml:4: tenants[0].graph.cloud: unknown "
                        "cloud \"gcc-high\" (allowed: global, usgov, "
                        "usgov-dod, china)"));
}

}  // namespace
}  // namespace riposte::integration
