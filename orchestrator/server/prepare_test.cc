#include "orchestrator/server/prepare.h"

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "config/server_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/auth/test_certificates.h"

namespace riposte::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A hash that is not that of the empty token.
constexpr char kHash[] =
    "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
constexpr char kSecret[] = "s3cr3t-value-never-shown";

class PrepareServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new riposte::testing::TempDir;
    const std::string& d = dir_->path();
    ASSERT_TRUE(auth::testing::MakeCa(d, "ca", "Test CA").ok());
    ASSERT_TRUE(auth::testing::IssueCertificate(d, "ca", "server", "riposted",
                                                {"DNS:localhost"}, true)
                    .ok());
    ASSERT_TRUE(
        auth::testing::IssueCertificate(d, "ca", "other", "other", {}, false)
            .ok());
    ASSERT_TRUE(auth::testing::WriteFile(
        File("tokens.yaml"), absl::StrCat("tokens:\n"
                                          "  - identity: soc-alice\n"
                                          "    role: operator\n"
                                          "    sha256: ",
                                          kHash, "\n")));
    ASSERT_TRUE(auth::testing::WriteFile(File("secret"), kSecret));
    ASSERT_TRUE(auth::testing::WriteFile(
        File("rules.yaml"),
        "rules:\n"
        "  - name: r\n"
        "    match: {models: [X], subject: user}\n"
        "    ladder: [force_logout, disable_user]\n"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::string File(const std::string& name) { return dir_->File(name); }

  // `yaml` parsed as riposted.yaml; the test fails if it does not parse.
  static config::ServerConfig Config(const std::string& yaml) {
    absl::StatusOr<config::ServerConfig> config =
        config::ParseServerConfig(yaml, "riposted.yaml");
    EXPECT_TRUE(config.ok()) << config.status();
    return config.ok() ? *config : config::ServerConfig();
  }

  // A TLS config with every file in place; `extra` is appended.
  static std::string TlsYaml(const std::string& cert, const std::string& key,
                             const std::string& ca) {
    return absl::StrCat("grpc:\n"                          // 1
                        "  listen: 0.0.0.0:0\n"            // 2
                        "  tls:\n"                         // 3
                        "    cert_file: ", cert, "\n"      // 4
                        "    key_file: ", key, "\n"        // 5
                        "    client_ca_file: ", ca, "\n"   // 6
                        "auth:\n"                          // 7
                        "  tokens_file: ", File("tokens.yaml"), "\n"
                        "tenants:\n"
                        "  - id: contoso\n");
  }

  static absl::Status Prepare(const config::ServerConfig& config) {
    return PrepareServer(config, Clock::Real()).status();
  }

  static riposte::testing::TempDir* dir_;
};

riposte::testing::TempDir* PrepareServerTest::dir_ = nullptr;

TEST_F(PrepareServerTest, BuildsEverythingFromAGoodConfig) {
  config::ServerConfig config = Config(absl::StrCat(
      TlsYaml(File("server.crt"), File("server.key"), File("ca.crt")),
      "    graph:\n"
      "      directory_tenant: contoso.onmicrosoft.com\n"
      "      client_id: app\n"
      "      client_secret_file: ", File("secret"), "\n"
      "policy:\n"
      "  path: ", File("rules.yaml"), "\n"));
  absl::StatusOr<PreparedServer> prepared =
      PrepareServer(config, Clock::Real());
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_NE(prepared->authenticator, nullptr);
  EXPECT_NE(prepared->credentials, nullptr);
  ASSERT_NE(prepared->policy, nullptr);
  EXPECT_EQ(prepared->policy->rules.size(), 1u);
  ASSERT_NE(prepared->router, nullptr);
  EXPECT_THAT(prepared->router->Describe(),
              ::testing::ElementsAre(HasSubstr("contoso: graph")));
}

TEST_F(PrepareServerTest, ATokensFileWithABadEntryIsRefusedAtItsLine) {
  const std::string tokens = File("bad-tokens.yaml");
  ASSERT_TRUE(auth::testing::WriteFile(tokens,
                                       absl::StrCat("tokens:\n"
                                                    "  - identity: soc-bob\n"
                                                    "    role: root\n"
                                                    "    sha256: ",
                                                    kHash, "\n")));
  absl::Status s = Prepare(Config(absl::StrCat(
      "auth:\n  tokens_file: ", tokens, "\ntenants:\n  - id: contoso\n")));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("riposted.yaml: auth.tokens_file: "));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(absl::StrCat(tokens, ":3: tokens[0].role")));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr(kHash)));
}

