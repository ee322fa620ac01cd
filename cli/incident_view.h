#ifndef RIPOSTE_CLI_INCIDENT_VIEW_H_
#define RIPOSTE_CLI_INCIDENT_VIEW_H_

// Human-readable views of incidents.

#include <string>

#include "cli/view_options.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "riposte/v1/operator.pb.h"

namespace riposte::cli {

// `riposte incident ID`: a header, then the timeline breach by breach,
// each followed by the decisions it led to (with narratives) and the runs
// those proposed; decisions and runs tied to no listed breach come after;
// then a table of the runs as they stand now.
std::string RenderIncident(const v1::IncidentDetail& detail,
                           const ViewOptions& view);

// `riposte incidents`: ID, TENANT, SUBJECT, KIND, BREACHES, FIRST SEEN,
// LAST SEEN.
std::string RenderIncidents(
    const google::protobuf::RepeatedPtrField<v1::Incident>& incidents,
    const ViewOptions& view);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_INCIDENT_VIEW_H_
