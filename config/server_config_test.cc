#include "config/server_config.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "config/embedded_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::config {
namespace {

using ::testing::HasSubstr;

constexpr char kMinimal[] =
    "tenants:\n"
    "  - id: contoso\n";

// The status message of parsing `text` as "riposted.yaml"; fails the test
// if it parses.
std::string ErrorsOf(const std::string& text) {
  absl::StatusOr<ServerConfig> config =
      ParseServerConfig(text, "riposted.yaml");
  EXPECT_FALSE(config.ok()) << "parsed unexpectedly:\n" << text;
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

std::string RunfilePath(const std::string& workspace_relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/",
                      workspace != nullptr ? workspace : "riposte", "/",
                      workspace_relative);
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void ExpectSameSettings(const ServerConfig& a, const ServerConfig& b) {
  EXPECT_EQ(a.grpc_listen, b.grpc_listen);
  EXPECT_EQ(a.grpc_max_receive_message_bytes, b.grpc_max_receive_message_bytes);
  EXPECT_EQ(a.data_dir, b.data_dir);
  EXPECT_EQ(a.store.engine, b.store.engine);
  EXPECT_EQ(a.store.sqlite_file, b.store.sqlite_file);
  EXPECT_EQ(a.store.group_commit_max_batch, b.store.group_commit_max_batch);
  EXPECT_EQ(a.correlation_window, b.correlation_window);
  EXPECT_EQ(a.intake.max_id_bytes, b.intake.max_id_bytes);
  EXPECT_EQ(a.intake.max_string_bytes, b.intake.max_string_bytes);
  EXPECT_EQ(a.intake.max_tags, b.intake.max_tags);
  EXPECT_EQ(a.intake.max_evidence_entries, b.intake.max_evidence_entries);
  EXPECT_EQ(a.intake.max_evidence_value_bytes,
            b.intake.max_evidence_value_bytes);
  EXPECT_EQ(a.intake.max_related_entities, b.intake.max_related_entities);
  EXPECT_EQ(a.intake.max_attachments, b.intake.max_attachments);
  EXPECT_EQ(a.intake.max_breach_bytes, b.intake.max_breach_bytes);
  EXPECT_EQ(a.intake.max_future_skew, b.intake.max_future_skew);
  EXPECT_EQ(a.intake.stream_max_in_flight, b.intake.stream_max_in_flight);
  EXPECT_EQ(a.log_level, b.log_level);
  EXPECT_EQ(a.shutdown_grace, b.shutdown_grace);
  EXPECT_EQ(a.execution.workers, b.execution.workers);
  EXPECT_EQ(a.execution.lease, b.execution.lease);
  EXPECT_EQ(a.execution.call_timeout, b.execution.call_timeout);
  EXPECT_EQ(a.execution.max_attempts, b.execution.max_attempts);
  EXPECT_EQ(a.execution.max_age, b.execution.max_age);
  EXPECT_EQ(a.execution.backoff_initial, b.execution.backoff_initial);
  EXPECT_EQ(a.execution.backoff_max, b.execution.backoff_max);
  EXPECT_EQ(a.execution.breaker_failures, b.execution.breaker_failures);
  EXPECT_EQ(a.execution.breaker_open_for, b.execution.breaker_open_for);
  EXPECT_EQ(a.execution.expiry_scan_interval,
            b.execution.expiry_scan_interval);
  EXPECT_EQ(a.audit.checkpoint_file, b.audit.checkpoint_file);
  EXPECT_EQ(a.audit.checkpoint_interval, b.audit.checkpoint_interval);
}

TEST(DefaultServerConfigTest, EmbeddedFileEqualsCompiledDefaults) {
  ServerConfig defaults = DefaultServerConfig();
  EXPECT_EQ(defaults.source, "<embedded defaults>");
  ExpectSameSettings(defaults, ServerConfig{});
  ASSERT_EQ(defaults.tenants.size(), 1u);
  EXPECT_EQ(defaults.tenants[0].id, "contoso");
  EXPECT_EQ(defaults.tenants[0].display_name, "Contoso Ltd (sample tenant)");
}

TEST(DefaultServerConfigTest, EmbeddedTextIsTheSampleFileByteForByte) {
  std::string file = ReadWholeFile(RunfilePath("config/riposted.yaml"));
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(EmbeddedServerConfigYaml(), file);
}

TEST(LoadServerConfigTest, LoadsTheSampleFile) {
  std::string path = RunfilePath("config/riposted.yaml");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->source, path);
  ExpectSameSettings(*config, DefaultServerConfig());
}

TEST(LoadServerConfigTest, MissingFileIsNotFoundNamingThePath) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig("/nonexistent/dir/riposted.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("/nonexistent/dir/riposted.yaml"));
}

TEST(LoadServerConfigTest, ErrorsNameTheFilePath) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/bad.yaml");
  {
    std::ofstream out(path);
    out << "tenants:\n  - id: a\nlog:\n  level: loud\n";
  }
  absl::StatusOr<ServerConfig> config = LoadServerConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            absl::StrCat(path, ":4: log.level: unknown level \"loud\" "
                               "(allowed: debug, info, warn, error)"));
}

TEST(ParseServerConfigTest, MinimalFileKeepsDefaults) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(kMinimal, "m.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->source, "m.yaml");
  ExpectSameSettings(*config, ServerConfig{});
  ASSERT_EQ(config->tenants.size(), 1u);
  EXPECT_EQ(config->tenants[0].display_name, "contoso");  // defaults to id
}

TEST(ParseServerConfigTest, ReadsEveryKey) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      "grpc:\n"
      "  listen: \"[::1]:0\"\n"
      "  max_receive_message_bytes: 1048576\n"
      "data_dir: /var/lib/riposte\n"
      "store:\n"
      "  engine: sqlite\n"
      "  sqlite:\n"
      "    file: r.db\n"
      "  group_commit_max_batch: 16\n"
      "tenants:\n"
      "  - id: contoso\n"
      "    display_name: Contoso\n"
      "  - id: fabrikam.eu_1-x\n"
      "correlation:\n"
      "  window: 7d\n"
      "intake:\n"
      "  max_id_bytes: 64\n"
      "  max_string_bytes: 512\n"
      "  max_tags: 8\n"
      "  max_evidence_entries: 9\n"
      "  max_evidence_value_bytes: 10\n"
      "  max_related_entities: 11\n"
      "  max_attachments: 12\n"
      "  max_breach_bytes: 65536\n"
      "  max_future_skew: 30s\n"
      "  stream_max_in_flight: 13\n"
      "log:\n"
      "  level: debug\n"
      "shutdown:\n"
      "  grace: 0s\n",
      "full.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->grpc_listen, "[::1]:0");
  EXPECT_EQ(config->grpc_max_receive_message_bytes, 1048576);
  EXPECT_EQ(config->data_dir, "/var/lib/riposte");
  EXPECT_EQ(config->store.sqlite_file, "r.db");
  EXPECT_EQ(config->store.group_commit_max_batch, 16);
  ASSERT_EQ(config->tenants.size(), 2u);
  EXPECT_EQ(config->tenants[1].id, "fabrikam.eu_1-x");
  EXPECT_EQ(config->correlation_window, absl::Hours(7 * 24));
  EXPECT_EQ(config->intake.max_id_bytes, 64);
  EXPECT_EQ(config->intake.max_string_bytes, 512);
  EXPECT_EQ(config->intake.max_tags, 8);
  EXPECT_EQ(config->intake.max_evidence_entries, 9);
  EXPECT_EQ(config->intake.max_evidence_value_bytes, 10);
  EXPECT_EQ(config->intake.max_related_entities, 11);
  EXPECT_EQ(config->intake.max_attachments, 12);
  EXPECT_EQ(config->intake.max_breach_bytes, 65536);
  EXPECT_EQ(config->intake.max_future_skew, absl::Seconds(30));
  EXPECT_EQ(config->intake.stream_max_in_flight, 13);
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_EQ(config->shutdown_grace, absl::ZeroDuration());

  ASSERT_NE(config->FindTenant("contoso"), nullptr);
  EXPECT_EQ(config->FindTenant("contoso")->display_name, "Contoso");
  EXPECT_EQ(config->FindTenant("fabrikam.eu_1-x")->display_name,
            "fabrikam.eu_1-x");
  EXPECT_EQ(config->FindTenant("Contoso"), nullptr);
  EXPECT_EQ(config->FindTenant(""), nullptr);
}

TEST(ParseServerConfigTest, SyntaxErrorsCarryFileLineAndColumn) {
  EXPECT_THAT(ErrorsOf("tenants: [\n"), HasSubstr("riposted.yaml:2:1: "));
  EXPECT_EQ(ErrorsOf("log:\n  level: info\nlog:\n  level: warn\n"),
            "riposted.yaml:3:1: duplicate key 'log' (first defined at line 1)");
}

TEST(ParseServerConfigTest, UnknownKeysAnywhere) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "store:\n"
                                  "  sqlite:\n"
                                  "    fil: x.db\n"
                                  "grcp:\n"
                                  "  listen: x\n")),
            "riposted.yaml:5: unknown key 'fil' in 'store.sqlite' (allowed: "
            "file)\n"
            "riposted.yaml:6: unknown key 'grcp' at the top level (allowed: "
            "grpc, data_dir, store, tenants, correlation, intake, log, "
            "policy, metrics, shutdown, execution, auth, audit, ocsf, retention)");
  EXPECT_EQ(ErrorsOf("tenants:\n  - id: a\n    name: A\n"),
            "riposted.yaml:3: unknown key 'name' in 'tenants[0]' (allowed: "
            "id, display_name, graph, gateway, webhooks, routes)");
}

TEST(ParseServerConfigTest, BadDurations) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "correlation:\n"
                                  "  window: 5 minutes\n"
                                  "shutdown:\n"
                                  "  grace: -1s\n"
                                  "intake:\n"
                                  "  max_future_skew: 0s\n")),
            "riposted.yaml:4: correlation.window: bad duration \"5 minutes\" "
            "(use e.g. 30s, 5m, 24h)\n"
            "riposted.yaml:6: shutdown.grace: must not be negative, got "
            "\"-1s\"\n"
            "riposted.yaml:8: intake.max_future_skew: must be positive, got "
            "\"0s\"");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "correlation:\n  window: 0\n")),
            "riposted.yaml:4: correlation.window: must be positive, got \"0\"");
}

TEST(ParseServerConfigTest, NonIntegersAndNonPositiveLimits) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "intake:\n"
                                  "  max_tags: 0\n"
                                  "  max_attachments: -3\n"
                                  "  max_id_bytes: 12.5\n"
                                  "  stream_max_in_flight: lots\n"
                                  "store:\n"
                                  "  group_commit_max_batch: 0\n")),
            "riposted.yaml:4: intake.max_tags: must be positive, got 0\n"
            "riposted.yaml:5: intake.max_attachments: must be positive, got "
            "-3\n"
            "riposted.yaml:6: intake.max_id_bytes: expected an integer, got "
            "\"12.5\"\n"
            "riposted.yaml:7: intake.stream_max_in_flight: expected an "
            "integer, got \"lots\"\n"
            "riposted.yaml:9: store.group_commit_max_batch: must be positive, "
            "got 0");
}

