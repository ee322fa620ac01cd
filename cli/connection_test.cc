#include "cli/connection.h"

#include <fstream>
#include <map>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "cli/cli_status.h"
#include "cli/flags.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::testing::HasSubstr;

// The global flags as app.cc declares them (only the names matter here).
std::vector<FlagSpec> GlobalSpecs() {
  std::vector<FlagSpec> specs;
  for (const char* name : {"addr", "ca-file", "cert-file", "key-file", "token-file",
                           "timeout", "config"}) {
    specs.push_back({name, 0, FlagSpec::Kind::kValue, "X", ""});
  }
  specs.push_back({"insecure", 0, FlagSpec::Kind::kBool, "", ""});
  return specs;
}

class ConnectionTest : public ::testing::Test {
 protected:
  ConnectionTest() {
    // No config file unless a test writes one: HOME is an empty directory.
    mkdir(dir_.File("home").c_str(), 0700);
    env_["HOME"] = dir_.File("home");
  }

  absl::StatusOr<ConnectionSettings> Resolve(std::vector<std::string> args) {
    absl::StatusOr<ParsedArgs> flags = ParseArgs(args, GlobalSpecs(), "riposte");
    EXPECT_TRUE(flags.ok()) << flags.status();
    return ResolveConnection(*flags, [this](const std::string& name)
                                         -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    });
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.File(name);
    std::ofstream(path) << text;
    return path;
  }

  std::string UsageMessage(std::vector<std::string> args) {
    absl::StatusOr<ConnectionSettings> s = Resolve(std::move(args));
    EXPECT_FALSE(s.ok());
    if (s.ok()) return "";
    EXPECT_TRUE(IsUsageError(s.status())) << s.status();
    return std::string(s.status().message());
  }

  riposte::testing::TempDir dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConnectionTest, Defaults) {
  absl::StatusOr<ConnectionSettings> s = Resolve({});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->addr, "127.0.0.1:50051");
  EXPECT_FALSE(s->use_tls);
  EXPECT_EQ(s->token, "");
  EXPECT_EQ(s->timeout, absl::Seconds(10));
  EXPECT_EQ(s->config_path, "");
  EXPECT_EQ(s->Describe(), "127.0.0.1:50051 (plaintext)");
}

TEST_F(ConnectionTest, FlagBeatsEnvBeatsConfigBeatsDefault) {
  const std::string config = Write("c.yaml", "addr: config-host:1\n");
  // Config only.
  EXPECT_EQ(Resolve({"--config", config})->addr, "config-host:1");
  // Env beats config.
  env_["RIPOSTE_ADDR"] = "env-host:2";
  EXPECT_EQ(Resolve({"--config", config})->addr, "env-host:2");
  // Flag beats env.
  EXPECT_EQ(Resolve({"--config", config, "--addr", "flag-host:3"})->addr, "flag-host:3");
  // An empty variable counts as unset.
  env_["RIPOSTE_ADDR"] = "";
  EXPECT_EQ(Resolve({"--config", config})->addr, "config-host:1");
}

TEST_F(ConnectionTest, DefaultConfigFileLocations) {
  mkdir(dir_.File("home/.config").c_str(), 0700);
  mkdir(dir_.File("home/.config/riposte").c_str(), 0700);
  Write("home/.config/riposte/config.yaml", "addr: home-config:1\n");
  absl::StatusOr<ConnectionSettings> s = Resolve({});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->addr, "home-config:1");
  EXPECT_EQ(s->config_path, dir_.File("home/.config/riposte/config.yaml"));

  mkdir(dir_.File("xdg").c_str(), 0700);
  mkdir(dir_.File("xdg/riposte").c_str(), 0700);
  Write("xdg/riposte/config.yaml", "addr: xdg-config:1\n");
  env_["XDG_CONFIG_HOME"] = dir_.File("xdg");
  EXPECT_EQ(Resolve({})->addr, "xdg-config:1");
}

TEST_F(ConnectionTest, ConfigPathsAreRelativeToTheFile) {
  mkdir(dir_.File("conf").c_str(), 0700);
  Write("conf/token", "tok-from-config\n");
  Write("conf/ca.pem", "CA PEM");
  const std::string config = Write(
      "conf/config.yaml", "addr: riposte.example.com:443\nca_file: ca.pem\ntoken_file: token\n");
  absl::StatusOr<ConnectionSettings> s = Resolve({"--config", config});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->ca_file, dir_.File("conf/ca.pem"));
  EXPECT_EQ(s->ca_pem, "CA PEM");
  EXPECT_EQ(s->token, "tok-from-config");
  EXPECT_TRUE(s->use_tls);
  EXPECT_EQ(s->Describe(), "riposte.example.com:443 (TLS)");
}

TEST_F(ConnectionTest, ConfigErrorsNameFileLineAndKey) {
  const std::string config = Write("bad.yaml", "addr: x:1\nadr: y\ninsecure: maybe\n");
  const std::string message = UsageMessage({"--config", config});
  EXPECT_THAT(message, HasSubstr("invalid config file:"));
  EXPECT_THAT(message, HasSubstr("bad.yaml:2: unknown key 'adr'"));
  EXPECT_THAT(message, HasSubstr("bad.yaml:3: insecure:"));
  EXPECT_THAT(UsageMessage({"--config", dir_.File("missing.yaml")}),
              HasSubstr("config file: cannot open"));
}