TEST_F(PrepareServerTest, AMissingTokensFileIsRefused) {
  absl::Status s = Prepare(Config(absl::StrCat(
      "auth:\n  tokens_file: ", File("no-such-tokens.yaml"),
      "\ntenants:\n  - id: contoso\n")));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), StartsWith("riposted.yaml: auth.tokens_file: "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("no-such-tokens.yaml"));
}

TEST_F(PrepareServerTest, MissingOrUnusableTlsFilesAreRefusedByKey) {
  absl::Status cert = Prepare(Config(
      TlsYaml(File("no-such.crt"), File("server.key"), File("ca.crt"))));
  EXPECT_EQ(cert.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(cert.message()),
              StartsWith(absl::StrCat("riposted.yaml: grpc.tls.cert_file: ",
                                      File("no-such.crt"))));

  absl::Status key = Prepare(Config(
      TlsYaml(File("server.crt"), File("no-such.key"), File("ca.crt"))));
  EXPECT_EQ(key.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(key.message()),
              StartsWith("riposted.yaml: grpc.tls.key_file: "));

  absl::Status mismatch = Prepare(Config(
      TlsYaml(File("server.crt"), File("other.key"), File("ca.crt"))));
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(mismatch.message()), HasSubstr("does not match the certificate"));
  EXPECT_THAT(std::string(mismatch.message()), Not(HasSubstr("PRIVATE KEY")));

  absl::Status ca = Prepare(Config(
      TlsYaml(File("server.crt"), File("server.key"), File("tokens.yaml"))));
  EXPECT_EQ(ca.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ca.message()),
              StartsWith("riposted.yaml: grpc.tls.client_ca_file: "));
}

TEST_F(PrepareServerTest, AMissingSecretFileIsRefusedNamingTenantAndKey) {
  absl::Status s = Prepare(Config(absl::StrCat(
      "tenants:\n"
      "  - id: contoso\n"
      "    graph:\n"
      "      directory_tenant: contoso.onmicrosoft.com\n"
      "      client_id: app\n"
      "      client_secret_file: ", File("no-such-secret"), "\n")));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), StartsWith("riposted.yaml: tenants.contoso"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("no-such-secret"));

  absl::Status hmac = Prepare(Config(absl::StrCat(
      "tenants:\n"
      "  - id: contoso\n"
      "    webhooks:\n"
      "      - name: soar\n"
      "        url: https://soar.example.com/hooks\n"
      "        body_template: '{\"action\":\"{{action}}\"}'\n"
      "        hmac_secret_file: ", File("no-such-hmac"), "\n")));
  EXPECT_EQ(hmac.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(hmac.message()),
              StartsWith("riposted.yaml: tenants.contoso.webhooks.soar."
                         "hmac_secret: "));
}

TEST_F(PrepareServerTest, AWebhookTheAdapterRefusesIsRefused) {
  // Config reading requires body_template; a config built in code can
  // still leave it empty, and the adapter refuses it the same way.
  config::ServerConfig config = Config("tenants:\n  - id: contoso\n");
  config::WebhookConfig webhook;
  webhook.name = "soar";
  webhook.url = "https://soar.example.com/hooks";
  config.tenants[0].webhooks.push_back(webhook);
  absl::Status s = Prepare(config);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              StartsWith("riposted.yaml: tenants.contoso.webhooks.soar: "
                         "webhook option body_template: "));
}

