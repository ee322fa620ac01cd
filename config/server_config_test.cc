#include "config/server_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

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
            "policy, shutdown)");
  EXPECT_EQ(ErrorsOf("tenants:\n  - id: a\n    name: A\n"),
            "riposted.yaml:3: unknown key 'name' in 'tenants[0]' (allowed: "
            "id, display_name)");
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
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "store:\n  engine: postgres\n")),
            "riposted.yaml:4: store.engine: \"postgres\" is not supported yet "
            "(it arrives in a later release); use \"sqlite\"");
  EXPECT_EQ(ErrorsOf(absl::StrCat(kMinimal, "store:\n  engine: mysql\n")),
            "riposted.yaml:4: store.engine: unknown engine \"mysql\" "
            "(allowed: sqlite)");
  EXPECT_EQ(
      ErrorsOf(absl::StrCat(kMinimal, "store:\n  sqlite:\n    file: \"\"\n")),
      "riposted.yaml:5: store.sqlite.file: must not be empty");
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
    absl::StatusOr<ServerConfig> config = ParseServerConfig(
        absl::StrCat(kMinimal, "grpc:\n  listen: \"", listen, "\"\n"),
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
            "riposted.yaml:4: store.engine: \"postgres\" is not supported yet "
            "(it arrives in a later release); use \"sqlite\"\n"
            "riposted.yaml:6: log.level: unknown level \"loud\" (allowed: "
            "debug, info, warn, error)\n"
            "riposted.yaml:8: shutdown.grace: bad duration \"soon\" (use e.g. "
            "30s, 5m, 24h)\n"
            "riposted.yaml:9: unknown key 'extra' at the top level (allowed: "
            "grpc, data_dir, store, tenants, correlation, intake, log, "
            "policy, shutdown)");
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
