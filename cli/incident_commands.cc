// incident, incidents.

#include <cstdint>
#include <string>
#include <vector>

#include "cli/cli_status.h"
#include "cli/command.h"
#include "cli/incident_view.h"
#include "cli/pagination.h"
#include "cli/time_format.h"

namespace riposte::cli {
namespace {

absl::Status ShowIncident(CommandContext& ctx) {
  absl::StatusOr<int64_t> id = ParseId("incident ID", ctx.args->positionals()[0]);
  if (!id.ok()) return id.status();
  v1::GetIncidentRequest request;
  request.set_incident_id(*id);
  absl::StatusOr<v1::IncidentDetail> detail = ctx.client->GetIncident(request);
  if (!detail.ok()) return detail.status();
  if (ctx.json) {
    PrintJson(ctx, *detail);
  } else {
    *ctx.out << RenderIncident(*detail, ctx.View());
  }
  return absl::OkStatus();
}

absl::Status ListIncidents(CommandContext& ctx) {
  v1::ListIncidentsRequest request;
  if (auto v = ctx.args->Get("tenant")) request.set_tenant_id(*v);
  if (auto v = ctx.args->Get("subject")) request.set_subject_key(*v);
  if (auto v = ctx.args->Get("since")) {
    absl::StatusOr<absl::Time> since = ParseSince("--since", *v, ctx.clock->Now());
    if (!since.ok()) return AsUsageError(since.status());
    SetTimestamp(*since, request.mutable_since());
  }
  absl::StatusOr<int64_t> limit = ParsePositiveFlag(ctx, "limit", 100, true);
  if (!limit.ok()) return limit.status();
  absl::StatusOr<v1::ListIncidentsResponse> incidents =
      ListAllIncidents(*ctx.client, request, *limit);
  if (!incidents.ok()) return incidents.status();
  if (ctx.json) {
    PrintJson(ctx, *incidents);
    return absl::OkStatus();
  }
  *ctx.out << RenderIncidents(incidents->incidents(), ctx.View());
  if (!incidents->next_page_token().empty()) {
    *ctx.err << "(showing the first " << *limit
             << " incidents; use --limit to see more)\n";
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<CommandSpec> IncidentCommands() {
  std::vector<CommandSpec> commands;
  commands.push_back(CommandSpec{
      "incident", "ID", "Show an incident's timeline",
      "Shows one incident: its breaches in order, the decisions each led to\n"
      "with their narratives, and the action runs as they stand now.",
      {}, 1, 1, ShowIncident});
  commands.push_back(CommandSpec{
      "incidents", "[--tenant TENANT] [--subject KEY] [--since WHEN] [--limit N]",
      "List incidents",
      "Lists incidents (breaches about one subject, correlated), following\n"
      "pages up to --limit.\n"
      "\n"
      "With --json: one ListIncidentsResponse holding every page read;\n"
      "next_page_token is set when --limit left some unread.",
      {TenantFlag(),
       {"subject", 0, FlagSpec::Kind::kValue, "KEY",
        "Only this subject, e.g. user:alice@contoso.com."},
       SinceFlag("Incidents last seen"),
       LimitFlag("incidents")},
      0, 0, ListIncidents});
  return commands;
}

}  // namespace riposte::cli
