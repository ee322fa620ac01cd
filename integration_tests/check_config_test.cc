// riposted --check-config refuses every config that the real riposted
// refuses at start-up before it opens the store and its port, with the
// message start-up prints: a tokens file with a bad entry, TLS files that
// are missing or hold no certificate, a secret file that is not there, a
// webhook without a body template, a policy.path that does not exist. A
// config that passes the check has had all those files read.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration_tests/testing/riposted_process.h"

namespace riposte::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kHash[] =
    "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
constexpr char kSecret[] = "graph-secret-never-shown";

// What riposted said on stderr, less its JSON log lines.
std::string Said(const std::string& stderr_text) {
  std::vector<std::string> kept;
  for (absl::string_view line : absl::StrSplit(stderr_text, '\n')) {
    if (absl::StartsWith(line, "{\"time\":")) continue;
    kept.emplace_back(line);
  }
  return absl::StrJoin(kept, "\n");
}

class CheckConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.File("tokens.yaml"),
              absl::StrCat("tokens:\n  - identity: soc-alice\n    role: "
                           "operator\n    sha256: ",
                           kHash, "\n"));
    WriteFile(dir_.File("graph-secret"), kSecret);
  }

  // The head every config shares: lines 1-6.
  std::string Head() const {
    return absl::StrCat("grpc:\n"                                  // 1
                        "  listen: 127.0.0.1:0\n"                  // 2
                        "data_dir: ", dir_.File("data"), "\n"      // 3
                        "auth:\n"                                  // 4
                        "  tokens_file: ", dir_.File("tokens.yaml"),
                        "\n"                                       // 5
                        "tenants:\n");                             // 6
  }

  // Writes `yaml` to riposted.yaml, runs the check and then riposted
  // itself on it; expects both to refuse it with the same message, and
  // returns that message.
  std::string RefusedByBoth(const std::string& yaml) {
    const std::string config = dir_.File("riposted.yaml");
    WriteFile(config, yaml);
    CommandResult check =
        RunCommand({RunfilePath("orchestrator/server/riposted"),
                    "--check-config", "--config", config},
                   dir_.File(absl::StrCat("check-", ++runs_)));
    EXPECT_EQ(check.exit_code, 2) << check.stdout_text << check.stderr_text;
    CommandResult start = RunCommand(
        {RunfilePath("orchestrator/server/riposted"), "--config", config},
        dir_.File(absl::StrCat("start-", runs_)));
    EXPECT_NE(start.exit_code, 0) << start.stdout_text;
    EXPECT_EQ(Said(check.stderr_text), Said(start.stderr_text));
    EXPECT_THAT(check.stderr_text, Not(HasSubstr(kSecret)));
    EXPECT_THAT(check.stderr_text, Not(HasSubstr(kHash)));
    return Said(check.stderr_text);
  }

  riposte::testing::TempDir dir_;
  int runs_ = 0;
};

TEST_F(CheckConfigTest, AcceptsAConfigWhoseFilesAreAllThere) {
  const std::string config = dir_.File("riposted.yaml");
  WriteFile(config, absl::StrCat(Head(),
                                 "  - id: contoso\n"
                                 "    graph:\n"
                                 "      directory_tenant: contoso.onmicrosoft.com\n"
                                 "      client_id: app\n"
                                 "      client_secret_file: ",
                                 dir_.File("graph-secret"), "\n"));
  CommandResult check = RunCommand({RunfilePath("orchestrator/server/riposted"),
                                    "--check-config", "--config", config},
                                   dir_.File("check"));
  EXPECT_EQ(check.exit_code, 0) << check.stderr_text;
  EXPECT_THAT(check.stdout_text, HasSubstr("riposted.yaml is valid"));
  // The check opens no store.
  EXPECT_FALSE(std::filesystem::exists(dir_.File("data")));
}

