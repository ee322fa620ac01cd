#include "cli/pagination.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace riposte::cli {
namespace {

// Shared loop: `call` fetches one page for (page_size, token) and appends
// its items to the result; returns the next token.
template <typename Response, typename Request, typename Fetch, typename Items>
absl::StatusOr<Response> Collect(Request request, int64_t limit, Fetch fetch,
                                 Items items) {
  Response all;
  std::string token = request.page_token();
  while (true) {
    const int64_t want = limit == 0 ? kMaxPageSize
                                    : std::min<int64_t>(kMaxPageSize,
                                                        limit - items(all)->size());
    request.set_page_size(static_cast<int32_t>(want));
    request.set_page_token(token);
    absl::StatusOr<Response> page = fetch(request);
    if (!page.ok()) return page.status();
    auto* dest = items(all);
    auto* src = items(*page);
    for (auto& item : *src) {
      if (limit != 0 && dest->size() >= limit) {
        // The server sent more than asked; keep the rest for a next call.
        all.set_next_page_token(page->next_page_token());
        return all;
      }
      *dest->Add() = std::move(item);
    }
    const std::string next = page->next_page_token();
    if (next.empty() || next == token) {
      all.clear_next_page_token();
      return all;
    }
    if (limit != 0 && dest->size() >= limit) {
      all.set_next_page_token(next);
      return all;
    }
    token = next;
  }
}

}  // namespace

absl::StatusOr<v1::ListRunsResponse> ListAllRuns(OperatorClient& client,
                                                 v1::ListRunsRequest request,
                                                 int64_t limit) {
  return Collect<v1::ListRunsResponse>(
      std::move(request), limit,
      [&](const v1::ListRunsRequest& r) { return client.ListRuns(r); },
      [](auto& response) { return response.mutable_runs(); });
}

absl::StatusOr<v1::ListIncidentsResponse> ListAllIncidents(
    OperatorClient& client, v1::ListIncidentsRequest request, int64_t limit) {
  return Collect<v1::ListIncidentsResponse>(
      std::move(request), limit,
      [&](const v1::ListIncidentsRequest& r) { return client.ListIncidents(r); },
      [](auto& response) { return response.mutable_incidents(); });
}

}  // namespace riposte::cli
