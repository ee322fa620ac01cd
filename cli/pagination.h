#ifndef RIPOSTE_CLI_PAGINATION_H_
#define RIPOSTE_CLI_PAGINATION_H_

// Following next_page_token for the list commands.

#include <cstdint>

#include "absl/status/statusor.h"
#include "cli/operator_client.h"
#include "riposte/v1/operator.pb.h"

namespace riposte::cli {

// Largest page asked for (the server's maximum).
inline constexpr int kMaxPageSize = 500;

// Calls ListRuns with `request` and its continuations until the server
// has no more pages or `limit` runs were collected (0: no limit). The
// result holds the runs in order, at most `limit`, and next_page_token set
// when more were left. A page token the server repeats ends the loop.
absl::StatusOr<v1::ListRunsResponse> ListAllRuns(OperatorClient& client,
                                                 v1::ListRunsRequest request,
                                                 int64_t limit);

// The same for ListIncidents.
absl::StatusOr<v1::ListIncidentsResponse> ListAllIncidents(
    OperatorClient& client, v1::ListIncidentsRequest request, int64_t limit);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_PAGINATION_H_