TEST(ParseServerConfigTest, WrongShapes) {
  EXPECT_EQ(ErrorsOf("tenants: contoso\nintake: [1]\nlog:\n  level: [x]\n"),
            "riposted.yaml:1: tenants: expected a sequence (a list of '- ' "
            "items), got a scalar\n"
            "riposted.yaml:2: intake: expected a map of keys, got a sequence\n"
            "riposted.yaml:4: log.level: expected a string, got a sequence");
  EXPECT_EQ(ErrorsOf("- a\n"),
            "riposted.yaml:1: the document must be a map of keys, got a "
            "sequence\n"
            "riposted.yaml:1: tenants: required key is missing");
}

TEST(ParseServerConfigTest, TenantProblems) {
  EXPECT_EQ(ErrorsOf("log:\n  level: info\n"),
            "riposted.yaml:1: tenants: required key is missing");
  EXPECT_EQ(ErrorsOf(""), "riposted.yaml:1: tenants: required key is missing");
  EXPECT_EQ(ErrorsOf("data_dir: d\ntenants: []\n"),
            "riposted.yaml:2: tenants: at least one tenant is required (e.g. "
            "'- id: contoso')");
  EXPECT_EQ(ErrorsOf("tenants:\n"),
            "riposted.yaml:1: tenants: at least one tenant is required (e.g. "
            "'- id: contoso')");
  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: contoso\n"        // 2
                     "  - id: \"\"\n"           // 3
                     "  - id: con toso\n"       // 4
                     "  - display_name: X\n"    // 5
                     "  - id: contoso\n"        // 6
                     "  - id: ok\n"             // 7
                     "    display_name: \"\"\n" // 8
                     "  - just-a-string\n"),    // 9
            "riposted.yaml:3: tenants[1].id: must not be empty\n"
            "riposted.yaml:4: tenants[2].id: \"con toso\" may only contain "
            "letters, digits, '.', '_' and '-'\n"
            "riposted.yaml:5: tenants[3].id: required key is missing\n"
            "riposted.yaml:6: tenants[4].id: duplicate tenant id 'contoso' "
            "(first defined at line 2)\n"
            "riposted.yaml:8: tenants[5].display_name: must not be empty "
            "(leave it out to use the id)\n"
            "riposted.yaml:9: tenants[6]: value must be a map of keys, got a "
            "scalar");
  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: abcdefghij\n"
                     "intake:\n"
                     "  max_id_bytes: 8\n"),
            "riposted.yaml:2: tenants[0].id: is 10 bytes, longer than "
            "intake.max_id_bytes (8), so no breach could name it");
}

TEST(ParseServerConfigTest, StoreEngine) {
  // More in store_config_test.
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "store:\n  engine: mysql\n")),
            "riposted.yaml:4: store.engine: unknown engine \"mysql\" "
            "(allowed: sqlite, postgres)");
  EXPECT_EQ(
      ErrorsOf(absl::StrCat(kMinimal, "store:\n  sqlite:\n    file: \"\"\n")),
      "riposted.yaml:5: store.sqlite.file: must not be empty");
}

TEST(ParseServerConfigTest, AuditCheckpointsAreOffUnlessConfigured) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(kMinimal, "m.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->audit.checkpoints_enabled());
  EXPECT_EQ(config->audit.origin, "riposte/contoso");
  EXPECT_EQ(config->audit.checkpoint_interval, absl::Minutes(5));
}

TEST(ParseServerConfigTest, ReadsAuditCheckpoints) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      absl::StrCat(kMinimal,
                   "audit:\n"
                   "  checkpoint_file: /var/lib/riposte/audit.checkpoints\n"
                   "  signing_key_file: /run/secrets/audit-key\n"
                   "  checkpoint_interval: 30s\n"
                   "  origin: soc.example/riposte\n"),
      "m.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->audit.checkpoints_enabled());
  EXPECT_EQ(config->audit.checkpoint_file, "/var/lib/riposte/audit.checkpoints");
  EXPECT_EQ(config->audit.signing_key.file, "/run/secrets/audit-key");
  EXPECT_EQ(config->audit.checkpoint_interval, absl::Seconds(30));
  EXPECT_EQ(config->audit.origin, "soc.example/riposte");
}

TEST(ParseServerConfigTest, WithoutRetentionNothingIsRemoved) {
  auto config = ParseServerConfig(kMinimal, "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->retention.enabled);
  EXPECT_FALSE(config->retention.audit_archiving());
}

TEST(ParseServerConfigTest, ReadsRetention) {
  auto config = ParseServerConfig(
      absl::StrCat(kMinimal,
                   "audit:\n"
                   "  checkpoint_file: audit.checkpoints\n"
                   "  signing_key_file: /run/secrets/audit-key\n"
                   "retention:\n"
                   "  incidents: 90d\n"
                   "  interval: 30m\n"
                   "  audit:\n"
                   "    archive_dir: /var/lib/riposte/audit-archive\n"
                   "    keep: 400d\n"
                   "    segment_records: 5000\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const RetentionConfig& r = config->retention;
  EXPECT_TRUE(r.enabled);
  EXPECT_EQ(r.incidents, absl::Hours(24 * 90));
  EXPECT_EQ(r.runs, absl::Hours(24 * 90));  // defaults to incidents
  EXPECT_EQ(r.ocsf_events, absl::Hours(24 * 90));  // so does this
  EXPECT_EQ(r.interval, absl::Minutes(30));
  EXPECT_EQ(r.batch, 500);
  EXPECT_TRUE(r.audit_archiving());
  EXPECT_EQ(r.archive_dir, "/var/lib/riposte/audit-archive");
  EXPECT_EQ(r.audit_keep, absl::Hours(24 * 400));
  EXPECT_EQ(r.segment_records, 5000);
}

TEST(ParseServerConfigTest, OcsfFileSinksAreReadWithTheirLayout) {
  auto config = ParseServerConfig(
      absl::StrCat(kMinimal,
                   "ocsf:\n"
                   "  sinks:\n"
                   "    - name: lake\n"
                   "      file:\n"
                   "        dir: /var/lib/riposte/ocsf\n"
                   "        source: riposte-findings\n"
                   "        region: eu-west-1\n"
                   "        account_id: \"123456789012\"\n"
                   "        max_file_bytes: 1048576\n"
                   "        max_file_age: 1m\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->ocsf.sinks.size(), 1u);
  const OcsfSinkConfig& s = config->ocsf.sinks[0];
  EXPECT_EQ(s.name, "lake");
  EXPECT_EQ(s.file.dir, "/var/lib/riposte/ocsf");
  EXPECT_EQ(s.file.source, "riposte-findings");
  EXPECT_EQ(s.file.region, "eu-west-1");
  EXPECT_EQ(s.file.account_id, "123456789012");
  EXPECT_EQ(s.file.max_file_bytes, 1048576);
  EXPECT_EQ(s.file.max_file_age, absl::Minutes(1));
}

TEST(ParseServerConfigTest, OcsfSinkProblemsNameTheField) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "ocsf:\n"
                                  "  sinks:\n"
                                  "    - name: Lake\n"
                                  "      file: {dir: ocsf, account_id: \"12\"}\n"
                                  "    - name: siem\n"
                                  "    - name: siem\n"
                                  "      file: {dir: \"\", source: \"a/b\"}\n")),
            "riposted.yaml:5: ocsf.sinks[0].name: must be 1-40 lower-case "
            "letters, digits, '-' or '_'\n"
            "riposted.yaml:6: ocsf.sinks[0].file.account_id: must be 12 digits "
            "(an AWS account id)\n"
            "riposted.yaml:7: ocsf.sinks[1].file: required key is missing\n"
            "riposted.yaml:8: ocsf.sinks[2].name: \"siem\" names another sink "
            "too\n"
            "riposted.yaml:9: ocsf.sinks[2].file.dir: must not be empty\n"
            "riposted.yaml:9: ocsf.sinks[2].file.source: must be 1-64 letters, "
            "digits, '-' or '_' (a directory name)");
}

TEST(ParseServerConfigTest, OcsfEventsHaveTheirOwnAge) {
  auto config = ParseServerConfig(
      absl::StrCat(kMinimal, "retention:\n  incidents: 90d\n  ocsf_events: 7d\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->retention.ocsf_events, absl::Hours(24 * 7));
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "retention:\n  incidents: 90d\n"
                                  "  ocsf_events: -1d\n")),
            "riposted.yaml:5: retention.ocsf_events: must not be negative, "
            "got \"-1d\"");
}

TEST(ParseServerConfigTest, RetentionProblemsNameTheField) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "retention:\n  runs: 0\n")),
            "riposted.yaml:3: retention.incidents: required key is missing\n"
            "riposted.yaml:4: retention.runs: must be positive, got \"0\"");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "retention:\n  incidents: 90d\n"
                                  "  breaches: 30d\n  interval: 5s\n")),
            "riposted.yaml:5: retention.breaches: breaches and decisions go "
            "with their incident; set retention.incidents\n"
            "riposted.yaml:6: retention.interval: must be at least 1m, got 5s");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "retention:\n  incidents: 90d\n"
                                  "  audit:\n    archive_dir: archive\n")),
            "riposted.yaml:5: retention.audit.keep: required key is missing\n"
            "riposted.yaml:5: retention.audit: archiving the audit chain needs "
            "audit.checkpoint_file and audit.signing_key_file (or "
            "signing_key_env): each segment ends in a signed checkpoint, and "
            "verify starts from it");
}

TEST(ParseServerConfigTest, AuditProblemsNameTheField) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "audit:\n  checkpoint_file: cp\n")),
            "riposted.yaml:4: audit.checkpoint_file: needs signing_key_file "
            "(a PEM Ed25519 private key) or signing_key_env to sign the "
            "checkpoints");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "audit:\n  signing_key_env: K\n")),
            "riposted.yaml:4: audit.signing_key_env: needs checkpoint_file: "
            "where the signed checkpoints go");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "audit:\n  checkpoint_file: cp\n"
                                  "  signing_key_file: k\n"
                                  "  checkpoint_interval: 10ms\n"
                                  "  origin: riposte contoso\n")),
            "riposted.yaml:6: audit.checkpoint_interval: must be at least 1s, "
            "got 10ms\n"
            "riposted.yaml:7: audit.origin: \"riposte contoso\" must be "
            "printable, without spaces or '+' (e.g. riposte/contoso)");
  const std::string inline_key =
      ErrorsOf(absl::StrCat(kMinimal, "audit:\n  signing_key: s3cr3t\n"));
  EXPECT_THAT(inline_key, HasSubstr("'signing_key' in 'audit': secrets come from "
                                     "signing_key_file or signing_key_env"));
  EXPECT_THAT(inline_key, ::testing::Not(HasSubstr("s3cr3t")));
}

