#include "integration_tests/testing/riposted_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/json_value.h"

namespace riposte::integration {

std::string RunfilePath(const std::string& relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/",
                      workspace != nullptr ? workspace : "riposte", "/",
                      relative);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(
    const std::vector<std::string>& argv, const std::string& log_prefix) {
  std::unique_ptr<ChildProcess> p(new ChildProcess());
  p->log_prefix_ = log_prefix;
  const std::string out_path = log_prefix + ".stdout";
  const std::string err_path = log_prefix + ".stderr";
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(out, 1);
    dup2(err, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    // The child must not inherit the test's blocked signal mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  p->pid_ = pid;
  return p;
}

ChildProcess::~ChildProcess() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    Wait();
  }
}

void ChildProcess::Signal(int sig) {
  if (!reaped_) kill(pid_, sig);
}

int ChildProcess::Wait() {
  if (reaped_) return exit_code_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status)
                                 : 128 + WTERMSIG(status);
  return exit_code_;
}

bool ChildProcess::Exited() {
  if (reaped_) return true;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status)
                                   : 128 + WTERMSIG(status);
    return true;
  }
  return false;
}

std::string ChildProcess::Stdout() const {
  return ReadFile(log_prefix_ + ".stdout");
}

std::string ChildProcess::Stderr() const {
  return ReadFile(log_prefix_ + ".stderr");
}

absl::StatusOr<std::unique_ptr<RiposteServer>> RiposteServer::Start(
    const std::string& config_path, const std::string& work_dir) {
  static int counter = 0;
  const int n = ++counter;
  const std::string ready = absl::StrCat(work_dir, "/ready-", n, ".json");
  unlink(ready.c_str());
  auto process = ChildProcess::Spawn(
      {RunfilePath("orchestrator/server/riposted"), "--config", config_path,
       "--ready-file", ready},
      absl::StrCat(work_dir, "/riposted-", n));
  if (!process.ok()) return process.status();
  std::unique_ptr<RiposteServer> server(new RiposteServer());
  server->process_ = std::move(*process);
  std::string contents;
  bool ready_seen = WaitFor(
      [&] {
        if (server->process_->Exited()) return true;
        contents = ReadFile(ready);
        return !contents.empty();
      },
      absl::Seconds(60));
  if (!ready_seen || contents.empty()) {
    return absl::UnavailableError(
        absl::StrCat("riposted did not become ready; stderr:\n",
                     server->process_->Stderr()));
  }
  // {"grpc":"127.0.0.1:41234","pid":123}
  absl::StatusOr<JsonValue> json = JsonValue::Parse(contents);
  std::optional<std::string> grpc;
  if (json.ok()) grpc = json->GetString("grpc");
  if (!grpc.has_value() || grpc->empty()) {
    return absl::InternalError("bad ready file: " + contents);
  }
  server->address_ = *grpc;
  server->metrics_address_ = json->GetString("metrics").value_or("");
  return server;
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::string& log_prefix) {
  CommandResult result;
  auto p = ChildProcess::Spawn(argv, log_prefix);
  if (!p.ok()) return result;
  result.exit_code = (*p)->Wait();
  result.stdout_text = (*p)->Stdout();
  result.stderr_text = (*p)->Stderr();
  return result;
}

}  // namespace riposte::integration
