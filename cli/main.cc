// riposte: the operator command line for riposted. See app.h.

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/grpc_operator_client.h"
#include "cli/terminal.h"
#include "cli/watch.h"
#include "common/clock.h"

namespace riposte::cli {
namespace {

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  InterruptibleSleeper sleeper;
  CliEnvironment env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  env.out = &std::cout;
  env.err = &std::cerr;
  env.in = &std::cin;
  env.clock = riposte::Clock::Real();
  env.sleeper = &sleeper;
  env.stdout_is_tty = IsTerminal(STDOUT_FILENO);
  env.terminal_width = TerminalWidthOf(STDOUT_FILENO);
  env.connect = [](const ConnectionSettings& settings)
      -> absl::StatusOr<std::unique_ptr<OperatorClient>> {
    return NewGrpcOperatorClient(settings);
  };
  return RunCli(args, env);
}

}  // namespace
}  // namespace riposte::cli

int main(int argc, char** argv) { return riposte::cli::Main(argc, argv); }
