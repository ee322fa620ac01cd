#ifndef RIPOSTE_CLI_JSONL_EXPORT_H_
#define RIPOSTE_CLI_JSONL_EXPORT_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cli/command.h"

namespace riposte::cli {

// Takes a chunk of JSON lines; false stops the stream (a write failed).
using LineSink = absl::FunctionRef<bool(absl::string_view jsonl)>;

// The exports' common part (`audit export`, `ocsf export`): `stream` feeds
// chunks of JSON lines to its sink; they go to stdout, or with -o FILE to a
// temporary file beside FILE that is renamed into place only once the
// whole export has arrived, so an interrupted export leaves nothing that
// looks complete. Then "Exported N <noun> to FILE." on stderr.
absl::Status ExportJsonLines(CommandContext& ctx, absl::string_view noun,
                             absl::FunctionRef<absl::Status(LineSink)> stream);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_JSONL_EXPORT_H_
