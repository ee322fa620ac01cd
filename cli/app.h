#ifndef RIPOSTE_CLI_APP_H_
#define RIPOSTE_CLI_APP_H_

// The `riposte` command line as a function: arguments and an environment
// in, output and an exit code out. main.cc binds it to the process; tests
// bind it to string streams, a fake clock, a fake sleeper and a fake
// OperatorClient.

#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/command.h"
#include "cli/connection.h"
#include "cli/operator_client.h"
#include "cli/watch.h"
#include "common/clock.h"

namespace riposte::cli {

struct CliEnvironment {
  EnvLookup getenv;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::istream* in = nullptr;
  const Clock* clock = nullptr;
  Sleeper* sleeper = nullptr;
  bool stdout_is_tty = false;
  // The terminal's width from the OS, 0 if unknown; $COLUMNS wins.
  int terminal_width = 0;
  // Makes the client once the connection settings are resolved. Must not
  // contact the server (calls do).
  std::function<absl::StatusOr<std::unique_ptr<OperatorClient>>(
      const ConnectionSettings&)>
      connect;
};

// Runs `riposte ARGS...` (`args` without the program name) and returns
// the exit code (see ExitCode in cli_status.h). Errors go to env.err as
// "riposte: ...".
int RunCli(const std::vector<std::string>& args, const CliEnvironment& env);

// `riposte --help`.
std::string MainHelp();

// `riposte NAME --help` for a command ("approve", "policy show") or a
// group ("policy", "audit"); "" if there is no such command.
std::string HelpFor(const std::string& name);

// The global flags every command accepts.
const std::vector<FlagSpec>& GlobalFlags();

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_APP_H_