TEST(ParseServerConfigTest, LogLevelAndDataDir) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "log:\n  level: verbose\n")),
            "riposted.yaml:4: log.level: unknown level \"verbose\" (allowed: "
            "debug, info, warn, error)");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "data_dir: \"\"\n")),
            "riposted.yaml:3: data_dir: must not be empty");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "data_dir:\n")),
            "riposted.yaml:3: data_dir: expected a string, got nothing (null)");
}

TEST(ParseServerConfigTest, GrpcListenAcceptsHostPortForms) {
  for (const char* listen :
       {"127.0.0.1:50051", "0.0.0.0:0", "localhost:65535",
        "riposte-1.internal.example.com:8443", "[::1]:50051", "[::]:0",
        "[fe80::1%eth0]:9000", "[::ffff:10.0.0.1]:1"}) {
    // Off loopback, TLS is required (see GrpcTransportSecurityTest).
    absl::StatusOr<ServerConfig> config = ParseServerConfig(
        absl::StrCat(kMinimal, "grpc:\n  listen: \"", listen, "\"\n",
                     "  tls: {cert_file: c.pem, key_file: k.pem}\n"
                     "auth: {tokens_file: t.yaml}\n"),
        "riposted.yaml");
    EXPECT_TRUE(config.ok()) << listen << ": " << config.status();
    if (config.ok()) {
      EXPECT_EQ(config->grpc_listen, listen);
    }
  }
}

TEST(ParseServerConfigTest, GrpcListenRejectsOtherForms) {
  struct Case {
    const char* listen;
    const char* message;
  };
  const Case cases[] = {
      {"localhost",
       "\"localhost\" is not host:port (e.g. 127.0.0.1:50051 or "
       "[::1]:50051)"},
      {"127.0.0.1:70000",
       "\"127.0.0.1:70000\": port \"70000\" is not a number from 0 to 65535"},
      {"127.0.0.1:", "\"127.0.0.1:\": port \"\" is not a number from 0 to "
                     "65535"},
      {"127.0.0.1:-1", "\"127.0.0.1:-1\": port \"-1\" is not a number from 0 "
                       "to 65535"},
      {"127.0.0.1:123456", "\"127.0.0.1:123456\": port \"123456\" is not a "
                           "number from 0 to 65535"},
      {":50051", "\":50051\" has no host; use 0.0.0.0 for every interface or "
                 "127.0.0.1 for loopback only"},
      {"::1:50051", "\"::1:50051\": IPv6 addresses must be in brackets (e.g. "
                    "127.0.0.1:50051 or [::1]:50051)"},
      {"[::1:50051", "\"[::1:50051\" is missing the ']' that closes the IPv6 "
                     "address (e.g. 127.0.0.1:50051 or [::1]:50051)"},
      {"[::1]", "\"[::1]\" has no port after ']' (e.g. 127.0.0.1:50051 or "
                "[::1]:50051)"},
      {"[localhost]:1", "\"[localhost]:1\": only IPv6 addresses go in "
                        "brackets (e.g. 127.0.0.1:50051 or [::1]:50051)"},
      {"bad host:1", "\"bad host:1\" has an invalid host name (e.g. "
                     "127.0.0.1:50051 or [::1]:50051)"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "grpc:\n  listen: \"", c.listen,
                                    "\"\n")),
              absl::StrCat("riposted.yaml:4: grpc.listen: ", c.message))
        << c.listen;
  }
}

TEST(ParseServerConfigTest, GrpcMessageSizeMustFitTheLargestBreach) {
  // 262144 + 4096 = 266240 is the least that fits the default breach limit.
  EXPECT_TRUE(ParseServerConfig(absl::StrCat(kMinimal,
                                             "grpc:\n"
                                             "  max_receive_message_bytes: "
                                             "266240\n"),
                                "riposted.yaml")
                  .ok());
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "grpc:\n"
                                  "  max_receive_message_bytes: 266239\n")),
            "riposted.yaml:4: grpc.max_receive_message_bytes: must be at "
            "least intake.max_breach_bytes + 4096 = 266240, got 266239");
  // Only the breach limit given: blame it.
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "intake:\n"
                                  "  max_breach_bytes: 8388608\n")),
            "riposted.yaml:4: intake.max_breach_bytes: 8388608 + 4096 bytes "
            "of headroom exceeds grpc.max_receive_message_bytes (4194304); "
            "raise that too");
  // gRPC takes the limit as an int.
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "grpc:\n"
                                  "  max_receive_message_bytes: 2147483648\n")),
            "riposted.yaml:4: grpc.max_receive_message_bytes: must be between "
            "1 and 2147483647, got 2147483648");
}

TEST(ParseServerConfigTest, ReportsAllErrorsAtOnce) {
  std::string errors = ErrorsOf(
      "grpc:\n"
      "  listen: nowhere\n"
      "store:\n"
      "  engine: postgres\n"
      "log:\n"
      "  level: loud\n"
      "shutdown:\n"
      "  grace: soon\n"
      "extra: 1\n");
  EXPECT_EQ(errors,
            "riposted.yaml:1: tenants: required key is missing\n"
            "riposted.yaml:2: grpc.listen: \"nowhere\" is not host:port (e.g. "
            "127.0.0.1:50051 or [::1]:50051)\n"
            "riposted.yaml:4: store.engine: \"postgres\" needs a "
            "store.postgres section naming the connection string (dsn_file "
            "or dsn_env)\n"
            "riposted.yaml:6: log.level: unknown level \"loud\" (allowed: "
            "debug, info, warn, error)\n"
            "riposted.yaml:8: shutdown.grace: bad duration \"soon\" (use e.g. "
            "30s, 5m, 24h)\n"
            "riposted.yaml:9: unknown key 'extra' at the top level (allowed: "
            "grpc, data_dir, store, tenants, correlation, intake, log, "
            "policy, metrics, shutdown, execution, auth, audit, ocsf, retention)");
}

}  // namespace
}  // namespace riposte::config

namespace riposte::config {
namespace {

TEST(ParseServerConfigPolicyTest, PolicyPathIsOptionalButNeverEmpty) {
  auto without = ParseServerConfig(kMinimal, "m.yaml");
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ(without->policy_path, "");
  auto with = ParseServerConfig(
      absl::StrCat(kMinimal, "policy:\n  path: /etc/riposte/policies\n"),
      "m.yaml");
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_EQ(with->policy_path, "/etc/riposte/policies");
  EXPECT_THAT(ErrorsOf(absl::StrCat(kMinimal, "policy:\n  path: \"\"\n")),
              ::testing::HasSubstr("policy.path: must not be empty"));
  EXPECT_EQ(DefaultServerConfig().policy_path, "policies/library");
}

}  // namespace
}  // namespace riposte::config

namespace riposte::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::AllOf;

constexpr char kFullTenant[] =
    "tenants:\n"                                                      // 1
    "  - id: contoso\n"                                               // 2
    "    display_name: Contoso Ltd\n"                                 // 3
    "    graph:\n"                                                    // 4
    "      directory_tenant: contoso.onmicrosoft.com\n"               // 5
    "      client_id: 00000000-0000-0000-0000-000000000000\n"         // 6
    "      client_secret_file: /run/secrets/graph-client-secret\n"    // 7
    "      login_base_url: https://login.microsoftonline.com/\n"      // 8
    "      graph_base_url: https://graph.microsoft.com/beta\n"        // 9
    "      quarantine_folder: Quarantined by Riposte\n"               // 10
    "    gateway:\n"                                                  // 11
    "      base_url: https://gateway.example.com/api/\n"              // 12
    "      client_id: riposte-app\n"                                  // 13
    "      client_secret_env: RIPOSTE_GATEWAY_SECRET\n"               // 14
    "    webhooks:\n"                                                 // 15
    "      - name: soar\n"                                            // 16
    "        url: https://soar.example.com/hooks/riposte?team=sec\n"  // 17
    "        method: PUT\n"                                           // 18
    "        headers: {X-Source: riposte, X-Team: blue}\n"            // 19
    "        body_template: "
    "'{\"action\":\"{{action}}\",\"target\":\"{{target}}\"}'\n"       // 20
    "        success_codes: [200, 202]\n"                             // 21
    "        hmac_secret_file: /run/secrets/soar-hmac\n"              // 22
    "        signature_header: X-Soar-Signature\n"                    // 23
    "        revert: true\n"                                          // 24
    "      - name: chat-2\n"                                          // 25
    "        url: http://127.0.0.1:8080/notify\n"                     // 26
    "        body_template: '{\"text\":\"{{narrative}}\"}'\n"          // 27
    "    routes:\n"                                                   // 28
    "      disable_user: graph\n"                                     // 29
    "      quarantine_email: gateway\n"                               // 30
    "      notify: webhook:soar\n";                                   // 31

