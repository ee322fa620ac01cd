#ifndef RIPOSTE_CLI_RUN_VIEW_H_
#define RIPOSTE_CLI_RUN_VIEW_H_

// Human-readable views of action runs.

#include <string>

#include "absl/strings/string_view.h"
#include "cli/view_options.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "riposte/v1/operator.pb.h"

namespace riposte::cli {

using Runs = google::protobuf::RepeatedPtrField<v1::ActionRun>;

// `riposte pending`: a table of runs awaiting approval, each followed by
// its narrative wrapped to the width, indented by four.
std::string RenderPending(const Runs& runs, const ViewOptions& view);

// `riposte actions` and the runs of an incident: ID, STATE, ACTION,
// TARGET, RULE, TENANT, INCIDENT, AGE, EXPIRES; failed runs show their
// last error underneath. `indent` shifts the whole table.
std::string RenderRunsTable(const Runs& runs, const ViewOptions& view,
                            int indent = 0);

// The one-line answer to approve, reject, revert, retry and extend, e.g.
// "Approved run 12 (disable_user on user:alice@contoso.com): 1 of 2
// approvals, waiting for a second operator."
std::string RenderRunResult(absl::string_view command, const v1::ActionRun& run,
                            const ViewOptions& view);

// "disable_user on user:alice@contoso.com"
std::string DescribeRun(const v1::ActionRun& run);

// The EXPIRES cell: "in 2h", "never" (active until reverted), or "".
std::string ExpiresCell(const v1::ActionRun& run, const ViewOptions& view);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_RUN_VIEW_H_