TEST_F(PrepareServerTest, AMissingPolicyNamesTheConfigFileAndLine) {
  absl::Status s = Prepare(Config(absl::StrCat("tenants:\n"     // 1
                                               "  - id: a\n"    // 2
                                               "policy:\n"      // 3
                                               "  path: ",      // 4
                                               File("no-such-policy"), "\n")));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()),
              StartsWith(absl::StrCat("riposted.yaml:4: policy.path: ",
                                      File("no-such-policy"), ":\n")));
}

TEST_F(PrepareServerTest, AnInvalidPolicyIsRefusedWithItsErrors) {
  const std::string rules = File("bad-rules.yaml");
  ASSERT_TRUE(auth::testing::WriteFile(rules, "rules:\n  - name: r\n    ladder: [disable_usr]\n"));
  absl::Status s = Prepare(Config(absl::StrCat(
      "tenants:\n  - id: a\npolicy:\n  path: ", rules, "\n")));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("riposted.yaml:4: policy.path: "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("bad-rules.yaml:3"));
}

// engine postgres: the connection string is resolved when the server is
// prepared (so --check-config, which connects to nothing, reports a
// missing one), naming the key and the file or variable.
std::string PostgresYaml(const std::string& dsn_key, const std::string& where) {
  return absl::StrCat("tenants:\n"
                      "  - id: contoso\n"
                      "store:\n"
                      "  engine: postgres\n"
                      "  postgres:\n"
                      "    ", dsn_key, ": ", where, "\n");
}

TEST_F(PrepareServerTest, PostgresWithAMissingDsnFileIsRefusedNamingIt) {
  absl::Status s =
      Prepare(Config(PostgresYaml("dsn_file", File("no-such-dsn"))));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()),
              StartsWith(absl::StrCat("riposted.yaml: store.postgres.dsn_file: "
                                      "cannot open secret file '",
                                      File("no-such-dsn"), "'")));
}

TEST_F(PrepareServerTest, PostgresWithAnUnsetDsnVariableIsRefusedNamingIt) {
  unsetenv("RIPOSTE_PREPARE_TEST_DSN");
  absl::Status s =
      Prepare(Config(PostgresYaml("dsn_env", "RIPOSTE_PREPARE_TEST_DSN")));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(),
            "riposted.yaml: store.postgres.dsn_env: secret environment "
            "variable 'RIPOSTE_PREPARE_TEST_DSN' is not set");
}

TEST_F(PrepareServerTest, PostgresConnectionStringIsResolvedWithoutConnecting) {
  const std::string dsn_file = File("dsn");
  const std::string dsn = absl::StrCat(
      "postgresql://riposte:", kSecret,
      "@db.internal/riposte?sslmode=verify-full");
  ASSERT_TRUE(auth::testing::WriteFile(dsn_file, dsn + "\n"));
  // db.internal does not exist: preparing reads the file and connects to
  // nothing (Server::Start opens the store).
  auto prepared = PrepareServer(Config(PostgresYaml("dsn_file", dsn_file)),
                                Clock::Real());
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_EQ(prepared->postgres_dsn, dsn);
}

TEST_F(PrepareServerTest, PostgresStoreIsCheckedWithTheRestOfTheConfig) {
  const std::string dsn_file = File("dsn-ok");
  ASSERT_TRUE(auth::testing::WriteFile(dsn_file, "host=db password=x"));
  absl::Status s = Prepare(Config(absl::StrCat(
      PostgresYaml("dsn_file", dsn_file), "auth:\n  tokens_file: ",
      File("no-such-tokens.yaml"), "\n")));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()),
              StartsWith("riposted.yaml: auth.tokens_file: "));
}

}  // namespace
}  // namespace riposte::server
