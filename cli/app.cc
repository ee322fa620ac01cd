#include "cli/app.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/cli_status.h"
#include "cli/flags.h"
#include "cli/terminal.h"

namespace riposte::cli {
namespace {

constexpr const char* kGroups[] = {"policy", "audit", "ocsf"};

struct Section {
  const char* heading;
  std::vector<std::string> commands;
};

const std::vector<Section>& Sections() {
  static const auto* sections = new std::vector<Section>{
      {"Approvals and action runs",
       {"pending", "approve", "reject", "actions", "extend", "revert", "retry"}},
      {"Incidents", {"incident", "incidents"}},
      {"Decisions", {"simulate", "submit"}},
      {"Policy", {"policy show", "policy validate", "policy reload"}},
      {"Administration", {"pause", "resume", "status", "whoami"}},
      {"Audit trail", {"audit tail", "audit verify", "audit export"}},
      {"Data lake (OCSF)", {"ocsf export"}},
  };
  return *sections;
}

constexpr char kTransportHelp[] =
    "Precedence: flag, then environment, then config file, then default.\n"
    "TLS is used whenever a CA, client certificate or key is set, or the\n"
    "address is not loopback (then the system's CA roots verify the server\n"
    "unless --ca-file is given). Plaintext happens only to a loopback address\n"
    "without TLS settings, or with --insecure, which is refused for any other\n"
    "address. The token is sent as \"authorization: Bearer <token>\" on every\n"
    "call; it is never taken from a flag, since command lines are visible to\n"
    "other users.\n"
    "\n"
    "Config file (YAML; relative paths are relative to the file, ~/ works):\n"
    "  addr: riposte.example.com:50051\n"
    "  ca_file: ca.pem\n"
    "  cert_file: me.pem\n"
    "  key_file: me.key\n"
    "  token_file: token\n"
    "  insecure: false\n";

constexpr char kExitCodesHelp[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  the server refused or failed the request (NOT_FOUND,\n"
    "     FAILED_PRECONDITION, INVALID_ARGUMENT, ...; printed as\n"
    "     \"riposte: CODE: message\"), or policy validate found errors\n"
    "  2  usage error: unknown command or flag, missing or bad argument,\n"
    "     unreadable or invalid input, config or credential file\n"
    "  3  not authenticated or not allowed (UNAUTHENTICATED, PERMISSION_DENIED)\n"
    "  4  server unreachable or too slow (UNAVAILABLE, DEADLINE_EXCEEDED)\n"
    "  5  audit verify: the audit chain is broken\n";

const std::vector<CommandSpec>& Commands() {
  static const auto* commands = new std::vector<CommandSpec>(AllCommands());
  return *commands;
}

const CommandSpec* FindCommand(const std::string& name) {
  for (const CommandSpec& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool IsGroup(const std::string& word) {
  return std::find(std::begin(kGroups), std::end(kGroups), word) != std::end(kGroups);
}

std::vector<std::string> TopLevelWords() {
  std::set<std::string> words = {"help"};
  for (const CommandSpec& c : Commands()) {
    words.insert(c.name.substr(0, c.name.find(' ')));
  }
  return {words.begin(), words.end()};
}

std::string GroupHelp(const std::string& group) {
  std::string out = absl::StrCat("Usage: riposte ", group, " COMMAND [flags]\n\nCommands:\n");
  size_t width = 0;
  for (const CommandSpec& c : Commands()) {
    if (absl::StartsWith(c.name, group + " ")) width = std::max(width, c.name.size());
  }
  for (const CommandSpec& c : Commands()) {
    if (!absl::StartsWith(c.name, group + " ")) continue;
    absl::StrAppend(&out, "  ", c.name, std::string(width - c.name.size() + 3, ' '),
                    c.summary, "\n");
  }
  absl::StrAppend(&out, "\nRun 'riposte ", group,
                  " COMMAND --help' for a command's flags.\n");
  return out;
}

std::string CommandHelp(const CommandSpec& c) {
  std::string out = absl::StrCat("Usage: riposte ", c.name);
  if (!c.usage.empty()) absl::StrAppend(&out, " ", c.usage);
  absl::StrAppend(&out, "\n\n", c.description, "\n");
  std::vector<FlagSpec> flags = c.flags;
  flags.push_back({"help", 'h', FlagSpec::Kind::kBool, "", "Show this help."});
  absl::StrAppend(&out, "\nFlags:\n", FormatFlagHelp(flags),
                  "\nGlobal flags (--addr, --json, --timeout, ...) and exit codes: "
                  "see 'riposte --help'.\n");
  return out;
}

// Global flags that take a value, to skip their value when looking for the
// command word.
bool GlobalTakesValue(absl::string_view arg) {
  if (!absl::StartsWith(arg, "--") || absl::StrContains(arg, '=')) return false;
  for (const FlagSpec& f : GlobalFlags()) {
    if (f.kind != FlagSpec::Kind::kBool && arg.substr(2) == f.name) return true;
  }
  return false;
}

bool WantsHelp(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--") return false;
    if (a == "--help" || a == "-h" || a == "--help=true") return true;
  }
  return false;
}

int Fail(const CliEnvironment& env, const absl::Status& status) {
  if (!IsSilentExit(status)) *env.err << FormatError(status) << "\n";
  env.err->flush();
  return ExitCodeFor(status);
}

absl::Status UnknownCommand(const std::string& word, const std::string& group) {
  std::vector<std::string> candidates;
  if (group.empty()) {
    candidates = TopLevelWords();
  } else {
    for (const CommandSpec& c : Commands()) {
      if (absl::StartsWith(c.name, group + " ")) {
        candidates.push_back(c.name.substr(group.size() + 1));
      }
    }
  }
  const std::string full = group.empty() ? word : absl::StrCat(group, " ", word);
  std::string text = absl::StrCat("unknown command \"", full, "\"");
  const std::string close = ClosestMatch(word, candidates);
  if (!close.empty()) {
    absl::StrAppend(&text, " (did you mean \"",
                    group.empty() ? close : absl::StrCat(group, " ", close), "\"?)");
  }
  absl::StrAppend(&text, "; see 'riposte ", group.empty() ? "" : group + " ",
                  "--help'");
  return UsageError(text);
}

}  // namespace

const std::vector<FlagSpec>& GlobalFlags() {
  static const auto* flags = new std::vector<FlagSpec>{
      {"addr", 0, FlagSpec::Kind::kValue, "HOST:PORT",
       "Server address (env RIPOSTE_ADDR; default 127.0.0.1:50051)."},
      {"ca-file", 0, FlagSpec::Kind::kValue, "FILE",
       "CA certificates (PEM) to verify the server; implies TLS\n(env RIPOSTE_CA_FILE)."},
      {"cert-file", 0, FlagSpec::Kind::kValue, "FILE",
       "Client certificate (PEM) for mutual TLS (env RIPOSTE_CERT_FILE)."},
      {"key-file", 0, FlagSpec::Kind::kValue, "FILE",
       "Its private key (PEM) (env RIPOSTE_KEY_FILE)."},
      {"token-file", 0, FlagSpec::Kind::kValue, "FILE",
       "File holding the bearer token (env RIPOSTE_TOKEN_FILE, or\n"
       "RIPOSTE_TOKEN holding the token itself)."},
      {"insecure", 0, FlagSpec::Kind::kBool, "",
       "Plaintext, no TLS; only to loopback addresses."},
      {"json", 0, FlagSpec::Kind::kBool, "",
       "Machine output: the proto messages as JSON (proto3 mapping),\n"
       "one document; streams and --watch as JSON lines."},
      {"timeout", 0, FlagSpec::Kind::kValue, "DURATION",
       "Deadline of each call (default 10s); streams wait this long\nto connect."},
      {"config", 0, FlagSpec::Kind::kValue, "FILE",
       "Config file (default $XDG_CONFIG_HOME/riposte/config.yaml,\n"
       "else ~/.config/riposte/config.yaml)."},
      {"help", 'h', FlagSpec::Kind::kBool, "", "Show help."},
  };
  return *flags;
}

std::string MainHelp() {
  std::string out =
      "riposte: the operator command line for Riposte (riposted).\n"
      "\n"
      "Usage:\n"
      "  riposte [global flags] COMMAND [flags] [arguments]\n"
      "  riposte help COMMAND        (or: riposte COMMAND --help)\n";
  for (const Section& section : Sections()) {
    absl::StrAppend(&out, "\n", section.heading, ":\n");
    for (const std::string& name : section.commands) {
      const CommandSpec* c = FindCommand(name);
      if (c == nullptr) continue;
      absl::StrAppend(&out, "  ", name, std::string(18 - name.size(), ' '),
                      c->summary, "\n");
    }
  }
  absl::StrAppend(&out, "\nGlobal flags:\n", FormatFlagHelp(GlobalFlags()), "\n",
                  kTransportHelp, "\n", kExitCodesHelp);
  return out;
}

std::string HelpFor(const std::string& name) {
  if (name.empty()) return MainHelp();
  if (IsGroup(name)) return GroupHelp(name);
  if (const CommandSpec* c = FindCommand(name)) return CommandHelp(*c);
  return "";
}

int RunCli(const std::vector<std::string>& args, const CliEnvironment& env) {
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a == "--token" || absl::StartsWith(a, "--token=")) {
      return Fail(env, UsageError(
                           "there is no --token flag: command lines are visible "
                           "to other users. Put the token in a file for "
                           "--token-file (or RIPOSTE_TOKEN_FILE), or in the "
                           "RIPOSTE_TOKEN environment variable"));
    }
  }

  // Find the command words; global flags may come before them.
  std::vector<std::string> rest;
  std::vector<std::string> words;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-') {
      rest.push_back(a);
      if (GlobalTakesValue(a) && i + 1 < args.size()) rest.push_back(args[++i]);
      continue;
    }
    words.push_back(a);
    ++i;
    // A group takes the next word as its subcommand.
    if (IsGroup(a) && i < args.size() && !(args[i].size() > 1 && args[i][0] == '-')) {
      words.push_back(args[i]);
      ++i;
    }
    break;
  }
  for (; i < args.size(); ++i) rest.push_back(args[i]);

