// The store: section (engines sqlite and postgres) and ResolvePostgresDsn.

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/testing/temp_dir.h"
#include "config/server_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTenants[] =
    "tenants:\n"
    "  - id: contoso\n";

// kTenants then `store`, so the store section starts at line 3.
std::string WithStore(const std::string& store) {
  return absl::StrCat(kTenants, "store:\n", store);
}

absl::StatusOr<ServerConfig> Parse(const std::string& text) {
  return ParseServerConfig(text, "riposted.yaml");
}

std::string ErrorsOf(const std::string& text) {
  absl::StatusOr<ServerConfig> config = Parse(text);
  EXPECT_FALSE(config.ok()) << "parsed unexpectedly:\n" << text;
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

TEST(StoreConfigTest, SqliteIsTheDefault) {
  absl::StatusOr<ServerConfig> config = Parse(kTenants);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->store.engine, "sqlite");
  EXPECT_FALSE(config->store.UsesPostgres());
  EXPECT_FALSE(config->store.postgres.enabled);
}

TEST(StoreConfigTest, PostgresWithDefaults) {
  absl::StatusOr<ServerConfig> config =
      Parse(WithStore("  engine: postgres\n"
                      "  postgres:\n"
                      "    dsn_file: /etc/riposte/secrets/postgres/dsn\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  const PostgresConfig& pg = config->store.postgres;
  EXPECT_TRUE(config->store.UsesPostgres());
  EXPECT_TRUE(pg.enabled);
  EXPECT_EQ(pg.dsn.file, "/etc/riposte/secrets/postgres/dsn");
  EXPECT_EQ(pg.dsn.env, "");
  EXPECT_EQ(pg.pool_size, 4);
  EXPECT_EQ(pg.connect_timeout, absl::Seconds(5));
  EXPECT_EQ(pg.statement_timeout, absl::Seconds(30));
  EXPECT_EQ(pg.lock_timeout, absl::Seconds(10));
}

TEST(StoreConfigTest, PostgresWithEverySetting) {
  absl::StatusOr<ServerConfig> config =
      Parse(WithStore("  engine: postgres\n"
                      "  postgres:\n"
                      "    dsn_env: RIPOSTE_POSTGRES_DSN\n"
                      "    pool_size: 64\n"
                      "    connect_timeout: 2s\n"
                      "    statement_timeout: 1m\n"
                      "    lock_timeout: 1m\n"
                      "  group_commit_max_batch: 256\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  const PostgresConfig& pg = config->store.postgres;
  EXPECT_EQ(pg.dsn.env, "RIPOSTE_POSTGRES_DSN");
  EXPECT_EQ(pg.pool_size, 64);
  EXPECT_EQ(pg.connect_timeout, absl::Seconds(2));
  EXPECT_EQ(pg.statement_timeout, absl::Minutes(1));
  EXPECT_EQ(pg.lock_timeout, absl::Minutes(1));
  EXPECT_EQ(config->store.group_commit_max_batch, 256);
}

TEST(StoreConfigTest, UnknownEngine) {
  EXPECT_EQ(ErrorsOf(WithStore("  engine: mysql\n")),
            "riposted.yaml:4: store.engine: unknown engine \"mysql\" "
            "(allowed: sqlite, postgres)");
  EXPECT_EQ(ErrorsOf(WithStore("  engine: postgresql\n")),
            "riposted.yaml:4: store.engine: unknown engine \"postgresql\" "
            "(allowed: sqlite, postgres)");
}

TEST(StoreConfigTest, PostgresEngineNeedsItsSection) {
  EXPECT_EQ(ErrorsOf(WithStore("  engine: postgres\n")),
            "riposted.yaml:4: store.engine: \"postgres\" needs a "
            "store.postgres section naming the connection string (dsn_file "
            "or dsn_env)");
}

TEST(StoreConfigTest, SqliteEngineRefusesThePostgresSection) {
  const std::string postgres =
      "  postgres:\n"
      "    dsn_env: RIPOSTE_POSTGRES_DSN\n";
  const std::string expected =
      "store.postgres: is for engine \"postgres\"; store.engine is \"sqlite\" "
      "(set store.engine: postgres, or remove store.postgres)";
  EXPECT_EQ(ErrorsOf(WithStore(postgres)),
            absl::StrCat("riposted.yaml:4: ", expected));
  EXPECT_EQ(ErrorsOf(WithStore(absl::StrCat("  engine: sqlite\n", postgres))),
            absl::StrCat("riposted.yaml:5: ", expected));
}

TEST(StoreConfigTest, PostgresEngineRefusesTheSqliteSection) {
  EXPECT_EQ(ErrorsOf(WithStore("  engine: postgres\n"
                               "  sqlite:\n"
                               "    file: riposte.db\n"
                               "  postgres:\n"
                               "    dsn_env: RIPOSTE_POSTGRES_DSN\n")),
            "riposted.yaml:5: store.sqlite: is for engine \"sqlite\"; "
            "store.engine is \"postgres\" (remove store.sqlite)");
}

TEST(StoreConfigTest, ExactlyOneOfDsnFileAndDsnEnv) {
  EXPECT_EQ(ErrorsOf(WithStore("  engine: postgres\n"
                               "  postgres:\n"
                               "    pool_size: 2\n")),
            "riposted.yaml:5: store.postgres.dsn: required: set dsn_file (a "
            "file holding the secret) or dsn_env (an environment variable "
            "holding it)");
  EXPECT_EQ(ErrorsOf(WithStore("  engine: postgres\n"
                               "  postgres:\n")),
            "riposted.yaml:5: store.postgres.dsn: required: set dsn_file (a "
            "file holding the secret) or dsn_env (an environment variable "
            "holding it)");
  EXPECT_EQ(ErrorsOf(WithStore("  engine: postgres\n"
                               "  postgres:\n"
                               "    dsn_file: /run/dsn\n"
                               "    dsn_env: DSN\n")),
            "riposted.yaml:7: store.postgres.dsn_env: give either dsn_file or "
            "dsn_env, not both");
  EXPECT_EQ(ErrorsOf(WithStore("  engine: postgres\n"
                               "  postgres:\n"
                               "    dsn_env: 1DSN\n")),
            "riposted.yaml:6: store.postgres.dsn_env: \"1DSN\" is not an "
            "environment variable name (letters, digits and '_', not "
            "starting with a digit)");
  EXPECT_EQ(ErrorsOf(WithStore("  engine: postgres\n"
                               "  postgres:\n"
                               "    dsn_file: \"\"\n")),
            "riposted.yaml:6: store.postgres.dsn_file: must not be empty");
}

TEST(StoreConfigTest, AnInlineDsnIsRefusedWithoutRepeatingIt) {
  const std::string errors =
      ErrorsOf(WithStore("  engine: postgres\n"
                         "  postgres:\n"
                         "    dsn: postgresql://riposte:hunter2@db/riposte\n"));
  EXPECT_THAT(errors,
              HasSubstr("riposted.yaml:6: unknown key 'dsn' in "
                        "'store.postgres': secrets come from dsn_file or "
                        "dsn_env, never from the config file"));
  EXPECT_THAT(errors, Not(HasSubstr("hunter2")));
  EXPECT_THAT(errors, Not(HasSubstr("riposte@db")));
}

TEST(StoreConfigTest, PoolSizeRange) {
  for (const char* bad : {"0", "65", "-1"}) {
    EXPECT_EQ(ErrorsOf(WithStore(absl::StrCat("  engine: postgres\n"
                                              "  postgres:\n"
                                              "    dsn_env: DSN\n"
                                              "    pool_size: ",
                                              bad, "\n"))),
              absl::StrCat("riposted.yaml:7: store.postgres.pool_size: must "
                           "be between 1 and 64, got ",
                           bad));
  }
}

TEST(StoreConfigTest, Timeouts) {
  auto errors = [](const std::string& keys) {
    return ErrorsOf(
        WithStore(absl::StrCat("  engine: postgres\n"
                               "  postgres:\n"
                               "    dsn_env: DSN\n",
                               keys)));
  };
  EXPECT_EQ(errors("    connect_timeout: 500ms\n"),
            "riposted.yaml:7: store.postgres.connect_timeout: must be at "
            "least 1s, got 500ms");
  EXPECT_EQ(errors("    connect_timeout: 1.5s\n"),
            "riposted.yaml:7: store.postgres.connect_timeout: must be a whole "
            "number of seconds (libpq counts in seconds), got 1.5s");
  EXPECT_EQ(errors("    connect_timeout: 0s\n"),
            "riposted.yaml:7: store.postgres.connect_timeout: must be "
            "positive, got \"0s\"");
  EXPECT_EQ(errors("    statement_timeout: 500us\n"),
            "riposted.yaml:7: store.postgres.statement_timeout: must be at "
            "least 1ms, got 500us");
  EXPECT_EQ(errors("    lock_timeout: soon\n"),
            "riposted.yaml:7: store.postgres.lock_timeout: bad duration "
            "\"soon\" (use e.g. 30s, 5m, 24h)");
  EXPECT_EQ(errors("    lock_timeout: 31s\n"),
            "riposted.yaml:7: store.postgres.lock_timeout: must not exceed "
            "statement_timeout (30s), got 31s");
  EXPECT_EQ(errors("    statement_timeout: 5s\n"),
            "riposted.yaml:7: store.postgres.statement_timeout: must be at "
            "least lock_timeout (10s), got 5s; lower lock_timeout too");
}

TEST(StoreConfigTest, UnknownPostgresKey) {
  EXPECT_EQ(ErrorsOf(WithStore("  engine: postgres\n"
                               "  postgres:\n"
                               "    dsn_env: DSN\n"
                               "    pool: 3\n")),
            "riposted.yaml:7: unknown key 'pool' in 'store.postgres' "
            "(allowed: dsn_file, dsn_env, pool_size, connect_timeout, "
            "statement_timeout, lock_timeout)");
}

// --- ResolvePostgresDsn ---------------------------------------------------

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

PostgresConfig FromFile(const std::string& path) {
  PostgresConfig pg;
  pg.enabled = true;
  pg.dsn.file = path;
  return pg;
}

PostgresConfig FromEnv(const std::string& variable) {
  PostgresConfig pg;
  pg.enabled = true;
  pg.dsn.env = variable;
  return pg;
}

constexpr char kDsn[] =
    "postgresql://riposte:hunter2@db.internal:5432/riposte?sslmode=verify-full";

TEST(ResolvePostgresDsnTest, ReadsTheFileLessItsTrailingNewline) {
  riposte::testing::TempDir dir;
  WriteFile(dir.File("dsn"), absl::StrCat(kDsn, "\n"));
  absl::StatusOr<std::string> dsn =
      ResolvePostgresDsn(FromFile(dir.File("dsn")));
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  EXPECT_EQ(*dsn, kDsn);

  WriteFile(dir.File("crlf"), "host=db password='a b'\r\n");
  dsn = ResolvePostgresDsn(FromFile(dir.File("crlf")));
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  EXPECT_EQ(*dsn, "host=db password='a b'");
}

TEST(ResolvePostgresDsnTest, ReadsTheEnvironmentVariable) {
  ASSERT_EQ(setenv("RIPOSTE_TEST_PG_DSN", "host=db user=r password=x", 1), 0);
  absl::StatusOr<std::string> dsn =
      ResolvePostgresDsn(FromEnv("RIPOSTE_TEST_PG_DSN"));
  unsetenv("RIPOSTE_TEST_PG_DSN");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  EXPECT_EQ(*dsn, "host=db user=r password=x");
}

TEST(ResolvePostgresDsnTest, MissingFileNamesTheFieldAndFile) {
  riposte::testing::TempDir dir;
  absl::StatusOr<std::string> dsn =
      ResolvePostgresDsn(FromFile(dir.File("absent")));
  EXPECT_EQ(dsn.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(dsn.status().message(),
              HasSubstr(absl::StrCat("store.postgres.dsn_file: cannot open "
                                     "secret file '",
                                     dir.File("absent"), "'")));
}

TEST(ResolvePostgresDsnTest, UnsetVariableNamesTheFieldAndVariable) {
  unsetenv("RIPOSTE_TEST_PG_UNSET");
  absl::StatusOr<std::string> dsn =
      ResolvePostgresDsn(FromEnv("RIPOSTE_TEST_PG_UNSET"));
  EXPECT_EQ(dsn.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(dsn.status().message(),
            "store.postgres.dsn_env: secret environment variable "
            "'RIPOSTE_TEST_PG_UNSET' is not set");
}

TEST(ResolvePostgresDsnTest, EmptyFile) {
  riposte::testing::TempDir dir;
  WriteFile(dir.File("dsn"), "\n");
  absl::StatusOr<std::string> dsn =
      ResolvePostgresDsn(FromFile(dir.File("dsn")));
  EXPECT_EQ(dsn.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(dsn.status().message(),
              HasSubstr("store.postgres.dsn_file: secret file"));
  EXPECT_THAT(dsn.status().message(), HasSubstr("is empty"));
}

TEST(ResolvePostgresDsnTest, NothingConfigured) {
  PostgresConfig pg;
  absl::StatusOr<std::string> dsn = ResolvePostgresDsn(pg);
  EXPECT_EQ(dsn.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(dsn.status().message(),
              HasSubstr("store.postgres: no connection string configured"));
}

// A connection string libpq could not read is refused here, naming the file
// and what is wrong, with no piece of the string in the message.
TEST(ResolvePostgresDsnTest, BadSyntaxIsReportedWithoutTheString) {
  riposte::testing::TempDir dir;
  for (const char* bad :
       {"host=db password=hunter 2xyz", "host=db password='hunter2xyz",
        "postgresql://riposte:hunter@2xyz@db/riposte",
        "postgresql://riposte:hunter%zz2xyz@db/riposte",
        "host=db pasword=hunter2xyz", "   \t"}) {
    WriteFile(dir.File("dsn"), bad);
    absl::StatusOr<std::string> dsn =
        ResolvePostgresDsn(FromFile(dir.File("dsn")));
    EXPECT_EQ(dsn.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    const std::string message(dsn.status().message());
    EXPECT_THAT(message, HasSubstr(absl::StrCat(
                             "store.postgres.dsn_file: file '", dir.File("dsn"),
                             "' does not hold a PostgreSQL "
                             "connection string")))
        << bad;
    EXPECT_THAT(message, Not(HasSubstr("2xyz"))) << message;
    EXPECT_THAT(message, Not(HasSubstr("hunter"))) << message;
  }
}

TEST(ResolvePostgresDsnTest, BadSyntaxInTheVariable) {
  ASSERT_EQ(setenv("RIPOSTE_TEST_PG_BAD", "host=db password=hunter 2xyz", 1),
            0);
  absl::StatusOr<std::string> dsn =
      ResolvePostgresDsn(FromEnv("RIPOSTE_TEST_PG_BAD"));
  unsetenv("RIPOSTE_TEST_PG_BAD");
  EXPECT_EQ(dsn.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(dsn.status().message(),
              HasSubstr("store.postgres.dsn_env: environment variable "
                        "'RIPOSTE_TEST_PG_BAD' does not hold a PostgreSQL "
                        "connection string (key=value settings or a "
                        "postgresql:// URI): setting 3 has no '='"));
  EXPECT_THAT(dsn.status().message(), Not(HasSubstr("2xyz")));
}

}  // namespace
}  // namespace riposte::config