TEST(AdapterConfigTest, ReadsGraphGatewayWebhooksAndRoutes) {
  absl::StatusOr<ServerConfig> config =
      ParseServerConfig(kFullTenant, "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->tenants.size(), 1u);
  const TenantConfig& t = config->tenants[0];

  EXPECT_TRUE(t.graph.enabled);
  EXPECT_EQ(t.graph.directory_tenant, "contoso.onmicrosoft.com");
  EXPECT_EQ(t.graph.client_id, "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(t.graph.client_secret.file, "/run/secrets/graph-client-secret");
  EXPECT_EQ(t.graph.client_secret.env, "");
  // Base URLs lose their trailing '/', so paths can be appended.
  EXPECT_EQ(t.graph.login_base_url, "https://login.microsoftonline.com");
  EXPECT_EQ(t.graph.graph_base_url, "https://graph.microsoft.com/beta");
  EXPECT_EQ(t.graph.quarantine_folder, "Quarantined by Riposte");

  EXPECT_TRUE(t.gateway.enabled);
  EXPECT_EQ(t.gateway.base_url, "https://gateway.example.com/api");
  EXPECT_EQ(t.gateway.client_id, "riposte-app");
  EXPECT_EQ(t.gateway.client_secret.file, "");
  EXPECT_EQ(t.gateway.client_secret.env, "RIPOSTE_GATEWAY_SECRET");

  ASSERT_EQ(t.webhooks.size(), 2u);
  const WebhookConfig& soar = t.webhooks[0];
  EXPECT_EQ(soar.name, "soar");
  EXPECT_EQ(soar.url, "https://soar.example.com/hooks/riposte?team=sec");
  EXPECT_EQ(soar.method, "PUT");
  EXPECT_EQ(soar.headers,
            (std::map<std::string, std::string>{{"X-Source", "riposte"},
                                                {"X-Team", "blue"}}));
  EXPECT_EQ(soar.body_template,
            "{\"action\":\"{{action}}\",\"target\":\"{{target}}\"}");
  EXPECT_EQ(soar.success_codes, (std::vector<int>{200, 202}));
  EXPECT_EQ(soar.hmac_secret.file, "/run/secrets/soar-hmac");
  EXPECT_EQ(soar.signature_header, "X-Soar-Signature");
  EXPECT_TRUE(soar.revert);

  // Defaults.
  const WebhookConfig& chat = t.webhooks[1];
  EXPECT_EQ(chat.name, "chat-2");
  EXPECT_EQ(chat.url, "http://127.0.0.1:8080/notify");
  EXPECT_EQ(chat.method, "POST");
  EXPECT_TRUE(chat.headers.empty());
  EXPECT_EQ(chat.body_template, "{\"text\":\"{{narrative}}\"}");
  EXPECT_EQ(chat.success_codes, (std::vector<int>{200, 201, 202, 204}));
  EXPECT_TRUE(chat.hmac_secret.empty());
  EXPECT_EQ(chat.signature_header, "Riposte-Signature");
  EXPECT_FALSE(chat.revert);

  EXPECT_EQ(t.routes, (std::map<std::string, std::string>{
                          {"disable_user", "graph"},
                          {"quarantine_email", "gateway"},
                          {"notify", "webhook:soar"}}));
  EXPECT_EQ(t.FindWebhook("chat-2"), &t.webhooks[1]);
  EXPECT_EQ(t.FindWebhook("nope"), nullptr);
}

TEST(AdapterConfigTest, DefaultsWhenLeftOut) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      "tenants:\n"
      "  - id: a\n"
      "    graph:\n"
      "      directory_tenant: 72f988bf-86f1-41af-91ab-2d7cd011db47\n"
      "      client_id: c\n"
      "      client_secret_env: GRAPH_SECRET\n"
      "  - id: b\n",
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const GraphConfig& graph = config->tenants[0].graph;
  EXPECT_TRUE(graph.enabled);
  EXPECT_EQ(graph.client_secret.env, "GRAPH_SECRET");
  EXPECT_EQ(graph.cloud, "global");
  EXPECT_EQ(graph.login_base_url, "https://login.microsoftonline.com");
  EXPECT_EQ(graph.graph_base_url, "https://graph.microsoft.com/v1.0");
  EXPECT_EQ(graph.scope, "https://graph.microsoft.com/.default");
  EXPECT_EQ(graph.quarantine_folder, "Riposte Quarantine");
  EXPECT_EQ(graph.batch_window, absl::Milliseconds(5));
  EXPECT_EQ(graph.max_batch_requests, 20);
  EXPECT_EQ(graph.mailbox_concurrency, 4);
  EXPECT_FALSE(config->tenants[0].gateway.enabled);
  const TenantConfig& b = config->tenants[1];
  EXPECT_FALSE(b.graph.enabled);
  EXPECT_FALSE(b.gateway.enabled);
  EXPECT_TRUE(b.webhooks.empty());
  EXPECT_TRUE(b.routes.empty());
}

// A tenant's graph section with `extra` appended (each line indented).
std::string GraphTenant(const std::string& extra) {
  return absl::StrCat(
      "tenants:\n"                                        // 1
      "  - id: t\n"                                       // 2
      "    graph:\n"                                      // 3
      "      directory_tenant: contoso.onmicrosoft.us\n"  // 4
      "      client_id: c\n"                              // 5
      "      client_secret_env: GRAPH_SECRET\n",          // 6
      extra);
}

TEST(AdapterConfigTest, CloudSetsLoginGraphAndScope) {
  struct Case {
    const char* cloud;
    const char* login;
    const char* graph;
    const char* scope;
  };
  for (const Case& c :
       {Case{"global", "https://login.microsoftonline.com",
             "https://graph.microsoft.com/v1.0",
             "https://graph.microsoft.com/.default"},
        Case{"usgov", "https://login.microsoftonline.us",
             "https://graph.microsoft.us/v1.0",
             "https://graph.microsoft.us/.default"},
        Case{"usgov-dod", "https://login.microsoftonline.us",
             "https://dod-graph.microsoft.us/v1.0",
             "https://dod-graph.microsoft.us/.default"},
        Case{"china", "https://login.chinacloudapi.cn",
             "https://microsoftgraph.chinacloudapi.cn/v1.0",
             "https://microsoftgraph.chinacloudapi.cn/.default"}}) {
    SCOPED_TRACE(c.cloud);
    absl::StatusOr<ServerConfig> config = ParseServerConfig(
        GraphTenant(absl::StrCat("      cloud: ", c.cloud, "\n")),
        "riposted.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    const GraphConfig& graph = config->tenants[0].graph;
    EXPECT_EQ(graph.cloud, c.cloud);
    EXPECT_EQ(graph.login_base_url, c.login);
    EXPECT_EQ(graph.graph_base_url, c.graph);
    EXPECT_EQ(graph.scope, c.scope);
  }
}

// A test double stands in for the cloud's hosts but keeps its audience;
// the order of the keys does not matter.
TEST(AdapterConfigTest, UrlsAndScopeOverrideTheCloud) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      GraphTenant("      login_base_url: http://127.0.0.1:8080/login/\n"
                  "      graph_base_url: http://127.0.0.1:8080/graph/v1.0\n"
                  "      cloud: usgov\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const GraphConfig& graph = config->tenants[0].graph;
  EXPECT_EQ(graph.cloud, "usgov");
  EXPECT_EQ(graph.login_base_url, "http://127.0.0.1:8080/login");
  EXPECT_EQ(graph.graph_base_url, "http://127.0.0.1:8080/graph/v1.0");
  EXPECT_EQ(graph.scope, "https://graph.microsoft.us/.default");

  config = ParseServerConfig(
      GraphTenant("      cloud: usgov-dod\n"
                  "      scope: 00000003-0000-0000-c000-000000000000/.default\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tenants[0].graph.graph_base_url,
            "https://dod-graph.microsoft.us/v1.0");
  EXPECT_EQ(config->tenants[0].graph.scope,
            "00000003-0000-0000-c000-000000000000/.default");
}

TEST(AdapterConfigTest, UnknownCloudAndBadScopeNameFileLineAndField) {
  EXPECT_EQ(ErrorsOf(GraphTenant("      cloud: gcc-high\n")),
            "riposted.yaml:7: tenants[0].graph.cloud: unknown cloud "
            "\"gcc-high\" (allowed: global, usgov, usgov-dod, china)");
  EXPECT_EQ(ErrorsOf(GraphTenant("      cloud: USGov\n")),
            "riposted.yaml:7: tenants[0].graph.cloud: unknown cloud "
            "\"USGov\" (allowed: global, usgov, usgov-dod, china)");
  EXPECT_THAT(ErrorsOf(GraphTenant("      cloud: [usgov]\n")),
              HasSubstr("riposted.yaml:7: tenants[0].graph.cloud: "));
  EXPECT_THAT(ErrorsOf(GraphTenant("      scope: User.Read\n")),
              HasSubstr("riposted.yaml:7: tenants[0].graph.scope: must be "
                        "the Graph resource followed by /.default"));
  EXPECT_THAT(ErrorsOf(GraphTenant("      scope: \"\"\n")),
              HasSubstr("riposted.yaml:7: tenants[0].graph.scope: must not be "
                        "empty"));
}

TEST(AdapterConfigTest, SampleTenantHasNoAdapterSoItRunsOffline) {
  ServerConfig defaults = DefaultServerConfig();
  ASSERT_EQ(defaults.tenants.size(), 1u);
  const TenantConfig& contoso = defaults.tenants[0];
  EXPECT_FALSE(contoso.graph.enabled);
  EXPECT_FALSE(contoso.gateway.enabled);
  EXPECT_TRUE(contoso.webhooks.empty());
  EXPECT_TRUE(contoso.routes.empty());
}

// The commented-out example tenant in riposted.yaml, uncommented, is valid:
// the documentation cannot drift from the parser.
TEST(AdapterConfigTest, CommentedExampleInTheSampleFileIsValid) {
  std::string text(EmbeddedServerConfigYaml());
  const std::string marker = "A tenant with every adapter looks like this:";
  size_t at = text.find(marker);
  ASSERT_NE(at, std::string::npos);
  at = text.find('\n', at) + 1;
  std::string yaml = "tenants:\n  - id: contoso\n";
  int lines = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line == "    #") {
      yaml += "\n";
      continue;
    }
    if (line.rfind("    # ", 0) != 0) break;
    yaml += "    " + line.substr(6) + "\n";
    ++lines;
  }
  ASSERT_GT(lines, 20);
  absl::StatusOr<ServerConfig> config = ParseServerConfig(yaml, "example");
  ASSERT_TRUE(config.ok()) << config.status() << "\n" << yaml;
  const TenantConfig& t = config->tenants[0];
  EXPECT_TRUE(t.graph.enabled);
  EXPECT_TRUE(t.gateway.enabled);
  ASSERT_EQ(t.webhooks.size(), 1u);
  EXPECT_TRUE(t.webhooks[0].revert);
  EXPECT_EQ(t.routes.at("notify"), "webhook:soar");
}

TEST(AdapterConfigTest, SecretFilesAreNotReadWhileParsing) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      "tenants:\n"
      "  - id: t\n"
      "    graph:\n"
      "      directory_tenant: d\n"
      "      client_id: c\n"
      "      client_secret_file: /nonexistent/riposte/secret\n"
      "    gateway:\n"
      "      base_url: https://g.example.com\n"
      "      client_id: c\n"
      "      client_secret_env: RIPOSTE_TEST_VARIABLE_THAT_IS_NOT_SET\n",
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tenants[0].graph.client_secret.file,
            "/nonexistent/riposte/secret");
}

TEST(AdapterConfigTest, InlineSecretsAreRefusedWithoutEchoingThem) {
  std::string errors = ErrorsOf(
      "tenants:\n"                                // 1
      "  - id: t\n"                               // 2
      "    graph:\n"                              // 3
      "      directory_tenant: d\n"               // 4
      "      client_id: c\n"                      // 5
      "      client_secret: hunter2\n"            // 6
      "    gateway:\n"                            // 7
      "      base_url: https://g.example.com\n"   // 8
      "      client_id: c\n"                      // 9
      "      client_secret_env: S\n"              // 10
      "      client_secret: hunter3\n"            // 11
      "    webhooks:\n"                           // 12
      "      - name: w\n"                         // 13
      "        url: https://w.example.com/\n"     // 14
      "        hmac_secret: hunter4\n"            // 15
      "        body_template: '{}'\n");            // 16
  EXPECT_EQ(errors,
            "riposted.yaml:3: tenants[0].graph.client_secret: required: set "
            "client_secret_file (a file holding the secret) or "
            "client_secret_env (an environment variable holding it)\n"
            "riposted.yaml:6: unknown key 'client_secret' in "
            "'tenants[0].graph': secrets come from client_secret_file or "
            "client_secret_env, never from the config file\n"
            "riposted.yaml:11: unknown key 'client_secret' in "
            "'tenants[0].gateway': secrets come from client_secret_file or "
            "client_secret_env, never from the config file\n"
            "riposted.yaml:15: unknown key 'hmac_secret' in "
            "'tenants[0].webhooks[0]': secrets come from hmac_secret_file or "
            "hmac_secret_env, never from the config file");
  EXPECT_THAT(errors, Not(HasSubstr("hunter")));
}