  // Help: "riposte", "riposte --help", "riposte help X", "riposte X --help".
  if (!words.empty() && words[0] == "help") {
    std::vector<std::string> topic(words.begin() + 1, words.end());
    for (const std::string& r : rest) {
      if (r.empty() || r[0] != '-') topic.push_back(r);
    }
    const std::string name = absl::StrJoin(topic, " ");
    const std::string help = HelpFor(name);
    if (help.empty()) {
      return Fail(env, UnknownCommand(topic.back(),
                                      topic.size() > 1 ? topic.front() : ""));
    }
    *env.out << help;
    return kExitOk;
  }
  if (words.empty()) {
    if (WantsHelp(rest)) {
      *env.out << MainHelp();
      return kExitOk;
    }
    // Report a bad global flag before the missing command.
    absl::StatusOr<ParsedArgs> parsed = ParseArgs(rest, GlobalFlags(), "riposte");
    if (!parsed.ok()) return Fail(env, parsed.status());
    *env.err << MainHelp();
    return Fail(env, UsageError("missing command; see 'riposte --help'"));
  }
  if (IsGroup(words[0]) && words.size() == 1) {
    if (WantsHelp(rest)) {
      *env.out << GroupHelp(words[0]);
      return kExitOk;
    }
    *env.err << GroupHelp(words[0]);
    return Fail(env, UsageError(absl::StrCat("riposte ", words[0],
                                             ": missing command")));
  }
  const std::string name = absl::StrJoin(words, " ");
  const CommandSpec* spec = FindCommand(name);
  if (spec == nullptr) {
    return Fail(env, words.size() > 1 ? UnknownCommand(words[1], words[0])
                                      : UnknownCommand(words[0], ""));
  }
  if (WantsHelp(rest)) {
    *env.out << CommandHelp(*spec);
    return kExitOk;
  }

