#ifndef RIPOSTE_CLI_APP_TEST_UTIL_H_
#define RIPOSTE_CLI_APP_TEST_UTIL_H_

// Runs the CLI in-process for tests: a fake client, string streams, a fake
// clock and sleeper, and a controlled environment (HOME points at an empty
// directory, so no config file is read unless a test writes one).

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cli/app.h"
#include "cli/time_format.h"
#include "cli/fake_operator_client.h"
#include "cli/watch.h"
#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace riposte::cli::testing {

// 2026-11-17 12:00:00 UTC.
inline const absl::Time kTestNow = absl::FromUnixSeconds(1794916800);

// Lets the loop sleep `sleeps` times, advancing `clock`, then interrupts.
class FakeSleeper : public Sleeper {
 public:
  FakeSleeper(FakeClock* clock, int sleeps) : clock_(clock), left_(sleeps) {}
  bool Sleep(absl::Duration d) override {
    slept.push_back(d);
    clock_->Advance(d);
    return left_-- > 0;
  }
  void set_sleeps(int n) { left_ = n; }
  std::vector<absl::Duration> slept;

 private:
  FakeClock* clock_;
  int left_;
};

class CliRunner {
 public:
  CliRunner() : clock_(kTestNow), sleeper_(&clock_, 0) {
    env_["HOME"] = dir_.path();
    env_["COLUMNS"] = "80";
  }

  // Runs `riposte args...`; out() and err() hold what it printed.
  int Run(std::vector<std::string> args, const std::string& stdin_text = "") {
    out_.str("");
    err_.str("");
    std::istringstream in(stdin_text);
    settings_.reset();
    connected_ = false;
    CliEnvironment env;
    env.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    env.out = &out_;
    env.err = &err_;
    env.in = &in;
    env.clock = &clock_;
    env.sleeper = &sleeper_;
    env.stdout_is_tty = tty_;
    env.connect = [this](const ConnectionSettings& settings)
        -> absl::StatusOr<std::unique_ptr<OperatorClient>> {
      settings_ = settings;
      connected_ = true;
      return std::make_unique<BorrowedOperatorClient>(&fake_);
    };
    return RunCli(args, env);
  }

  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }
  FakeOperatorClient& fake() { return fake_; }
  FakeClock& clock() { return clock_; }
  FakeSleeper& sleeper() { return sleeper_; }
  std::map<std::string, std::string>& env() { return env_; }
  const std::optional<ConnectionSettings>& settings() const { return settings_; }
  bool connected() const { return connected_; }
  void set_tty(bool tty) { tty_ = tty; }
  const riposte::testing::TempDir& dir() const { return dir_; }

 private:
  riposte::testing::TempDir dir_;
  FakeOperatorClient fake_;
  FakeClock clock_;
  FakeSleeper sleeper_;
  std::map<std::string, std::string> env_;
  std::ostringstream out_;
  std::ostringstream err_;
  std::optional<ConnectionSettings> settings_;
  bool connected_ = false;
  bool tty_ = false;
};

// Parses `json` into a T, failing the test if it does not parse.
template <typename T>
T ParseJsonAs(const std::string& json) {
  T message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

// A run of incident 7 created five minutes before kTestNow.
inline v1::ActionRun MakeRun(int64_t id, const std::string& state) {
  v1::ActionRun run;
  run.set_run_id(id);
  run.set_incident_id(7);
  run.set_tenant_id("contoso");
  run.set_action("disable_user");
  run.set_target_key("user:alice@contoso.com");
  run.set_state(state);
  run.set_rule("saas-persistence");
  SetTimestamp(kTestNow - absl::Minutes(5), run.mutable_created_time());
  run.set_narrative("Riposte proposes to disable the account alice@contoso.com.");
  return run;
}

// Writes `text` to `name` in the runner's directory; returns the path.
inline std::string WriteFile(const CliRunner& cli, const std::string& name,
                             const std::string& text) {
  const std::string path = cli.dir().File(name);
  std::ofstream(path) << text;
  return path;
}

}  // namespace riposte::cli::testing

#endif  // RIPOSTE_CLI_APP_TEST_UTIL_H_
