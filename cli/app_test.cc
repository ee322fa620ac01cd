// The CLI as a whole: dispatch, help, usage errors, exit codes, global
// flags. Per-command behaviour is in commands_test.cc.

#include "cli/app.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "cli/app_test_util.h"
#include "cli/command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using testing::CliRunner;

std::vector<std::string> Words(const std::string& name) {
  return absl::StrSplit(name, ' ');
}

TEST(HelpTest, MainHelp) {
  CliRunner cli;
  for (std::vector<std::string> args :
       {std::vector<std::string>{"--help"}, {"-h"}, {"help"}, {"--json", "--help"}}) {
    EXPECT_EQ(cli.Run(args), 0) << args[0];
    EXPECT_EQ(cli.out(), MainHelp());
    EXPECT_THAT(cli.err(), IsEmpty());
  }
  EXPECT_FALSE(cli.connected());
  const std::string help = MainHelp();
  // Every command is listed, and the exit codes are documented.
  for (const CommandSpec& c : AllCommands()) {
    EXPECT_THAT(help, HasSubstr("  " + c.name + " ")) << c.name;
  }
  EXPECT_THAT(help, AllOf(HasSubstr("Exit codes:"), HasSubstr("0  success"),
                          HasSubstr("1  the server refused"), HasSubstr("2  usage error"),
                          HasSubstr("3  not authenticated"),
                          HasSubstr("4  server unreachable"),
                          HasSubstr("5  audit verify")));
  for (const char* flag : {"--addr", "--ca-file", "--cert-file", "--key-file",
                           "--token-file", "--insecure", "--json", "--timeout",
                           "--config", "RIPOSTE_ADDR", "RIPOSTE_TOKEN"}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
}

TEST(HelpTest, EveryCommandHasHelp) {
  CliRunner cli;
  for (const CommandSpec& c : AllCommands()) {
    std::vector<std::string> args = Words(c.name);
    args.push_back("--help");
    EXPECT_EQ(cli.Run(args), 0) << c.name;
    EXPECT_THAT(cli.out(), StartsWith("Usage: riposte " + c.name)) << c.name;
    EXPECT_THAT(cli.out(), HasSubstr("-h, --help")) << c.name;
    for (const FlagSpec& f : c.flags) {
      EXPECT_THAT(cli.out(), HasSubstr("--" + f.name)) << c.name;
    }
    const std::string via_flag = cli.out();

    std::vector<std::string> help_args = {"help"};
    for (const std::string& w : Words(c.name)) help_args.push_back(w);
    EXPECT_EQ(cli.Run(help_args), 0) << c.name;
    EXPECT_EQ(cli.out(), via_flag) << c.name;

    // -h works too, even with other (possibly wrong) arguments.
    std::vector<std::string> short_args = Words(c.name);
    short_args.push_back("--no-such-flag");
    short_args.push_back("-h");
    EXPECT_EQ(cli.Run(short_args), 0) << c.name;
    EXPECT_EQ(cli.out(), via_flag) << c.name;
  }
  EXPECT_FALSE(cli.connected());
}

TEST(HelpTest, GroupsListTheirCommands) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({"policy", "--help"}), 0);
  EXPECT_THAT(cli.out(), AllOf(StartsWith("Usage: riposte policy COMMAND"),
                               HasSubstr("policy show"), HasSubstr("policy validate"),
                               HasSubstr("policy reload")));
  EXPECT_EQ(cli.Run({"help", "audit"}), 0);
  EXPECT_THAT(cli.out(), AllOf(HasSubstr("audit tail"), HasSubstr("audit verify"),
                               HasSubstr("audit export")));
}

TEST(UsageTest, NoCommand) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("riposte: missing command; see 'riposte --help'"));
  EXPECT_THAT(cli.out(), IsEmpty());
}

TEST(UsageTest, UnknownCommandsAndFlags) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({"frobnicate"}), 2);
  EXPECT_EQ(cli.err(), "riposte: unknown command \"frobnicate\"; see 'riposte --help'\n");
  EXPECT_EQ(cli.Run({"aprove", "1"}), 2);
  EXPECT_EQ(cli.err(),
            "riposte: unknown command \"aprove\" (did you mean \"approve\"?); see "
            "'riposte --help'\n");
  EXPECT_EQ(cli.Run({"policy", "shwo"}), 2);
  EXPECT_EQ(cli.err(),
            "riposte: unknown command \"policy shwo\" (did you mean \"policy show\"?); "
            "see 'riposte policy --help'\n");
  EXPECT_EQ(cli.Run({"help", "nope"}), 2);
  EXPECT_EQ(cli.Run({"audit"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("riposte audit: missing command"));
  EXPECT_EQ(cli.Run({"whoami", "--frob"}), 2);
  EXPECT_EQ(cli.err(),
            "riposte whoami: unknown flag --frob; see 'riposte whoami --help'\n");
  EXPECT_EQ(cli.Run({"--frob", "whoami"}), 2);
  // Flags of one command are unknown to another.
  EXPECT_EQ(cli.Run({"whoami", "--watch"}), 2);
  EXPECT_EQ(cli.Run({"--frob"}), 2);
  EXPECT_EQ(cli.err(), "riposte: unknown flag --frob; see 'riposte --help'\n");
  EXPECT_FALSE(cli.connected());
}

TEST(UsageTest, Arguments) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({"approve", "--reason", "ok"}), 2);
  EXPECT_EQ(cli.err(),
            "riposte approve: missing argument; usage: riposte approve RUN_ID "
            "--reason TEXT\n");
  EXPECT_EQ(cli.Run({"approve", "1", "2", "--reason", "ok"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("riposte approve: unexpected argument \"2\""));
  EXPECT_EQ(cli.Run({"approve", "abc", "--reason", "ok"}), 2);
  EXPECT_EQ(cli.err(), "riposte: bad RUN_ID \"abc\": want a positive number\n");
  EXPECT_EQ(cli.Run({"whoami", "extra"}), 2);
  EXPECT_THAT(cli.fake().calls, IsEmpty());
}

TEST(UsageTest, ReasonIsRequired) {
  CliRunner cli;
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"approve", "1"}, {"reject", "1"}, {"revert", "1"}, {"retry", "1"},
           {"extend", "1", "--by", "2h"}, {"pause"}, {"resume"},
           {"policy", "reload"}, {"approve", "1", "--reason", "   "}}) {
    EXPECT_EQ(cli.Run(args), 2) << args[0];
    EXPECT_THAT(cli.err(), HasSubstr(": --reason is required")) << args[0];
  }
  EXPECT_THAT(cli.fake().calls, IsEmpty());
}