TEST(AdapterConfigTest, UnknownKeysListTheSecretKeysNotTheInlineOne) {
  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: t\n"
                     "    graph:\n"
                     "      enabled: false\n"
                     "      tenant: x\n"),
            "riposted.yaml:5: unknown key 'tenant' in 'tenants[0].graph' "
            "(allowed: enabled, directory_tenant, client_id, "
            "client_secret_file, client_secret_env, cloud, login_base_url, "
            "graph_base_url, scope, quarantine_folder, batch_window, "
            "max_batch_requests, mailbox_concurrency)");
  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: t\n"
                     "    webhooks:\n"
                     "      - name: w\n"
                     "        url: https://w.example.com\n"
                     "        secret: x\n"
                     "        body_template: '{}'\n"),
            "riposted.yaml:6: unknown key 'secret' in 'tenants[0].webhooks[0]' "
            "(allowed: name, method, url, headers, body_template, "
            "success_codes, hmac_secret_file, hmac_secret_env, "
            "signature_header, revert)");
}

TEST(AdapterConfigTest, SecretMustComeFromExactlyOnePlace) {
  EXPECT_EQ(ErrorsOf("tenants:\n"                                // 1
                     "  - id: t\n"                               // 2
                     "    graph:\n"                              // 3
                     "      directory_tenant: d\n"               // 4
                     "      client_id: c\n"                      // 5
                     "      client_secret_file: /run/s\n"        // 6
                     "      client_secret_env: S\n"              // 7
                     "    gateway:\n"                            // 8
                     "      base_url: https://g.example.com\n"   // 9
                     "      client_id: c\n"                      // 10
                     "      client_secret_env: 1BAD-NAME\n"      // 11
                     "    webhooks:\n"                           // 12
                     "      - name: w\n"                         // 13
                     "        url: https://w.example.com\n"      // 14
                     "        hmac_secret_file: \"\"\n"         // 15
                     "        body_template: '{}'\n"),
            "riposted.yaml:7: tenants[0].graph.client_secret_env: give "
            "either client_secret_file or client_secret_env, not both\n"
            "riposted.yaml:11: tenants[0].gateway.client_secret_env: "
            "\"1BAD-NAME\" is not an environment variable name (letters, "
            "digits and '_', not starting with a digit)\n"
            "riposted.yaml:15: tenants[0].webhooks[0].hmac_secret_file: must "
            "not be empty");
}

TEST(AdapterConfigTest, RequiredKeysOfEnabledSections) {
  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: t\n"
                     "    graph:\n"
                     "    gateway: {}\n"),
            "riposted.yaml:3: tenants[0].graph.directory_tenant: required key "
            "is missing\n"
            "riposted.yaml:3: tenants[0].graph.client_id: required key is "
            "missing\n"
            "riposted.yaml:3: tenants[0].graph.client_secret: required: set "
            "client_secret_file (a file holding the secret) or "
            "client_secret_env (an environment variable holding it)\n"
            "riposted.yaml:4: tenants[0].gateway.base_url: required key is "
            "missing\n"
            "riposted.yaml:4: tenants[0].gateway.client_id: required key is "
            "missing\n"
            "riposted.yaml:4: tenants[0].gateway.client_secret: required: set "
            "client_secret_file (a file holding the secret) or "
            "client_secret_env (an environment variable holding it)");
  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: t\n"
                     "    graph: yes\n"
                     "    gateway:\n"
                     "      enabled: maybe\n"
                     "    webhooks: {}\n"),
            "riposted.yaml:3: tenants[0].graph: expected a map of keys, got a "
            "scalar\n"
            "riposted.yaml:5: tenants[0].gateway.enabled: expected true or "
            "false, got \"maybe\"\n"
            "riposted.yaml:6: tenants[0].webhooks: expected a sequence (a "
            "list of '- ' items), got a map");
  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: t\n"
                     "    graph:\n"
                     "      directory_tenant: contoso.com/evil\n"
                     "      client_id: \"\"\n"
                     "      client_secret_env: S\n"
                     "      quarantine_folder: \"\"\n"),
            "riposted.yaml:4: tenants[0].graph.directory_tenant: must be the "
            "Entra tenant id (a GUID) or one of its domains, e.g. "
            "contoso.onmicrosoft.com\n"
            "riposted.yaml:5: tenants[0].graph.client_id: must not be empty\n"
            "riposted.yaml:7: tenants[0].graph.quarantine_folder: must not be "
            "empty");
  const std::string graph =
      "tenants:\n"
      "  - id: t\n"
      "    graph:\n"
      "      directory_tenant: contoso.com\n"
      "      client_id: c\n"
      "      client_secret_env: S\n";
  EXPECT_EQ(ErrorsOf(graph + "      quarantine_folder: \"Riposte\\0\\e[8m\"\n"),
            "riposted.yaml:7: tenants[0].graph.quarantine_folder: must not "
            "contain NUL (at byte 7)");
  EXPECT_EQ(ErrorsOf(graph +
                     "      max_batch_requests: 21\n"
                     "      mailbox_concurrency: 0\n"),
            "riposted.yaml:7: tenants[0].graph.max_batch_requests: must be between 1 "
            "and 20, got 21\n"
            "riposted.yaml:8: tenants[0].graph.mailbox_concurrency: must be between 1 "
            "and 4, got 0");
}

TEST(AdapterConfigTest, DisabledSectionsRequireNothingButAreStillChecked) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      "tenants:\n"
      "  - id: t\n"
      "    graph:\n"
      "      enabled: false\n"
      "      client_id: kept-for-later\n"
      "    gateway:\n"
      "      enabled: false\n",
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->tenants[0].graph.enabled);
  EXPECT_EQ(config->tenants[0].graph.client_id, "kept-for-later");
  EXPECT_FALSE(config->tenants[0].gateway.enabled);

  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: t\n"
                     "    graph:\n"
                     "      enabled: false\n"
                     "      graph_base_url: http://graph.example.com\n"
                     "    routes:\n"
                     "      disable_user: graph\n"),
            "riposted.yaml:5: tenants[0].graph.graph_base_url: uses plain "
            "http://, which is allowed only for loopback hosts (127.0.0.1, "
            "localhost, [::1]): a secret must not travel in clear; use "
            "https://\n"
            "riposted.yaml:7: tenants[0].routes.disable_user: \"graph\" is not "
            "configured for this tenant (add a graph: section, or enable it)");
}

std::string GatewayWithUrl(const std::string& url) {
  return absl::StrCat(
      "tenants:\n"
      "  - id: t\n"
      "    gateway:\n"
      "      base_url: \"",
      url,
      "\"\n"
      "      client_id: c\n"
      "      client_secret_env: S\n");
}

TEST(AdapterConfigTest, UrlsMustBeHttpsExceptOnLoopback) {
  struct Case {
    const char* url;
    const char* message;
  };
  const char kPlainHttp[] =
      "uses plain http://, which is allowed only for loopback hosts "
      "(127.0.0.1, localhost, [::1]): a secret must not travel in clear; use "
      "https://";
  const char kScheme[] =
      "must start with https:// (or http:// for a loopback host)";
  const Case cases[] = {
      {"", "must not be empty"},
      {"gateway.example.com", kScheme},
      {"ftp://gateway.example.com", kScheme},
      {"HTTPS://gateway.example.com", kScheme},
      {"https://", "has no valid host name"},
      {"https:///api", "has no valid host name"},
      {"https://bad_host!/", "has no valid host name"},
      {"https://[::1/x", "has no valid host name"},
      {"https://user:hunter2@gateway.example.com",
       "must not contain credentials (user:password@host); secrets come from "
       "*_file or *_env keys"},
      {"https://gateway.example.com:0", "has a bad port (1 to 65535)"},
      {"https://gateway.example.com:99999", "has a bad port (1 to 65535)"},
      {"https://gateway.example.com:", "has a bad port (1 to 65535)"},
      {"https://gateway.example.com/a b",
       "must not contain spaces, control or non-ASCII characters "
       "(percent-encode them)"},
      {"http://gateway.example.com", kPlainHttp},
      {"http://10.0.0.1:8080/api", kPlainHttp},
      {"http://127.0.0.2/", kPlainHttp},
      {"http://localhost.example.com/", kPlainHttp},
      {"https://gateway.example.com/api?key=1",
       "must not have a query (?...): paths are appended to it"},
      {"https://gateway.example.com/api#top",
       "must not have a fragment (#...)"},
  };
  for (const Case& c : cases) {
    std::string errors = ErrorsOf(GatewayWithUrl(c.url));
    EXPECT_EQ(errors, absl::StrCat("riposted.yaml:4: tenants[0].gateway."
                                   "base_url: ",
                                   c.message))
        << c.url;
    EXPECT_THAT(errors, Not(HasSubstr("hunter2")));
  }
  struct Good {
    const char* url;
    const char* stored;
  };
  for (const Good& g :
       {Good{"https://gateway.example.com", "https://gateway.example.com"},
        Good{"https://gateway.example.com:8443/api/v2/",
             "https://gateway.example.com:8443/api/v2"},
        Good{"https://10.1.2.3/", "https://10.1.2.3"},
        Good{"http://127.0.0.1:8080/api/", "http://127.0.0.1:8080/api"},
        Good{"http://localhost:9", "http://localhost:9"},
        Good{"http://LOCALHOST/x", "http://LOCALHOST/x"},
        Good{"http://[::1]:9/", "http://[::1]:9"}}) {
    absl::StatusOr<ServerConfig> config =
        ParseServerConfig(GatewayWithUrl(g.url), "riposted.yaml");
    ASSERT_TRUE(config.ok()) << g.url << ": " << config.status();
    EXPECT_EQ(config->tenants[0].gateway.base_url, g.stored);
  }
  // A webhook URL is a whole endpoint: it may carry a query.
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      "tenants:\n"
      "  - id: t\n"
      "    webhooks:\n"
      "      - name: w\n"
      "        url: https://hooks.example.com/x?channel=sec&v=2\n"
      "        body_template: '{}'\n",
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tenants[0].webhooks[0].url,
            "https://hooks.example.com/x?channel=sec&v=2");
  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: t\n"
                     "    webhooks:\n"
                     "      - name: w\n"
                     "        url: http://hooks.example.com/x\n"
                     "        body_template: '{}'\n"),
            absl::StrCat("riposted.yaml:5: tenants[0].webhooks[0].url: ",
                         kPlainHttp));
}

