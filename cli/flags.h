#ifndef RIPOSTE_CLI_FLAGS_H_
#define RIPOSTE_CLI_FLAGS_H_

// Command-line flag parsing for the subcommands. absl::flags is process
// global and knows nothing of subcommands, so the CLI parses its own.
//
// Accepted forms: "--name value", "--name=value", "-n value", "-nvalue";
// boolean flags as "--name" or "--name=true|false". A flag that takes a
// value always takes the next argument, even one starting with "-"
// ("--by -30m"). "--" ends the flags; "-" alone is a positional (stdin).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::cli {

struct FlagSpec {
  enum class Kind { kBool, kValue, kRepeated };

  std::string name;  // long name, without "--"
  char short_name = 0;
  Kind kind = Kind::kValue;
  std::string value_name;  // for help: "DURATION"
  std::string help;
};

// The flags and positionals of one command line. Flags are keyed by long
// name; a non-repeated flag given twice keeps the last value.
class ParsedArgs {
 public:
  bool Has(absl::string_view name) const;
  std::optional<std::string> Get(absl::string_view name) const;
  std::vector<std::string> GetAll(absl::string_view name) const;
  // False when absent.
  bool GetBool(absl::string_view name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  void Set(const std::string& name, std::string value, bool repeated);
  void AddPositional(std::string value) { positionals_.push_back(std::move(value)); }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positionals_;
};

// Parses `args` against `specs`. `command` names the command in errors
// ("riposte approve"). Usage errors: unknown flags (with a suggestion when
// one is close), a missing value, a bad boolean.
absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<FlagSpec>& specs,
                                     absl::string_view command);

// Help lines for `specs`, aligned:
//   "  -f, --file FILE        The breaches to submit ("-" = stdin)."
std::string FormatFlagHelp(const std::vector<FlagSpec>& specs);

// The closest of `candidates` to `word` within a small edit distance, or "".
std::string ClosestMatch(absl::string_view word,
                         const std::vector<std::string>& candidates);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_FLAGS_H_
