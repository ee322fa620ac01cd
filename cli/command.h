#ifndef RIPOSTE_CLI_COMMAND_H_
#define RIPOSTE_CLI_COMMAND_H_

// What a subcommand is (name, help, flags, the function that runs it) and
// what it runs with. Commands talk to riposted only through OperatorClient
// and print only to the given streams, so tests drive them with a fake
// client, string streams and a fake clock.

#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/flags.h"
#include "cli/operator_client.h"
#include "cli/view_options.h"
#include "cli/watch.h"
#include "common/clock.h"
#include "google/protobuf/message.h"

namespace riposte::cli {

struct CommandContext {
  std::string command;     // "approve", "policy show"
  const ParsedArgs* args;  // the command's flags (and the global ones)
  OperatorClient* client;
  std::ostream* out;
  std::ostream* err;
  std::istream* in;
  const Clock* clock;
  Sleeper* sleeper;
  bool json = false;            // --json
  bool stdout_is_tty = false;
  int width = 100;              // for wrapping narratives
  std::string server;           // e.g. "127.0.0.1:50051 (plaintext)"

  ViewOptions View() const { return ViewOptions{clock->Now(), width}; }
};

struct CommandSpec {
  std::string name;         // "approve", "policy show"
  std::string usage;        // after the name: "RUN_ID --reason TEXT"
  std::string summary;      // one line for `riposte --help`
  std::string description;  // paragraphs for `riposte NAME --help`
  std::vector<FlagSpec> flags;
  int min_args = 0;
  int max_args = 0;  // -1: any number
  std::function<absl::Status(CommandContext&)> run;
};

// The commands, by concern; see the .cc files.
std::vector<CommandSpec> RunCommands();       // pending actions approve reject revert retry extend
std::vector<CommandSpec> IncidentCommands();  // incident incidents
std::vector<CommandSpec> DecisionCommands();  // simulate submit
std::vector<CommandSpec> PolicyCommands();    // policy show|validate|reload
std::vector<CommandSpec> AdminCommands();     // pause resume status whoami
std::vector<CommandSpec> AuditCommands();     // audit tail|verify|export
std::vector<CommandSpec> OcsfCommands();      // ocsf export

// Every command, in the order `riposte --help` lists them.
std::vector<CommandSpec> AllCommands();

// Helpers shared by the commands.

// A positive id from a positional ("RUN_ID"), or a usage error.
absl::StatusOr<int64_t> ParseId(absl::string_view what, absl::string_view text);

// The --reason flag's value, required and not blank.
absl::StatusOr<std::string> RequireReason(const CommandContext& ctx);

// A flag holding a positive integer.
absl::StatusOr<int64_t> ParsePositiveFlag(const CommandContext& ctx,
                                          absl::string_view flag,
                                          int64_t default_value, bool allow_zero);

// Prints `message` as one JSON document.
void PrintJson(const CommandContext& ctx, const google::protobuf::Message& message);

// Flags several commands share.
FlagSpec ReasonFlag(absl::string_view what);
FlagSpec TenantFlag();
FlagSpec SinceFlag(absl::string_view what);
FlagSpec LimitFlag(absl::string_view what);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_COMMAND_H_