TEST_F(CheckConfigTest, SaysWhereOcsfEventsGo) {
  const std::string config = dir_.File("riposted.yaml");
  WriteFile(config, absl::StrCat(Head(), "  - id: contoso\n"));
  CommandResult none = RunCommand({RunfilePath("orchestrator/server/riposted"),
                                   "--check-config", "--config", config},
                                  dir_.File("check-none"));
  EXPECT_EQ(none.exit_code, 0) << none.stderr_text;
  EXPECT_THAT(none.stdout_text,
              HasSubstr("riposted: ocsf: events kept in the outbox for "
                        "'riposte ocsf export'; no sink"));
  WriteFile(config, absl::StrCat(Head(), "  - id: contoso\n",
                                 "ocsf:\n  sinks:\n    - name: lake\n"
                                 "      file: {dir: lake, region: eu-west-1}\n"));
  CommandResult lake = RunCommand({RunfilePath("orchestrator/server/riposted"),
                                   "--check-config", "--config", config},
                                  dir_.File("check-lake"));
  EXPECT_EQ(lake.exit_code, 0) << lake.stderr_text;
  EXPECT_THAT(lake.stdout_text,
              HasSubstr("riposted: ocsf: sink lake: JSON lines under "));
  EXPECT_THAT(lake.stdout_text,
              HasSubstr("/lake/ext/riposte/region=eu-west-1/"
                        "accountId=000000000000/"));
}

TEST_F(CheckConfigTest, ATokensFileWithABadEntry) {
  const std::string tokens = dir_.File("bad-tokens.yaml");
  WriteFile(tokens, absl::StrCat("tokens:\n"
                                 "  - identity: soc-bob\n"
                                 "    role: root\n"
                                 "    sha256: ",
                                 kHash, "\n"));
  std::string said = RefusedByBoth(absl::StrCat(
      "grpc:\n  listen: 127.0.0.1:0\ndata_dir: ", dir_.File("data"),
      "\nauth:\n  tokens_file: ", tokens, "\ntenants:\n  - id: contoso\n"));
  EXPECT_THAT(said, StartsWith("riposted: "));
  EXPECT_THAT(said, HasSubstr("riposted.yaml: auth.tokens_file: "));
  EXPECT_THAT(said, HasSubstr(absl::StrCat(tokens, ":3: tokens[0].role")));
}

TEST_F(CheckConfigTest, MissingOrUnusableTlsFiles) {
  const std::string tls = absl::StrCat(
      "grpc:\n  listen: 127.0.0.1:0\n  tls:\n    cert_file: ",
      dir_.File("no-such.crt"), "\n    key_file: ", dir_.File("tls.key"),
      "\ndata_dir: ", dir_.File("data"), "\nauth:\n  tokens_file: ",
      dir_.File("tokens.yaml"), "\ntenants:\n  - id: contoso\n");
  EXPECT_THAT(RefusedByBoth(tls),
              HasSubstr(absl::StrCat("riposted.yaml: grpc.tls.cert_file: ",
                                     dir_.File("no-such.crt"),
                                     ": cannot open")));

  WriteFile(dir_.File("not-a.crt"), "not a certificate\n");
  std::string garbage = tls;
  garbage.replace(garbage.find(dir_.File("no-such.crt")),
                  dir_.File("no-such.crt").size(), dir_.File("not-a.crt"));
  EXPECT_THAT(RefusedByBoth(garbage),
              HasSubstr("grpc.tls.cert_file: " + dir_.File("not-a.crt") +
                        ": no PEM certificate"));
}

TEST_F(CheckConfigTest, AMissingSecretFile) {
  std::string said = RefusedByBoth(absl::StrCat(
      Head(),
      "  - id: contoso\n"
      "    graph:\n"
      "      directory_tenant: contoso.onmicrosoft.com\n"
      "      client_id: app\n"
      "      client_secret_file: ",
      dir_.File("no-such-secret"), "\n"));
  EXPECT_THAT(said, HasSubstr("riposted.yaml: tenants.contoso"));
  EXPECT_THAT(said, HasSubstr(dir_.File("no-such-secret")));
}