// What --check-config accepts, start-up accepts: the webhook adapter
// carries a JSON body, so only methods with a body, JSON content types,
// 2xx success codes and headers Riposte does not set itself.
TEST(AdapterConfigTest, WebhookChecksAgreeWithStartUp) {
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    EXPECT_TRUE(ParseServerConfig(absl::StrCat("tenants:\n"
                                               "  - id: t\n"
                                               "    webhooks:\n"
                                               "      - name: a\n"
                                               "        url: https://a.example.com\n"
                                               "        method: ", method, "\n"
                                               "        body_template: '{}'\n"),
                                  "riposted.yaml")
                    .ok())
        << method;
  }
  EXPECT_EQ(
      ErrorsOf("tenants:\n"                                        // 1
               "  - id: t\n"                                       // 2
               "    webhooks:\n"                                   // 3
               "      - name: a\n"                                 // 4
               "        url: https://a.example.com\n"              // 5
               "        method: GET\n"                             // 6
               "      - name: b\n"                                 // 7
               "        url: https://b.example.com\n"              // 8
               "        method: DELETE\n"                          // 9
               "        headers:\n"                                // 10
               "          Content-Type: text/plain\n"              // 11
               "          idempotency-key: fixed\n"                // 12
               "          X-Sig: v\n"                              // 13
               "        success_codes: [200, 302]\n"               // 14
               "        signature_header: x-sig\n"                 // 15
               "      - name: c\n"                                 // 16
               "        url: https://c.example.com\n"              // 17
               "        headers:\n"                                // 18
               "          Content-Type: application/cloudevents+json; "
               "charset=utf-8\n"                                   // 19
               "          Riposte-Signature: forged\n"),           // 20
      "riposted.yaml:4: tenants[0].webhooks[0].body_template: required key "
      "is missing\n"
      "riposted.yaml:6: tenants[0].webhooks[0].method: unknown method "
      "\"GET\" (allowed: POST, PUT, PATCH)\n"
      "riposted.yaml:7: tenants[0].webhooks[1].body_template: required key "
      "is missing\n"
      "riposted.yaml:9: tenants[0].webhooks[1].method: unknown method "
      "\"DELETE\" (allowed: POST, PUT, PATCH)\n"
      "riposted.yaml:11: tenants[0].webhooks[1].headers.Content-Type: must be "
      "application/json or a +json type: the body is JSON\n"
      "riposted.yaml:12: tenants[0].webhooks[1].headers.idempotency-key: is "
      "set by Riposte; leave it out\n"
      "riposted.yaml:13: tenants[0].webhooks[1].headers.X-Sig: is the "
      "signature_header, set by Riposte; leave it out\n"
      "riposted.yaml:14: tenants[0].webhooks[1].success_codes[1]: must be "
      "between 200 and 299, got 302\n"
      "riposted.yaml:16: tenants[0].webhooks[2].body_template: required key "
      "is missing\n"
      "riposted.yaml:20: tenants[0].webhooks[2].headers.Riposte-Signature: is "
      "the signature_header, set by Riposte; leave it out");
  // Templates the adapter would refuse at start-up.
  EXPECT_THAT(ErrorsOf("tenants:\n"
                       "  - id: t\n"
                       "    webhooks:\n"
                       "      - name: a\n"
                       "        url: https://a.example.com\n"
                       "        body_template: '{\"a\":{{action}}}'\n"
                       "      - name: b\n"
                       "        url: https://b.example.com\n"
                       "        body_template: '{\"a\":\"{{actoin}}\"}'\n"),
              AllOf(HasSubstr("riposted.yaml:6: tenants[0].webhooks[0].body_template: "
                              "not valid JSON once filled"),
                    HasSubstr("riposted.yaml:9: tenants[0].webhooks[1].body_template: "
                              "unknown placeholder \"{{actoin}}\"")));
}

// Every call carries a JSON body and nothing else says what it holds, so a
// webhook without a body template is refused here, at its line, not only
// when riposted starts.
TEST(AdapterConfigTest, WebhookNeedsABodyTemplate) {
  EXPECT_EQ(ErrorsOf("tenants:\n"                           // 1
                     "  - id: t\n"                          // 2
                     "    webhooks:\n"                      // 3
                     "      - name: soar\n"                 // 4
                     "        url: https://a.example.com\n" // 5
                     "      - name: chat\n"                 // 6
                     "        url: https://b.example.com\n" // 7
                     "        body_template: ''\n"),        // 8
            "riposted.yaml:4: tenants[0].webhooks[0].body_template: required "
            "key is missing\n"
            "riposted.yaml:8: tenants[0].webhooks[1].body_template: not valid "
            "JSON once filled (placeholders belong inside quotes): JSON: "
            "syntax error while parsing value - unexpected end of input; "
            "expected '[', '{', or a literal at byte 0");
}

TEST(AdapterConfigTest, WebhookProblems) {
  EXPECT_EQ(
      ErrorsOf("tenants:\n"                                   // 1
               "  - id: t\n"                                  // 2
               "    webhooks:\n"                              // 3
               "      - name: SOAR\n"                         // 4
               "        url: https://a.example.com\n"         // 5
               "      - name: ok\n"                           // 6
               "        url: https://a.example.com\n"         // 7
               "        method: post\n"                       // 8
               "        headers:\n"                           // 9
               "          Authorization: Bearer abc\n"        // 10
               "          X-A: one\n"                         // 11
               "          x-a: two\n"                         // 12
               "          Bad Name: v\n"                      // 13
               "          X-List: [1]\n"                      // 14
               "        success_codes: [200, 700]\n"          // 15
               "        signature_header: \"X Sig\"\n"        // 16
               "      - name: ok\n"                           // 17
               "        url: https://b.example.com\n"         // 18
               "        success_codes: []\n"                  // 19
               "      - url: https://c.example.com\n"         // 20
               "      - just-a-string\n"                      // 21
               "      - name: h\n"                            // 22
               "        url: https://d.example.com\n"         // 23
               "        headers: [X-A]\n"                     // 24
               "        revert: yes\n"),                      // 25
      "riposted.yaml:4: tenants[0].webhooks[0].name: \"SOAR\" may only "
      "contain lowercase letters, digits and '-'\n"
      "riposted.yaml:4: tenants[0].webhooks[0].body_template: required key "
      "is missing\n"
      "riposted.yaml:6: tenants[0].webhooks[1].body_template: required key "
      "is missing\n"
      "riposted.yaml:8: tenants[0].webhooks[1].method: unknown method "
      "\"post\" (allowed: POST, PUT, PATCH)\n"
      "riposted.yaml:10: tenants[0].webhooks[1].headers.Authorization: would "
      "put a credential in the config file; sign requests with "
      "hmac_secret_file or hmac_secret_env instead\n"
      "riposted.yaml:12: tenants[0].webhooks[1].headers.x-a: duplicate header "
      "(names ignore case; first defined at line 11)\n"
      "riposted.yaml:13: tenants[0].webhooks[1].headers.Bad Name: is not a "
      "valid header name (letters, digits and !#$%&'*+-.^_`|~)\n"
      "riposted.yaml:14: tenants[0].webhooks[1].headers.X-List: expected a "
      "string, got a sequence\n"
      "riposted.yaml:15: tenants[0].webhooks[1].success_codes[1]: must be "
      "between 200 and 299, got 700\n"
      "riposted.yaml:16: tenants[0].webhooks[1].signature_header: must be a "
      "header name (letters, digits and !#$%&'*+-.^_`|~)\n"
      "riposted.yaml:17: tenants[0].webhooks[2].body_template: required key "
      "is missing\n"
      "riposted.yaml:17: tenants[0].webhooks[2].name: duplicate webhook name "
      "'ok' (first defined at line 6)\n"
      "riposted.yaml:19: tenants[0].webhooks[2].success_codes: must list at "
      "least one HTTP status code, e.g. [200, 202]\n"
      "riposted.yaml:20: tenants[0].webhooks[3].name: required key is "
      "missing\n"
      "riposted.yaml:20: tenants[0].webhooks[3].body_template: required key "
      "is missing\n"
      "riposted.yaml:21: tenants[0].webhooks[4]: value must be a map of keys, "
      "got a scalar\n"
      "riposted.yaml:22: tenants[0].webhooks[5].body_template: required key "
      "is missing\n"
      "riposted.yaml:24: tenants[0].webhooks[5].headers: expected a map of "
      "header names to values, got a sequence\n"
      "riposted.yaml:25: tenants[0].webhooks[5].revert: expected true or "
      "false, got \"yes\"");
  // The same name in two tenants is fine.
  EXPECT_TRUE(ParseServerConfig("tenants:\n"
                                "  - id: a\n"
                                "    webhooks:\n"
                                "      - name: soar\n"
                                "        url: https://a.example.com\n"
                                "        body_template: '{}'\n"
                                "  - id: b\n"
                                "    webhooks:\n"
                                "      - name: soar\n"
                                "        url: https://b.example.com\n"
                                "        body_template: '{}'\n",
                                "riposted.yaml")
                  .ok());
}

TEST(AdapterConfigTest, RoutesNameConfiguredAdapters) {
  EXPECT_EQ(
      ErrorsOf("tenants:\n"                                // 1
               "  - id: t\n"                               // 2
               "    gateway:\n"                            // 3
               "      enabled: false\n"                    // 4
               "    webhooks:\n"                           // 5
               "      - name: soar\n"                      // 6
               "        url: https://a.example.com\n"      // 7
               "        body_template: '{}'\n"             // 8
               "    routes:\n"                             // 9
               "      disable_user: graph\n"               // 10
               "      quarantine_email: gateway\n"         // 11
               "      notify: webhook:chat\n"              // 12
               "      force_logout: okta\n"                // 13
               "      Bad-Action: graph\n"                 // 14
               "      move_to_junk: [graph]\n"             // 15
               "      observe: webhook:soar\n"),           // 16
      "riposted.yaml:10: tenants[0].routes.disable_user: \"graph\" is not "
      "configured for this tenant (add a graph: section, or enable it)\n"
      "riposted.yaml:11: tenants[0].routes.quarantine_email: \"gateway\" is "
      "not configured for this tenant (add a gateway: section, or enable "
      "it)\n"
      "riposted.yaml:12: tenants[0].routes.notify: no webhook named \"chat\" "
      "in this tenant (webhooks: soar)\n"
      "riposted.yaml:13: tenants[0].routes.force_logout: unknown adapter "
      "\"okta\" (allowed: graph, gateway, webhook:<name>)\n"
      "riposted.yaml:14: tenants[0].routes.Bad-Action: is not an action name "
      "(lowercase letters, digits and '_', e.g. disable_user)\n"
      "riposted.yaml:15: tenants[0].routes.move_to_junk: expected a string, "
      "got a sequence");
  EXPECT_EQ(ErrorsOf("tenants:\n"
                     "  - id: t\n"
                     "    routes:\n"
                     "      notify: webhook:soar\n"
                     "      observe: \"webhook:\"\n"
                     "  - id: u\n"
                     "    routes: [graph]\n"),
            "riposted.yaml:4: tenants[0].routes.notify: no webhook named "
            "\"soar\" in this tenant (it has none)\n"
            "riposted.yaml:5: tenants[0].routes.observe: no webhook named "
            "\"\" in this tenant (it has none)\n"
            "riposted.yaml:7: tenants[1].routes: expected a map of action "
            "names to adapters, got a sequence");
  // A webhook defined in another tenant does not count.
  EXPECT_THAT(ErrorsOf("tenants:\n"
                       "  - id: a\n"
                       "    webhooks:\n"
                       "      - name: soar\n"
                       "        url: https://a.example.com\n"
                       "  - id: b\n"
                       "    routes:\n"
                       "      notify: webhook:soar\n"),
              HasSubstr("riposted.yaml:8: tenants[1].routes.notify: no "
                        "webhook named \"soar\""));
  absl::StatusOr<ServerConfig> empty = ParseServerConfig(
      "tenants:\n  - id: t\n    routes:\n", "riposted.yaml");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->tenants[0].routes.empty());
}