  const std::string context = absl::StrCat("riposte ", name);
  std::vector<FlagSpec> specs = GlobalFlags();
  specs.insert(specs.end(), spec->flags.begin(), spec->flags.end());
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(rest, specs, context);
  if (!parsed.ok()) return Fail(env, parsed.status());
  const int n = static_cast<int>(parsed->positionals().size());
  if (n < spec->min_args) {
    return Fail(env, UsageError(absl::StrCat(context, ": missing argument; usage: ",
                                             context, " ", spec->usage)));
  }
  if (spec->max_args >= 0 && n > spec->max_args) {
    return Fail(env, UsageError(absl::StrCat(
                         context, ": unexpected argument \"",
                         parsed->positionals()[spec->max_args], "\"; usage: ",
                         context, spec->usage.empty() ? "" : " ", spec->usage)));
  }

  absl::StatusOr<ConnectionSettings> settings = ResolveConnection(*parsed, env.getenv);
  if (!settings.ok()) return Fail(env, settings.status());
  absl::StatusOr<std::unique_ptr<OperatorClient>> client = env.connect(*settings);
  if (!client.ok()) return Fail(env, client.status());

  CommandContext ctx;
  ctx.command = name;
  ctx.args = &*parsed;
  ctx.client = client->get();
  ctx.out = env.out;
  ctx.err = env.err;
  ctx.in = env.in;
  ctx.clock = env.clock;
  ctx.sleeper = env.sleeper;
  ctx.json = parsed->GetBool("json");
  ctx.stdout_is_tty = env.stdout_is_tty;
  ctx.width = ChooseWidth(env.getenv("COLUMNS"), env.terminal_width);
  ctx.server = settings->Describe();
  const absl::Status status = spec->run(ctx);
  env.out->flush();
  if (!status.ok()) return Fail(env, status);
  return kExitOk;
}

}  // namespace riposte::cli
