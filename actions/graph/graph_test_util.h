#ifndef RIPOSTE_ACTIONS_GRAPH_GRAPH_TEST_UTIL_H_
#define RIPOSTE_ACTIONS_GRAPH_GRAPH_TEST_UTIL_H_

// A test fixture wiring a GraphAdapter to a FakeGraph, with checks that no
// secret or token ever shows up in a Status, details or memo. For tests.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "actions/action_executor.h"
#include "actions/common/json_value.h"
#include "actions/graph/fake_graph.h"
#include "actions/graph/graph_adapter.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/fake_http_client.h"

namespace riposte::actions::graph {

class GraphAdapterTest : public ::testing::Test {
 protected:
  static constexpr char kMailbox[] = "bob@contoso.example";

  GraphAdapterTest()
      : clock_(absl::FromUnixSeconds(1714557600)),  // 2024-05-01T10:00:00Z
        http_([this](const http::HttpRequest& r) { return graph_.Handle(r); }) {
    graph_.AddMailbox(kMailbox);
    MakeAdapter(Options());
  }

  ~GraphAdapterTest() override {
    EXPECT_THAT(graph_.violations(), ::testing::IsEmpty());
  }

  // Public so plain TESTs can use the same options.
 public:
  static GraphOptions Options() {
    GraphOptions o;
    o.directory_tenant = FakeGraph::kTenant;
    o.client_id = FakeGraph::kClientId;
    o.client_secret = FakeGraph::kClientSecret;
    o.login_base_url = FakeGraph::kLoginBase;
    o.graph_base_url = FakeGraph::kGraphBase;
    o.call_timeout = absl::Seconds(9);
    return o;
  }

 protected:
  void MakeAdapter(GraphOptions options) {
    adapter_ = std::make_unique<GraphAdapter>(
        std::move(options), &http_, &clock_,
        [this] { return absl::StrCat("guid-", ++guids_); });
  }

  static ActionRequest UserRequest(const std::string& action,
                                   const std::string& id,
                                   const std::string& upn = "") {
    ActionRequest r;
    r.run_id = 42;
    r.incident_id = 7;
    r.tenant_id = "contoso";
    r.action = action;
    r.target.mutable_user()->set_id(id);
    r.target.mutable_user()->set_user_principal_name(upn);
    r.idempotency_key = "run-42";
    return r;
  }

  static ActionRequest EmailRequest(const std::string& action,
                                    const std::string& internet_message_id,
                                    const std::string& mailbox = kMailbox) {
    ActionRequest r;
    r.run_id = 43;
    r.tenant_id = "contoso";
    r.action = action;
    r.target.mutable_email()->set_mailbox(mailbox);
    r.target.mutable_email()->set_internet_message_id(internet_message_id);
    r.idempotency_key = "run-43";
    return r;
  }

  // Gives `r` a checkpoint hook that records each memo in checkpoints_, or
  // refuses with FailedPrecondition (a lost lease) when lose_lease_ is set.
  ActionRequest WithCheckpoint(ActionRequest r) {
    r.checkpoint = [this](const std::string& memo) -> absl::Status {
      if (lose_lease_) return absl::FailedPreconditionError("lease lost");
      checkpoints_.push_back(memo);
      return absl::OkStatus();
    };
    return r;
  }

  // Makes the HTTP exchange for requests matching `method` and `path_part`
  // reach Graph (which acts) but lose the answer, as when the process dies
  // or the call times out mid-request.
  void LoseAnswers(const std::string& method, const std::string& path_part) {
    http_.SetHandler([this, method, path_part](const http::HttpRequest& r)
                         -> absl::StatusOr<http::HttpResponse> {
      absl::StatusOr<http::HttpResponse> response = graph_.Handle(r);
      if (r.method == method && absl::StrContains(r.url, path_part)) {
        return absl::DeadlineExceededError("no answer in time");
      }
      return response;
    });
  }
  void RestoreAnswers() {
    http_.SetHandler([this](const http::HttpRequest& r) { return graph_.Handle(r); });
  }

  // Apply or Revert, checking that nothing secret leaks into the answer
  // and that details and memo are valid JSON.
  absl::StatusOr<ActionResult> Apply(const ActionRequest& r) {
    return Checked(adapter_->Apply(r));
  }
  absl::StatusOr<ActionResult> Revert(const ActionRequest& r) {
    return Checked(adapter_->Revert(r));
  }

  absl::StatusOr<ActionResult> Checked(absl::StatusOr<ActionResult> result) {
    std::vector<std::string> texts;
    if (result.ok()) {
      texts = {result->details, result->memo};
      EXPECT_TRUE(common::JsonValue::Parse(result->details).ok()) << result->details;
      if (!result->memo.empty()) {
        EXPECT_TRUE(common::JsonValue::Parse(result->memo).ok()) << result->memo;
      }
    } else {
      texts = {std::string(result.status().ToString())};
    }
    for (const std::string& text : texts) {
      EXPECT_FALSE(absl::StrContains(text, FakeGraph::kClientSecret)) << text;
      EXPECT_FALSE(absl::StrContains(text, "graph-token")) << text;
      EXPECT_FALSE(absl::StrContains(text, "Bearer")) << text;
    }
    return result;
  }

  // Requests sent to Graph (not the token endpoint), as "METHOD path?query".
  std::vector<std::string> GraphCalls() const {
    std::vector<std::string> out;
    for (const http::HttpRequest& r : http_.requests()) {
      absl::string_view url = r.url;
      if (absl::ConsumePrefix(&url, FakeGraph::kGraphBase)) {
        out.push_back(absl::StrCat(r.method, " ", url));
      }
    }
    return out;
  }

  std::vector<http::HttpRequest> Requests() const { return http_.requests(); }

  FakeClock clock_;
  FakeGraph graph_;
  http::FakeHttpClient http_;
  std::atomic<int> guids_{0};
  std::vector<std::string> checkpoints_;
  bool lose_lease_ = false;
  std::unique_ptr<GraphAdapter> adapter_;
};

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_GRAPH_TEST_UTIL_H_