TEST_F(ConnectionTest, TlsRules) {
  const std::string ca = Write("ca.pem", "CA");
  const std::string cert = Write("me.pem", "CERT");
  const std::string key = Write("me.key", "KEY");
  // Loopback without TLS settings: plaintext.
  EXPECT_FALSE(Resolve({"--addr", "localhost:50051"})->use_tls);
  EXPECT_FALSE(Resolve({"--addr", "[::1]:50051"})->use_tls);
  // A CA means TLS even on loopback.
  EXPECT_TRUE(Resolve({"--ca-file", ca})->use_tls);
  // Not loopback: TLS with the default roots.
  absl::StatusOr<ConnectionSettings> remote = Resolve({"--addr", "10.0.0.5:50051"});
  ASSERT_TRUE(remote.ok());
  EXPECT_TRUE(remote->use_tls);
  EXPECT_EQ(remote->ca_pem, "");
  // Mutual TLS.
  absl::StatusOr<ConnectionSettings> mtls =
      Resolve({"--cert-file", cert, "--key-file", key});
  ASSERT_TRUE(mtls.ok()) << mtls.status();
  EXPECT_TRUE(mtls->use_tls);
  EXPECT_EQ(mtls->cert_pem, "CERT");
  EXPECT_EQ(mtls->key_pem, "KEY");
  EXPECT_EQ(mtls->Describe(), "127.0.0.1:50051 (mutual TLS)");
  // Env supplies TLS files too.
  env_["RIPOSTE_CA_FILE"] = ca;
  EXPECT_TRUE(Resolve({})->use_tls);
}

TEST_F(ConnectionTest, TlsErrors) {
  const std::string ca = Write("ca.pem", "CA");
  const std::string cert = Write("me.pem", "CERT");
  EXPECT_EQ(UsageMessage({"--cert-file", cert}),
            "mutual TLS needs both --cert-file and --key-file; only --cert-file is set");
  EXPECT_EQ(UsageMessage({"--addr", "riposte.example.com:50051", "--insecure"}),
            "--insecure: plaintext is only allowed to a loopback address (localhost, "
            "127.0.0.1, ::1), not riposte.example.com:50051; use TLS (--ca-file) instead");
  EXPECT_EQ(UsageMessage({"--insecure", "--ca-file", ca}),
            "--insecure conflicts with --ca-file: choose plaintext or TLS");
  EXPECT_THAT(UsageMessage({"--ca-file", dir_.File("nope.pem")}),
              HasSubstr("cannot read CA file"));
  // --insecure on loopback is fine and changes nothing visible.
  EXPECT_FALSE(Resolve({"--insecure"})->use_tls);
  // The config file's insecure is honoured, and still only for loopback.
  const std::string config = Write("c.yaml", "addr: 192.0.2.1:1\ninsecure: true\n");
  EXPECT_THAT(UsageMessage({"--config", config}),
              HasSubstr("insecure in " + config + ": plaintext is only allowed"));
}

TEST_F(ConnectionTest, Tokens) {
  const std::string file = Write("token", "  file-token\n");
  const std::string other = Write("other", "other-token");
  EXPECT_EQ(Resolve({"--token-file", file})->token, "file-token");
  env_["RIPOSTE_TOKEN"] = "env-token";
  EXPECT_EQ(Resolve({})->token, "env-token");
  EXPECT_EQ(Resolve({})->token_source, "RIPOSTE_TOKEN");
  // The flag wins over the environment.
  EXPECT_EQ(Resolve({"--token-file", file})->token, "file-token");
  // Both variables: ambiguous.
  env_["RIPOSTE_TOKEN_FILE"] = other;
  EXPECT_EQ(UsageMessage({}),
            "both RIPOSTE_TOKEN and RIPOSTE_TOKEN_FILE are set; unset one");
  env_.erase("RIPOSTE_TOKEN");
  EXPECT_EQ(Resolve({})->token, "other-token");
  // The config's token_file is the last resort.
  env_.erase("RIPOSTE_TOKEN_FILE");
  const std::string config = Write("c.yaml", "token_file: " + other + "\n");
  EXPECT_EQ(Resolve({"--config", config})->token, "other-token");
}

TEST_F(ConnectionTest, BadTokens) {
  const std::string empty = Write("empty", "\n");
  const std::string spaced = Write("spaced", "two words\n");
  EXPECT_THAT(UsageMessage({"--token-file", empty}), HasSubstr("is empty"));
  const std::string message = UsageMessage({"--token-file", spaced});
  EXPECT_THAT(message, HasSubstr("characters a bearer token cannot have"));
  // The token itself is never echoed.
  EXPECT_THAT(message, ::testing::Not(HasSubstr("two words")));
  EXPECT_THAT(UsageMessage({"--token-file", dir_.File("missing")}),
              HasSubstr("cannot read token file"));
}

TEST_F(ConnectionTest, Timeout) {
  EXPECT_EQ(Resolve({"--timeout", "2s"})->timeout, absl::Seconds(2));
  EXPECT_THAT(UsageMessage({"--timeout", "0s"}), HasSubstr("must be more than 0"));
  EXPECT_THAT(UsageMessage({"--timeout", "soon"}), HasSubstr("--timeout: bad duration"));
}

TEST(IsLoopbackAddressTest, Forms) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3:1"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:50051"));
  EXPECT_TRUE(IsLoopbackAddress("LOCALHOST:50051"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
  EXPECT_TRUE(IsLoopbackAddress("dns:///localhost:50051"));
  EXPECT_TRUE(IsLoopbackAddress("ipv4:127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("unix:/run/riposte.sock"));
  EXPECT_TRUE(IsLoopbackAddress("[::ffff:127.0.0.1]:1"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.1:50051"));
  EXPECT_FALSE(IsLoopbackAddress("riposte.example.com:50051"));
  EXPECT_FALSE(IsLoopbackAddress("localhost.example.com:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[2001:db8::1]:50051"));
  EXPECT_FALSE(IsLoopbackAddress("128.0.0.1:1"));
}

}  // namespace
}  // namespace riposte::cli
