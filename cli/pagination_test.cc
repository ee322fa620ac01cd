#include "cli/pagination.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/fake_operator_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

// A server with `total` runs (ids 1..total) that pages by the token "N",
// meaning "start after N", and never returns more than page_size.
void ServeRuns(FakeOperatorClient& fake, int total) {
  fake.list_runs = [total](const v1::ListRunsRequest& r) {
    int start = 0;
    if (!r.page_token().empty()) {
      EXPECT_TRUE(absl::SimpleAtoi(r.page_token(), &start));
    }
    v1::ListRunsResponse page;
    int id = start;
    while (id < total && page.runs_size() < r.page_size()) {
      page.add_runs()->set_run_id(++id);
    }
    if (id < total) page.set_next_page_token(absl::StrCat(id));
    return page;
  };
}

TEST(ListAllRunsTest, FollowsPagesUpToTheLimit) {
  FakeOperatorClient fake;
  ServeRuns(fake, 1200);
  v1::ListRunsRequest request;
  request.set_tenant_id("contoso");
  absl::StatusOr<v1::ListRunsResponse> all = ListAllRuns(fake, request, 0);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->runs_size(), 1200);
  EXPECT_EQ(all->runs(1199).run_id(), 1200);
  EXPECT_EQ(all->next_page_token(), "");
  ASSERT_EQ(fake.list_runs_requests.size(), 3u);
  EXPECT_EQ(fake.list_runs_requests[0].page_size(), 500);
  EXPECT_EQ(fake.list_runs_requests[1].page_token(), "500");
  EXPECT_EQ(fake.list_runs_requests[2].tenant_id(), "contoso");

  FakeOperatorClient limited;
  ServeRuns(limited, 1200);
  absl::StatusOr<v1::ListRunsResponse> some = ListAllRuns(limited, request, 120);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->runs_size(), 120);
  EXPECT_EQ(some->next_page_token(), "120");  // more are left
  EXPECT_EQ(limited.list_runs_requests.size(), 1u);
  EXPECT_EQ(limited.list_runs_requests[0].page_size(), 120);

  FakeOperatorClient exact;
  ServeRuns(exact, 120);
  absl::StatusOr<v1::ListRunsResponse> all120 = ListAllRuns(exact, request, 120);
  EXPECT_EQ(all120->runs_size(), 120);
  EXPECT_EQ(all120->next_page_token(), "");
}

TEST(ListAllRunsTest, StopsOnARepeatedTokenAndPassesErrors) {
  FakeOperatorClient stuck;
  stuck.list_runs = [](const v1::ListRunsRequest&) {
    v1::ListRunsResponse page;
    page.add_runs()->set_run_id(1);
    page.set_next_page_token("same");
    return page;
  };
  absl::StatusOr<v1::ListRunsResponse> runs = ListAllRuns(stuck, {}, 0);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(stuck.list_runs_requests.size(), 2u);

  FakeOperatorClient failing;
  failing.list_runs = [](const v1::ListRunsRequest&) -> absl::StatusOr<v1::ListRunsResponse> {
    return absl::PermissionDeniedError("no");
  };
  EXPECT_EQ(ListAllRuns(failing, {}, 0).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ListAllIncidentsTest, FollowsPages) {
  FakeOperatorClient fake;
  fake.list_incidents = [](const v1::ListIncidentsRequest& r) {
    v1::ListIncidentsResponse page;
    page.add_incidents()->set_incident_id(r.page_token().empty() ? 1 : 2);
    if (r.page_token().empty()) page.set_next_page_token("p2");
    return page;
  };
  absl::StatusOr<v1::ListIncidentsResponse> all = ListAllIncidents(fake, {}, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->incidents_size(), 2);
  EXPECT_EQ(all->incidents(1).incident_id(), 2);
}

}  // namespace
}  // namespace riposte::cli