TEST(ExecutionConfigTest, ReadsEveryKey) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      absl::StrCat(kMinimal,
                   "execution:\n"
                   "  workers: 32\n"
                   "  lease: 2m\n"
                   "  call_timeout: 30s\n"
                   "  max_attempts: 3\n"
                   "  max_age: 30m\n"
                   "  backoff:\n"
                   "    initial: 500ms\n"
                   "    max: 1m\n"
                   "  circuit_breaker:\n"
                   "    failures: 10\n"
                   "    open_for: 1m\n"
                   "  expiry_scan_interval: 1s\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const ExecutionConfig& e = config->execution;
  EXPECT_EQ(e.workers, 32);
  EXPECT_EQ(e.lease, absl::Minutes(2));
  EXPECT_EQ(e.call_timeout, absl::Seconds(30));
  EXPECT_EQ(e.max_attempts, 3);
  EXPECT_EQ(e.max_age, absl::Minutes(30));
  EXPECT_EQ(e.backoff_initial, absl::Milliseconds(500));
  EXPECT_EQ(e.backoff_max, absl::Minutes(1));
  EXPECT_EQ(e.breaker_failures, 10);
  EXPECT_EQ(e.breaker_open_for, absl::Minutes(1));
  EXPECT_EQ(e.expiry_scan_interval, absl::Seconds(1));
}

TEST(ExecutionConfigTest, DefaultsMatchTheSampleFile) {
  ExecutionConfig defaults;
  EXPECT_EQ(defaults.workers, 8);
  EXPECT_EQ(defaults.lease, absl::Seconds(60));
  EXPECT_EQ(defaults.call_timeout, absl::Seconds(20));
  EXPECT_EQ(defaults.max_attempts, 8);
  EXPECT_EQ(defaults.max_age, absl::Hours(1));
  EXPECT_EQ(defaults.backoff_initial, absl::Seconds(1));
  EXPECT_EQ(defaults.backoff_max, absl::Minutes(5));
  EXPECT_EQ(defaults.breaker_failures, 5);
  EXPECT_EQ(defaults.breaker_open_for, absl::Seconds(30));
  EXPECT_EQ(defaults.expiry_scan_interval, absl::Seconds(5));
  // ExpectSameSettings in EmbeddedFileEqualsCompiledDefaults compares the
  // file with these.
  EXPECT_EQ(DefaultServerConfig().execution.workers, defaults.workers);
}

TEST(ExecutionConfigTest, OutOfRangeValues) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "execution:\n"                  // 3
                                  "  workers: -1\n"               // 4
                                  "  max_attempts: 0\n"           // 5
                                  "  lease: 0s\n"                 // 6
                                  "  max_age: -1s\n"              // 7
                                  "  backoff:\n"                  // 8
                                  "    initial: 0s\n"             // 9
                                  "  circuit_breaker:\n"          // 10
                                  "    failures: -1\n"            // 11
                                  "    open_for: never\n"         // 12
                                  "  expiry_scan_interval: 0\n"   // 13
                                  "  call_timeout: 1\n"           // 14
                                  "  retries: 3\n")),             // 15
            "riposted.yaml:4: execution.workers: must be between 0 and 256, "
            "got -1\n"
            "riposted.yaml:5: execution.max_attempts: must be positive, got "
            "0\n"
            "riposted.yaml:6: execution.lease: must be positive, got \"0s\"\n"
            "riposted.yaml:7: execution.max_age: must not be negative, got "
            "\"-1s\"\n"
            "riposted.yaml:9: execution.backoff.initial: must be positive, got "
            "\"0s\"\n"
            "riposted.yaml:11: execution.circuit_breaker.failures: must be "
            "positive, got -1\n"
            "riposted.yaml:12: execution.circuit_breaker.open_for: bad "
            "duration \"never\" (use e.g. 30s, 5m, 24h)\n"
            "riposted.yaml:13: execution.expiry_scan_interval: must be "
            "positive, got \"0\"\n"
            "riposted.yaml:14: execution.call_timeout: bad duration \"1\" (use "
            "e.g. 30s, 5m, 24h)\n"
            "riposted.yaml:15: unknown key 'retries' in 'execution' (allowed: "
            "workers, lease, call_timeout, max_attempts, max_age, backoff, "
            "circuit_breaker, expiry_scan_interval)");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "execution:\n  workers: 257\n")),
            "riposted.yaml:4: execution.workers: must be between 0 and 256, "
            "got 257");
  EXPECT_TRUE(
      ParseServerConfig(absl::StrCat(kMinimal, "execution:\n  workers: 256\n"),
                        "riposted.yaml")
          .ok());
}

TEST(ExecutionConfigTest, LeaseMustOutlastThreeCalls) {
  // Exactly 3 * call_timeout is enough (it is the default: 60s, 20s).
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "execution:\n  lease: 59s\n")),
            "riposted.yaml:4: execution.lease: must be at least 3 * "
            "execution.call_timeout = 1m, got 59s");
  EXPECT_TRUE(
      ParseServerConfig(absl::StrCat(kMinimal, "execution:\n  lease: 60s\n"),
                        "riposted.yaml")
          .ok());
  // Only the call timeout given: blame it.
  EXPECT_EQ(
      ErrorsOf(absl::StrCat(kMinimal, "execution:\n  call_timeout: 30s\n")),
      "riposted.yaml:4: execution.call_timeout: 3 * execution.call_timeout = "
      "1m30s is more than execution.lease (1m); raise the lease too");
  // Both given: blame the lease.
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "execution:\n"
                                  "  call_timeout: 30s\n"
                                  "  lease: 89s\n")),
            "riposted.yaml:5: execution.lease: must be at least 3 * "
            "execution.call_timeout = 1m30s, got 1m29s");
  // A bad value is reported once, without a cross-check on top.
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "execution:\n"
                                  "  call_timeout: 0s\n"
                                  "  lease: 1s\n")),
            "riposted.yaml:4: execution.call_timeout: must be positive, got "
            "\"0s\"");
}

TEST(ExecutionConfigTest, BackoffInitialMustNotExceedMax) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "execution:\n"
                                  "  backoff:\n"
                                  "    initial: 10m\n")),
            "riposted.yaml:5: execution.backoff.initial: must not exceed "
            "execution.backoff.max (5m), got 10m");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "execution:\n"
                                  "  backoff:\n"
                                  "    max: 500ms\n")),
            "riposted.yaml:5: execution.backoff.max: must be at least "
            "execution.backoff.initial (1s), got 500ms");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "execution:\n"
                                  "  backoff:\n"
                                  "    max: 1s\n"
                                  "    initial: 2s\n")),
            "riposted.yaml:6: execution.backoff.initial: must not exceed "
            "execution.backoff.max (1s), got 2s");
  EXPECT_TRUE(ParseServerConfig(absl::StrCat(kMinimal,
                                             "execution:\n"
                                             "  backoff:\n"
                                             "    initial: 5s\n"
                                             "    max: 5s\n"),
                                "riposted.yaml")
                  .ok());
}

// --- grpc.tls, grpc.plaintext and auth -------------------------------------

constexpr char kTls[] =
    "  tls:\n"
    "    cert_file: /etc/riposte/tls/tls.crt\n"
    "    key_file: /etc/riposte/tls/tls.key\n";

TEST(GrpcTransportSecurityTest, SampleFileIsPlaintextOnLoopbackForDevelopment) {
  ServerConfig config = DefaultServerConfig();
  EXPECT_EQ(config.grpc_listen, "127.0.0.1:50051");
  EXPECT_FALSE(config.grpc_tls.enabled);
  EXPECT_TRUE(config.UsesPlaintext());
  EXPECT_TRUE(config.AuthDisabledForDevelopment());
  EXPECT_TRUE(config.auth.tokens_file.empty());
  EXPECT_TRUE(config.auth.client_cert_roles.empty());
  // A config built in code is the same as the sample.
  EXPECT_TRUE(ServerConfig{}.UsesPlaintext());
  EXPECT_TRUE(ServerConfig{}.AuthDisabledForDevelopment());
}

TEST(GrpcTransportSecurityTest, LoopbackWithoutTlsSectionIsPlaintext) {
  // What the integration tests write: no tls, no plaintext key.
  for (const char* listen : {"127.0.0.1:0", "localhost:50051", "LocalHost:1",
                             "\"[::1]:0\""}) {
    absl::StatusOr<ServerConfig> config = ParseServerConfig(
        absl::StrCat(kMinimal, "grpc:\n  listen: ", listen, "\n"),
        "riposted.yaml");
    ASSERT_TRUE(config.ok()) << listen << ": " << config.status();
    EXPECT_TRUE(config->UsesPlaintext());
  }
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      absl::StrCat(kMinimal, "grpc:\n  listen: 127.0.0.1:0\n  plaintext: "
                             "true\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->UsesPlaintext());
}

TEST(GrpcTransportSecurityTest, TlsIsRequiredOffLoopback) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "grpc:\n  listen: 0.0.0.0:50051\n")),
            "riposted.yaml:4: grpc.listen: \"0.0.0.0:50051\" is not a "
            "loopback address, and TLS is required off loopback: add a "
            "grpc.tls section (cert_file, key_file), or listen on 127.0.0.1, "
            "localhost, [::1]");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "grpc:\n"
                                  "  listen: \"[::]:50051\"\n"
                                  "  plaintext: true\n")),
            "riposted.yaml:5: grpc.plaintext: plaintext gRPC is allowed only "
            "on a loopback listen address (127.0.0.1, localhost, [::1]), and "
            "grpc.listen is \"[::]:50051\": configure grpc.tls instead");
  // 127.0.0.2 is loopback too, but only the three documented hosts count.
  EXPECT_THAT(ErrorsOf(absl::StrCat(kMinimal,
                                    "grpc:\n  listen: 127.0.0.2:1\n")),
              HasSubstr("TLS is required off loopback"));
  // A bad listen address is reported once.
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "grpc:\n  listen: nowhere\n")),
            "riposted.yaml:4: grpc.listen: \"nowhere\" is not host:port (e.g. "
            "127.0.0.1:50051 or [::1]:50051)");
}

TEST(GrpcTransportSecurityTest, PlaintextKeyMustAgreeWithTls) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "grpc:\n  plaintext: false\n")),
            "riposted.yaml:4: grpc.plaintext: false requires a grpc.tls "
            "section (cert_file, key_file)");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "grpc:\n  plaintext: true\n", kTls,
                                  "auth:\n  tokens_file: t.yaml\n")),
            "riposted.yaml:4: grpc.plaintext: must not be true together with "
            "grpc.tls (remove one of them)");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "grpc:\n  plaintext: yes please\n")),
            "riposted.yaml:4: grpc.plaintext: expected true or false, got "
            "\"yes please\"");
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      absl::StrCat(kMinimal, "grpc:\n  plaintext: false\n", kTls,
                   "auth:\n  tokens_file: t.yaml\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->UsesPlaintext());
}

