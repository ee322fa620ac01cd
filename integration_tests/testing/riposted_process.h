#ifndef RIPOSTE_INTEGRATION_TESTS_TESTING_RIPOSTED_PROCESS_H_
#define RIPOSTE_INTEGRATION_TESTS_TESTING_RIPOSTED_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/testing/wait_for.h"

namespace riposte::integration {

using ::riposte::testing::WaitFor;

// Path of a binary from this workspace's runfiles, e.g.
// "orchestrator/server/riposted".
std::string RunfilePath(const std::string& relative);

// A child process with its output captured to files. Killed with SIGKILL if
// still running when destroyed.
class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`. Output goes to `log_prefix`.stdout/.stderr.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(
      const std::vector<std::string>& argv, const std::string& log_prefix);
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits for exit; returns the exit code, or 128+signal if killed.
  int Wait();
  // Non-blocking: whether the process has exited.
  bool Exited();
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string log_prefix_;
};

// riposted started with a config file and a ready file, once it serves.
class RiposteServer {
 public:
  // Starts riposted and waits (up to 60 s) until it reports its address.
  static absl::StatusOr<std::unique_ptr<RiposteServer>> Start(
      const std::string& config_path, const std::string& work_dir);

  const std::string& address() const { return address_; }
  // The metrics HTTP address, "" unless metrics.listen is configured.
  const std::string& metrics_address() const { return metrics_address_; }
  ChildProcess& process() { return *process_; }

 private:
  std::unique_ptr<ChildProcess> process_;
  std::string address_;
  std::string metrics_address_;
};

// Runs a command to completion; returns its exit code and output.
struct CommandResult {
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
};
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::string& log_prefix);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);

}  // namespace riposte::integration

#endif  // RIPOSTE_INTEGRATION_TESTS_TESTING_RIPOSTED_PROCESS_H_