TEST(UsageTest, AReasonThatIsNotUtf8IsRefusedBeforeSending) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({"approve", "1", "--reason", "gepr\xfcft"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("riposte approve: --reason is not valid "
                                   "UTF-8 (at byte 4)"));
  EXPECT_THAT(cli.fake().calls, IsEmpty());
}

TEST(UsageTest, TokenFlagIsRefused) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({"--token", "secret", "whoami"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("there is no --token flag"));
  EXPECT_THAT(cli.err(), ::testing::Not(HasSubstr("secret")));
  EXPECT_EQ(cli.Run({"whoami", "--token=secret"}), 2);
  EXPECT_FALSE(cli.connected());
}

struct CodeCase {
  absl::StatusCode code;
  int exit;
  const char* name;
};

TEST(ExitCodeTest, ServerErrorsMapToExitCodes) {
  for (const CodeCase& c : {CodeCase{absl::StatusCode::kNotFound, 1, "NOT_FOUND"},
                            {absl::StatusCode::kFailedPrecondition, 1, "FAILED_PRECONDITION"},
                            {absl::StatusCode::kInvalidArgument, 1, "INVALID_ARGUMENT"},
                            {absl::StatusCode::kInternal, 1, "INTERNAL"},
                            {absl::StatusCode::kUnauthenticated, 3, "UNAUTHENTICATED"},
                            {absl::StatusCode::kPermissionDenied, 3, "PERMISSION_DENIED"},
                            {absl::StatusCode::kUnavailable, 4, "UNAVAILABLE"},
                            {absl::StatusCode::kDeadlineExceeded, 4, "DEADLINE_EXCEEDED"}}) {
    CliRunner cli;
    cli.fake().approve = [&](const v1::RunCommand&) -> absl::StatusOr<v1::ActionRun> {
      return absl::Status(c.code, "run 99: the message");
    };
    EXPECT_EQ(cli.Run({"approve", "99", "--reason", "ok"}), c.exit) << c.name;
    EXPECT_EQ(cli.err(), absl::StrCat("riposte: ", c.name, ": run 99: the message\n"));
    EXPECT_THAT(cli.out(), IsEmpty());
  }
}

TEST(GlobalFlagsTest, AnywhereOnTheLineAndResolved) {
  CliRunner cli;
  cli.fake().who_am_i = [](const v1::WhoAmIRequest&) {
    v1::WhoAmIResponse r;
    r.set_identity("alice");
    r.set_role("operator");
    return r;
  };
  EXPECT_EQ(cli.Run({"--addr", "localhost:7000", "--timeout", "3s", "whoami"}), 0);
  EXPECT_EQ(cli.out(), "alice (operator)\n");
  ASSERT_TRUE(cli.settings().has_value());
  EXPECT_EQ(cli.settings()->addr, "localhost:7000");
  EXPECT_EQ(cli.settings()->timeout, absl::Seconds(3));
  EXPECT_FALSE(cli.settings()->use_tls);

  cli.env()["RIPOSTE_ADDR"] = "127.0.0.1:9";
  cli.env()["RIPOSTE_TOKEN"] = "tok";
  EXPECT_EQ(cli.Run({"whoami", "--json"}), 0);
  EXPECT_EQ(cli.settings()->addr, "127.0.0.1:9");
  EXPECT_EQ(cli.settings()->token, "tok");
  EXPECT_THAT(cli.out(), HasSubstr("\"identity\": \"alice\""));
}

TEST(GlobalFlagsTest, ConnectionErrorsAreUsageErrors) {
  CliRunner cli;
  EXPECT_EQ(cli.Run({"--addr", "riposte.example.com:50051", "--insecure", "whoami"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("plaintext is only allowed to a loopback address"));
  EXPECT_FALSE(cli.connected());
  EXPECT_EQ(cli.Run({"--config", "/nonexistent/riposte.yaml", "whoami"}), 2);
  EXPECT_THAT(cli.err(), HasSubstr("riposte: config file: cannot open"));
}

}  // namespace
}  // namespace riposte::cli