TEST(GrpcTransportSecurityTest, ReadsEveryTlsAndAuthKey) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      absl::StrCat(kMinimal,
                   "grpc:\n"
                   "  listen: 0.0.0.0:8443\n"
                   "  tls:\n"
                   "    cert_file: /tls/tls.crt\n"
                   "    key_file: /tls/tls.key\n"
                   "    client_ca_file: /tls/ca.crt\n"
                   "    require_client_cert: true\n"
                   "auth:\n"
                   "  tokens_file: /etc/riposte/tokens.yaml\n"
                   "  client_cert_roles:\n"
                   "    - {identity: detector-1, role: detector}\n"
                   "    - identity: spiffe://riposte/soc-alice\n"
                   "      role: operator\n"
                   "    - {identity: SOC Admin, role: admin}\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->grpc_tls.enabled);
  EXPECT_FALSE(config->UsesPlaintext());
  EXPECT_FALSE(config->AuthDisabledForDevelopment());
  EXPECT_EQ(config->grpc_tls.cert_file, "/tls/tls.crt");
  EXPECT_EQ(config->grpc_tls.key_file, "/tls/tls.key");
  EXPECT_EQ(config->grpc_tls.client_ca_file, "/tls/ca.crt");
  EXPECT_TRUE(config->grpc_tls.require_client_cert);
  EXPECT_EQ(config->auth.tokens_file, "/etc/riposte/tokens.yaml");
  ASSERT_EQ(config->auth.client_cert_roles.size(), 3u);
  EXPECT_EQ(config->auth.client_cert_roles[0].identity, "detector-1");
  EXPECT_EQ(config->auth.client_cert_roles[0].role, "detector");
  EXPECT_EQ(config->auth.client_cert_roles[1].identity,
            "spiffe://riposte/soc-alice");
  EXPECT_EQ(config->auth.client_cert_roles[1].role, "operator");
  EXPECT_EQ(config->auth.client_cert_roles[2].identity, "SOC Admin");
  EXPECT_EQ(config->auth.client_cert_roles[2].role, "admin");
}

TEST(GrpcTransportSecurityTest, FilesAreNotReadWhileParsing) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      absl::StrCat(kMinimal,
                   "grpc:\n"
                   "  tls:\n"
                   "    cert_file: /nonexistent/tls.crt\n"
                   "    key_file: /nonexistent/tls.key\n"
                   "    client_ca_file: /nonexistent/ca.crt\n"
                   "auth:\n"
                   "  tokens_file: /nonexistent/tokens.yaml\n"),
      "riposted.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
}

TEST(GrpcTransportSecurityTest, TlsSectionProblems) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "grpc:\n"
                                  "  tls:\n"
                                  "    require_client_cert: true\n"
                                  "    client_ca: ca.pem\n"
                                  "auth:\n"
                                  "  tokens_file: t.yaml\n")),
            "riposted.yaml:4: grpc.tls.cert_file: required key is missing\n"
            "riposted.yaml:4: grpc.tls.key_file: required key is missing\n"
            "riposted.yaml:5: grpc.tls.require_client_cert: needs "
            "client_ca_file: the CA certificates that client certificates "
            "are verified against\n"
            "riposted.yaml:6: unknown key 'client_ca' in 'grpc.tls' (allowed: "
            "cert_file, key_file, client_ca_file, require_client_cert)");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "grpc:\n"
                                  "  tls:\n"
                                  "    cert_file: \"\"\n"
                                  "    key_file: k.pem\n"
                                  "    client_ca_file: \"\"\n"
                                  "    require_client_cert: maybe\n"
                                  "auth:\n"
                                  "  tokens_file: t.yaml\n")),
            "riposted.yaml:5: grpc.tls.cert_file: must not be empty\n"
            "riposted.yaml:7: grpc.tls.client_ca_file: must not be empty\n"
            "riposted.yaml:8: grpc.tls.require_client_cert: expected true or "
            "false, got \"maybe\"");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "grpc:\n  tls: on\n")),
            "riposted.yaml:4: grpc.tls: expected a map of keys, got a scalar");
}

TEST(GrpcTransportSecurityTest, TlsNeedsAWayToAuthenticateCallers) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "grpc:\n", kTls)),
            "riposted.yaml:4: grpc.tls: no caller could ever be "
            "authenticated: set auth.tokens_file, or auth.client_cert_roles "
            "with grpc.tls.client_ca_file");
  EXPECT_TRUE(ParseServerConfig(absl::StrCat(kMinimal, "grpc:\n", kTls,
                                             "    client_ca_file: ca.pem\n"
                                             "auth:\n"
                                             "  client_cert_roles:\n"
                                             "    - {identity: d, role: "
                                             "detector}\n"),
                                "riposted.yaml")
                  .ok());
}

TEST(AuthConfigTest, TokensFileOnPlaintextRequiresTokens) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      absl::StrCat(kMinimal, "auth:\n  tokens_file: /etc/riposte/t.yaml\n"),
      "riposted.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->UsesPlaintext());
  EXPECT_FALSE(config->AuthDisabledForDevelopment());
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "auth:\n  tokens_file: \"\"\n")),
            "riposted.yaml:4: auth.tokens_file: must not be empty");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "auth:\n  tokens: t.yaml\n")),
            "riposted.yaml:4: unknown key 'tokens' in 'auth' (allowed: "
            "tokens_file, client_cert_roles)");
}

TEST(AuthConfigTest, ClientCertRolesProblems) {
  const std::string tls_with_ca =
      absl::StrCat("grpc:\n", kTls, "    client_ca_file: ca.pem\n");
  EXPECT_EQ(
      ErrorsOf(absl::StrCat(kMinimal, tls_with_ca,
                            "auth:\n"                                // 8
                            "  client_cert_roles:\n"                 // 9
                            "    - {identity: a, role: root}\n"      // 10
                            "    - {identity: \"\", role: admin}\n"  // 11
                            "    - {role: admin}\n"                  // 12
                            "    - {identity: b, role: operator}\n"  // 13
                            "    - {identity: b, role: detector}\n"  // 14
                            "    - {identity: \" c\", role: admin}\n"  // 15
                            "    - {identity: d, role: admin, x: 1}\n"  // 16
                            "    - just-a-name\n")),                 // 17
      "riposted.yaml:10: auth.client_cert_roles[0].role: unknown role "
      "\"root\" (allowed: detector, operator, admin)\n"
      "riposted.yaml:11: auth.client_cert_roles[1].identity: must not be "
      "empty\n"
      "riposted.yaml:12: auth.client_cert_roles[2].identity: required key is "
      "missing\n"
      "riposted.yaml:14: auth.client_cert_roles[4].identity: duplicate "
      "identity \"b\" (first defined at line 13)\n"
      "riposted.yaml:15: auth.client_cert_roles[5].identity: must not start "
      "or end with a space\n"
      "riposted.yaml:16: unknown key 'x' in 'auth.client_cert_roles[6]' "
      "(allowed: identity, role)\n"
      "riposted.yaml:17: auth.client_cert_roles[7]: value must be a map of keys, "
      "got a scalar");
}

TEST(AuthConfigTest, ClientCertRolesNeedTheClientCa) {
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal,
                                  "auth:\n"
                                  "  client_cert_roles:\n"
                                  "    - {identity: a, role: admin}\n")),
            "riposted.yaml:4: auth.client_cert_roles: needs grpc.tls with "
            "client_ca_file: a plaintext connection carries no client "
            "certificate");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "grpc:\n", kTls,
                                  "auth:\n"
                                  "  client_cert_roles:\n"
                                  "    - {identity: a, role: admin}\n")),
            "riposted.yaml:8: auth.client_cert_roles: needs "
            "grpc.tls.client_ca_file: without it no client certificate is "
            "asked for");
}

TEST(AuthConfigTest, IsLoopbackListenAddress) {
  for (const char* yes : {"127.0.0.1:50051", "localhost:0", "LOCALHOST:1",
                          "[::1]:50051"}) {
    EXPECT_TRUE(IsLoopbackListenAddress(yes)) << yes;
  }
  for (const char* no :
       {"0.0.0.0:50051", "[::]:0", "10.0.0.1:1", "localhost.example.com:1",
        "127.0.0.1", "[::1", "", "127.0.0.10:1", "[::ffff:127.0.0.1]:1"}) {
    EXPECT_FALSE(IsLoopbackListenAddress(no)) << no;
  }
}

// The commented-out TLS and auth examples in riposted.yaml, uncommented,
// are valid together: the documentation cannot drift from the parser.
TEST(AuthConfigTest, CommentedTlsAndAuthExamplesInTheSampleFileAreValid) {
  const std::string text(EmbeddedServerConfigYaml());
  // Uncomments the block of lines starting "<indent># " after `marker`'s
  // line, keeping `indent`.
  auto uncomment = [&](const std::string& marker, const std::string& indent) {
    size_t at = text.find(marker);
    EXPECT_NE(at, std::string::npos) << marker;
    if (at == std::string::npos) return std::string();
    at = text.find('\n', at) + 1;
    std::string yaml;
    while (at < text.size()) {
      size_t end = text.find('\n', at);
      std::string line = text.substr(at, end - at);
      at = end + 1;
      if (line == indent + "#") continue;
      if (line.rfind(indent + "# ", 0) != 0) break;
      yaml += indent + line.substr(indent.size() + 2) + "\n";
    }
    return yaml;
  };
  const std::string tls = uncomment("Replace \"plaintext: true\" with:", "  ");
  const std::string auth =
      uncomment("With TLS, at least one of tokens_file", "");
  ASSERT_THAT(tls, HasSubstr("  tls:\n"));
  ASSERT_THAT(auth, HasSubstr("auth:\n"));
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      absl::StrCat(kMinimal, "grpc:\n  listen: 0.0.0.0:50051\n", tls, auth),
      "example");
  ASSERT_TRUE(config.ok()) << config.status() << "\n" << tls << auth;
  EXPECT_TRUE(config->grpc_tls.enabled);
  EXPECT_TRUE(config->grpc_tls.require_client_cert);
  EXPECT_EQ(config->grpc_tls.client_ca_file, "/etc/riposte/tls/ca.crt");
  EXPECT_EQ(config->auth.tokens_file, "/etc/riposte/tokens.yaml");
  ASSERT_EQ(config->auth.client_cert_roles.size(), 2u);
  EXPECT_EQ(config->auth.client_cert_roles[1].identity, "soc-alice");
  EXPECT_EQ(config->auth.client_cert_roles[1].role, "operator");
}

}  // namespace
}  // namespace riposte::config

namespace riposte::config {
namespace {

TEST(ParseServerConfigMetricsTest, ListenIsHostPort) {
  auto ok = ParseServerConfig(absl::StrCat(kMinimal, "metrics:\n  listen: 0.0.0.0:9464\n"),
                              "m.yaml");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->metrics_listen, "0.0.0.0:9464");
  EXPECT_THAT(ErrorsOf(absl::StrCat(kMinimal, "metrics:\n  listen: nowhere\n")),
              ::testing::HasSubstr("metrics.listen: \"nowhere\" is not host:port"));
  EXPECT_EQ(DefaultServerConfig().metrics_listen, "127.0.0.1:9464");
}

}  // namespace
}  // namespace riposte::config
