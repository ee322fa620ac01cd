// ocsf export: Riposte's OCSF events (docs/OCSF.md) as JSON lines.

#include <cstdint>
#include <vector>

#include "cli/cli_status.h"
#include "cli/command.h"
#include "cli/jsonl_export.h"
#include "cli/time_format.h"

namespace riposte::cli {
namespace {

absl::Status Export(CommandContext& ctx) {
  v1::ExportOcsfRequest request;
  absl::StatusOr<int64_t> after = ParsePositiveFlag(ctx, "after", 0, true);
  if (!after.ok()) return after.status();
  request.set_after_seq(*after);
  if (auto v = ctx.args->Get("since")) {
    absl::StatusOr<absl::Time> since =
        ParseSince("--since", *v, ctx.clock->Now());
    if (!since.ok()) return AsUsageError(since.status());
    SetTimestamp(*since, request.mutable_since());
  }
  return ExportJsonLines(ctx, "OCSF events", [&](LineSink sink) {
    return ctx.client->ExportOcsf(
        request,
        [&](const v1::OcsfExportChunk& chunk) { return sink(chunk.jsonl()); });
  });
}

}  // namespace

std::vector<CommandSpec> OcsfCommands() {
  std::vector<CommandSpec> commands;
  commands.push_back(CommandSpec{
      "ocsf export", "[--since WHEN] [--after SEQ] [-o FILE]",
      "Export OCSF events as JSON lines",
      "Writes the OCSF 1.3.0 events riposted keeps in its outbox (Detection\n"
      "Findings, account and mail remediations, operator commands; see\n"
      "docs/OCSF.md), oldest first, one JSON object per line, to stdout or\n"
      "to FILE, for scripts and backfills. Each event's metadata.uid is\n"
      "stable: a consumer can drop an event it already has. FILE appears\n"
      "only once the export is complete.",
      {SinceFlag("Only events"),
       {"after", 0, FlagSpec::Kind::kValue, "SEQ",
        "Only events after this outbox position."},
       {"output", 'o', FlagSpec::Kind::kValue, "FILE",
        "Write to FILE instead of stdout."}},
      0, 0, Export});
  return commands;
}

}  // namespace riposte::cli