TEST_F(CheckConfigTest, AnAuditSigningKeyThatIsMissingOrNotAKey) {
  const std::string audit = absl::StrCat(
      "  - id: contoso\n"
      "audit:\n"
      "  checkpoint_file: ", dir_.File("checkpoints"), "\n"
      "  signing_key_file: ");
  std::string said = RefusedByBoth(
      absl::StrCat(Head(), audit, dir_.File("no-such-key"), "\n"));
  EXPECT_THAT(said, HasSubstr("riposted.yaml: audit.signing_key_file"));
  EXPECT_THAT(said, HasSubstr(dir_.File("no-such-key")));
  // A file that holds no Ed25519 key: its contents are never shown.
  said = RefusedByBoth(
      absl::StrCat(Head(), audit, dir_.File("graph-secret"), "\n"));
  EXPECT_THAT(said, HasSubstr("riposted.yaml: audit.signing_key_file"));
  EXPECT_THAT(said, Not(HasSubstr(kSecret)));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("checkpoints")));
}

TEST_F(CheckConfigTest, AWebhookWithoutABodyTemplate) {
  std::string said = RefusedByBoth(absl::StrCat(
      Head(),
      "  - id: contoso\n"                             // 7
      "    webhooks:\n"                               // 8
      "      - name: soar\n"                          // 9
      "        url: https://soar.example.com/hook\n"  // 10
  ));
  EXPECT_THAT(said,
              HasSubstr("riposted.yaml:9: tenants[0].webhooks[0]."
                        "body_template: required key is missing"));
}

TEST_F(CheckConfigTest, APolicyPathThatDoesNotExistNamesTheConfigLine) {
  std::string said = RefusedByBoth(absl::StrCat(
      Head(),
      "  - id: contoso\n"                                        // 7
      "policy:\n"                                                // 8
      "  path: ", dir_.File("no-such-policy"), "\n"));           // 9
  EXPECT_THAT(said, StartsWith(absl::StrCat("riposted: ",
                                            dir_.File("riposted.yaml"),
                                            ":9: policy.path: ",
                                            dir_.File("no-such-policy"))));
}

// store.engine postgres: the connection string is read (never shown
// with its password), and the check connects to nothing.
std::string PostgresStore(const std::string& dsn_file) {
  return absl::StrCat("  - id: contoso\n"
                      "store:\n"
                      "  engine: postgres\n"
                      "  postgres:\n"
                      "    dsn_file: ", dsn_file, "\n");
}

TEST_F(CheckConfigTest, PostgresConnectionStringThatIsNotThere) {
  std::string said = RefusedByBoth(
      absl::StrCat(Head(), PostgresStore(dir_.File("no-such-dsn"))));
  EXPECT_THAT(said, HasSubstr("riposted.yaml: store.postgres.dsn_file: "));
  EXPECT_THAT(said, HasSubstr(dir_.File("no-such-dsn")));
}

TEST_F(CheckConfigTest, PostgresConfigIsValidAndItsPasswordIsNeverShown) {
  // Nothing listens on port 1: the check must not try to connect, and
  // --verify-audit, which must, reports the database without the password.
  WriteFile(dir_.File("dsn"),
            absl::StrCat("host=127.0.0.1 port=1 dbname=riposte user=riposte "
                         "password='", kSecret, "' connect_timeout=2\n"));
  WriteFile(dir_.File("riposted.yaml"),
            absl::StrCat(Head(), PostgresStore(dir_.File("dsn"))));
  CommandResult check = RunCommand(
      {RunfilePath("orchestrator/server/riposted"), "--check-config",
       "--config", dir_.File("riposted.yaml")},
      dir_.File("check-postgres"));
  EXPECT_EQ(check.exit_code, 0) << check.stderr_text;
  EXPECT_THAT(check.stdout_text,
              HasSubstr("store postgres host=127.0.0.1 port=1 dbname=riposte "
                        "user=riposte"));
  EXPECT_THAT(check.stdout_text + check.stderr_text, Not(HasSubstr(kSecret)));
  CommandResult verify = RunCommand(
      {RunfilePath("orchestrator/server/riposted"), "--verify-audit",
       "--config", dir_.File("riposted.yaml")},
      dir_.File("verify"));
  EXPECT_EQ(verify.exit_code, 2);
  EXPECT_THAT(verify.stderr_text, HasSubstr("(database host=127.0.0.1 port=1"));
  EXPECT_THAT(verify.stdout_text + verify.stderr_text, Not(HasSubstr(kSecret)));
}

}  // namespace
}  // namespace riposte::integration
